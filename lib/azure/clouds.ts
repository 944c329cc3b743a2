/**
 * Microsoft endpoints per cloud. Partners run in the public cloud, in Azure operated by 21Vianet
 * and in US Government; every endpoint can also be overridden one by one (the sandbox does that).
 * https://learn.microsoft.com/entra/identity-platform/authentication-national-cloud
 * https://learn.microsoft.com/graph/deployments
 * https://learn.microsoft.com/partner-center/developer/partner-center-rest-urls
 */
export const CloudNames = ['AzurePublic', 'AzureChina', 'AzureUSGovernment'] as const;
export type CloudName = (typeof CloudNames)[number];

export interface CloudEndpoints {
  authorityHost: string;
  graph: string;
  arm: string;
  partnerCenter: string;
  /** Where Partner Center publishes the certificate that signs its webhook calls. */
  webhookCertificateHost: string;
  /** Storage endpoints' DNS suffix: `<account>.table.<suffix>`. */
  storageSuffix: string;
  /**
   * Token audiences. They name the service, not the address it is reached at, so they stay the
   * cloud's own even when an endpoint is overridden (a proxy, the sandbox).
   */
  audiences: { graph: string; arm: string; partnerCenter: string };
}

export const CLOUDS: Record<CloudName, CloudEndpoints> = {
  AzurePublic: {
    authorityHost: 'https://login.microsoftonline.com',
    graph: 'https://graph.microsoft.com',
    arm: 'https://management.azure.com',
    partnerCenter: 'https://api.partnercenter.microsoft.com',
    webhookCertificateHost: '3psostorageacct.blob.core.windows.net',
    storageSuffix: 'core.windows.net',
    audiences: {
      graph: 'https://graph.microsoft.com',
      arm: 'https://management.azure.com',
      partnerCenter: 'https://api.partnercenter.microsoft.com',
    },
  },
  AzureChina: {
    authorityHost: 'https://login.chinacloudapi.cn',
    graph: 'https://microsoftgraph.chinacloudapi.cn',
    arm: 'https://management.chinacloudapi.cn',
    partnerCenter: 'https://partner.partnercenterapi.microsoftonline.cn',
    webhookCertificateHost: '3psostorageacct.blob.core.windows.net',
    storageSuffix: 'core.chinacloudapi.cn',
    audiences: {
      graph: 'https://microsoftgraph.chinacloudapi.cn',
      arm: 'https://management.chinacloudapi.cn',
      partnerCenter: 'https://api.partnercenter.microsoft.com',
    },
  },
  AzureUSGovernment: {
    authorityHost: 'https://login.microsoftonline.us',
    graph: 'https://graph.microsoft.us',
    arm: 'https://management.usgovcloudapi.net',
    partnerCenter: 'https://partner.partnercenterapi.us',
    webhookCertificateHost: '3psostorageacct.blob.core.windows.net',
    storageSuffix: 'core.usgovcloudapi.net',
    audiences: {
      graph: 'https://graph.microsoft.us',
      arm: 'https://management.usgovcloudapi.net',
      partnerCenter: 'https://api.partnercenter.microsoft.com',
    },
  },
};

/** The client-credentials scope for a service audience. */
export function scopeFor(audience: string): string {
  return `${audience.replace(/\/+$/, '')}/.default`;
}
