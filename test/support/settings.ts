import { PARTNER_TENANT } from './fixtures';

export const SIGNING_KEY = Buffer.alloc(32, 7).toString('base64');
export const PREVIOUS_SIGNING_KEY = Buffer.alloc(32, 9).toString('base64');

/** A complete, valid set of app settings, as local.settings.sample.json documents them. */
export function validSettings(
  overrides: Record<string, string | undefined> = {},
): Record<string, string | undefined> {
  return {
    AzureWebJobsStorage: 'UseDevelopmentStorage=true',
    PARTNER_TENANT_ID: PARTNER_TENANT,
    PARTNER_OPS_EMAIL: 'ops@partner.example',
    PARTNER_NAME: 'Fabrikam CSP',
    PARTNER_SUPPORT_EMAIL: 'support@partner.example',
    EMAIL_SENDER_ADDRESS: 'DoNotReply@partner.example',
    ACS_CONNECTION_STRING: 'endpoint=https://acs.example.communication.azure.com/;accesskey=c2VjcmV0LWtleQ==',
    PUBLIC_BASE_URL: 'https://reinstate.partner.example',
    LINK_SIGNING_KEY: SIGNING_KEY,
    PARTNER_APP_CLIENT_ID: '22222222-3333-4444-8555-666666666666',
    PARTNER_APP_CLIENT_SECRET: 'app-secret-for-tests',
    // The watch runs when a test asks for it, not on the daily default as the manual clock passes days.
    SCAN_SCHEDULE: 'off',
    // The alerts' digest likewise: its mail would join the mails other tests count.
    DIGEST_SCHEDULE: 'off',
    // Most tests start reinstatements for tenants they make up; the check before a start (on by
    // default) is tested where customers are the partner's: startCheck and scan.
    PARTNER_CENTER_START_CHECK: 'false',
    ...overrides,
  };
}
