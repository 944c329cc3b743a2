import {
  ClientAssertionCredential,
  ClientCertificateCredential,
  ClientSecretCredential,
  ManagedIdentityCredential,
  type TokenCredential,
} from '@azure/identity';
import type { AppConfig } from '../../config/appConfig';
import { CLOUDS } from '../../../lib/azure/clouds';
import { microsoftApiTelemetry } from '../../telemetry/microsoftApiSpans';
import { tlsOptions } from '../../../lib/azure/tls';
import { clientAuthentication, type ClientAuthentication } from './clientAuthentication';

/** Where the partner app's own tokens come from (app-only), and its credential for other grants. */
export interface Credentials {
  /**
   * The partner app, app-only, in `tenantId`: the partner tenant for Partner Center and Graph; a
   * customer tenant only in the app-only verification mode (see docs/IDENTITY.md).
   */
  forTenant(tenantId: string): TokenCredential;
  /** For Microsoft Graph in the partner tenant. */
  graph(): TokenCredential;
  /** The app's credential as token-request fields, for the partner user's delegated tokens. */
  authenticate: ClientAuthentication;
}

const KNOWN_AUTHORITIES = new Set(Object.values(CLOUDS).map((c) => c.authorityHost));

/**
 * Builds @azure/identity credentials from configuration. Each credential keeps its own token cache,
 * so one credential per tenant gives a cache per tenant and scope. Tokens are never logged: the
 * identity library redacts them and nothing here prints them.
 */
export function createCredentials(config: AppConfig): Credentials {
  const authorityHost = config.cloud.authorityHost;
  const common = {
    authorityHost,
    // Instance discovery only knows Microsoft's own authority hosts; a stand-in must skip it.
    disableInstanceDiscovery: !KNOWN_AUTHORITIES.has(authorityHost),
    ...tlsOptions(config.identity.caFile),
    ...microsoftApiTelemetry('Entra ID'),
  };
  const byTenant = new Map<string, TokenCredential>();
  let managedIdentity: ManagedIdentityCredential | undefined;
  const mi = () =>
    (managedIdentity ??= config.identity.managedIdentityClientId
      ? new ManagedIdentityCredential({
          clientId: config.identity.managedIdentityClientId,
          ...microsoftApiTelemetry('Entra ID'),
        })
      : new ManagedIdentityCredential(microsoftApiTelemetry('Entra ID')));

  const forTenant = (tenantId: string): TokenCredential => {
    const cached = byTenant.get(tenantId);
    if (cached) return cached;
    const { clientId, credential } = config.identity;
    let created: TokenCredential;
    switch (credential.kind) {
      case 'clientSecret':
        created = new ClientSecretCredential(tenantId, clientId, credential.secret, common);
        break;
      case 'clientCertificate':
        created = new ClientCertificateCredential(
          tenantId,
          clientId,
          { certificatePath: credential.certificatePath },
          common,
        );
        break;
      case 'managedIdentityFederation':
        // The managed identity's token is the app's client assertion (workload identity federation).
        created = new ClientAssertionCredential(
          tenantId,
          clientId,
          async () => (await mi().getToken('api://AzureADTokenExchange/.default')).token,
          common,
        );
        break;
    }
    byTenant.set(tenantId, created);
    return created;
  };

  return {
    forTenant,
    authenticate: clientAuthentication(config, mi),
    graph: () =>
      config.identity.graphCredential === 'managedIdentity' ? mi() : forTenant(config.partner.tenantId),
  };
}
