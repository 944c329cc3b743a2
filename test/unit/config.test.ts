import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, loadConfig, SETTING_NAMES } from '../../shared/config/appConfig';
import { PARTNER_TENANT } from '../support/fixtures';
import { PREVIOUS_SIGNING_KEY, SIGNING_KEY, validSettings } from '../support/settings';

function problems(env: Record<string, string | undefined>) {
  try {
    loadConfig(env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems;
  }
  throw new Error('expected the configuration to be refused');
}

describe('loadConfig', () => {
  it('reads a complete configuration and fills sensible defaults', () => {
    // The check before a start is on unless turned off (the test settings turn it off).
    const config = loadConfig(validSettings({ PARTNER_CENTER_START_CHECK: undefined }));
    expect(config.partner).toEqual({
      tenantId: PARTNER_TENANT,
      msppId: '0',
      groupName: 'AdminAgents',
      displayName: 'Fabrikam CSP',
      supportEmail: 'support@partner.example',
      opsEmail: 'ops@partner.example',
      delegatedAdminDefault: false,
      checkBeforeStart: true,
      defaultLanguage: 'en',
    });
    expect(config.schedule).toEqual({
      invitationReminderDays: [3, 7],
      invitationExpiryDays: 14,
      roleAssignmentReminderDays: [3, 7],
      roleAssignmentDeadlineDays: 14,
      verifySchedule: '0 */15 * * * *',
      watchdogSchedule: '0 5-59/10 * * * *',
      verifyConcurrency: 8,
      transientRetryHours: 24,
    });
    expect(config.email.acs.kind).toBe('connectionString');
    expect(config.links.signingKeys.current).toEqual(Buffer.from(SIGNING_KEY, 'base64'));
    expect(config.links.signingKeys.previous).toBeUndefined();
    expect(config.storage).toEqual({
      connection: { kind: 'connectionString', connectionString: 'UseDevelopmentStorage=true' },
      taskHubName: 'ReinstatementHub',
      reinstatementsTable: 'Reinstatements',
      emailOutboxTable: 'EmailOutbox',
      partnerStateTable: 'PartnerState',
      bulkJobsTable: 'BulkJobs',
      scansTable: 'Scans',
    });
    expect(config.cloud).toEqual({
      name: 'AzurePublic',
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
      partnerCenterCheck: false,
    });
    expect(config.identity).toEqual({
      clientId: '22222222-3333-4444-8555-666666666666',
      credential: { kind: 'clientSecret', secret: 'app-secret-for-tests' },
      graphCredential: 'app',
      verification: 'secureApplicationModel',
    });
    expect(config.pacing).toEqual({ emailsPerMinute: 30, emailsPerHour: 100, adminAgentsCacheHours: 24 });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('honours every override', () => {
    const config = loadConfig(
      validSettings({
        PARTNER_MSPP_ID: '1234567',
        PARTNER_GROUP_NAME: 'HelpDeskAgents',
        DELEGATED_ADMIN_DEFAULT: 'true',
        ACS_CONNECTION_STRING: undefined,
        ACS_ENDPOINT: 'https://acs.example.communication.azure.com',
        PUBLIC_BASE_URL: 'http://localhost:7071/',
        LINK_SIGNING_KEY_PREVIOUS: PREVIOUS_SIGNING_KEY,
        INVITATION_REMINDER_DAYS: '2, 5, 9',
        INVITATION_EXPIRY_DAYS: '10',
        ROLE_ASSIGNMENT_REMINDER_DAYS: '',
        ROLE_ASSIGNMENT_DEADLINE_DAYS: '21',
        VERIFY_SCHEDULE: '0 0 * * * *',
        WATCHDOG_SCHEDULE: '0 30 * * * *',
        VERIFY_CONCURRENCY: '32',
        TRANSIENT_RETRY_HOURS: '6',
        TASK_HUB_NAME: 'PartnerHub',
        TABLE_REINSTATEMENTS: 'Reinst2',
        TABLE_BULK_JOBS: 'Jobs2',
      }),
    );
    expect(config.partner).toMatchObject({
      msppId: '1234567',
      groupName: 'HelpDeskAgents',
      delegatedAdminDefault: true,
    });
    expect(config.email.acs).toEqual({
      kind: 'endpoint',
      endpoint: 'https://acs.example.communication.azure.com',
    });
    expect(config.links.publicBaseUrl).toBe('http://localhost:7071');
    expect(config.links.signingKeys.previous).toEqual(Buffer.from(PREVIOUS_SIGNING_KEY, 'base64'));
    expect(config.schedule).toEqual({
      invitationReminderDays: [2, 5, 9],
      invitationExpiryDays: 10,
      roleAssignmentReminderDays: [],
      roleAssignmentDeadlineDays: 21,
      verifySchedule: '0 0 * * * *',
      watchdogSchedule: '0 30 * * * *',
      verifyConcurrency: 32,
      transientRetryHours: 6,
    });
    expect(config.storage).toMatchObject({
      taskHubName: 'PartnerHub',
      reinstatementsTable: 'Reinst2',
      bulkJobsTable: 'Jobs2',
    });
  });

  it('names every missing setting in one error', () => {
    const found = problems({});
    expect(found.map((p) => p.setting).sort()).toEqual(
      [
        'ACS_ENDPOINT',
        'AzureWebJobsStorage',
        'EMAIL_SENDER_ADDRESS',
        'LINK_SIGNING_KEY',
        'PARTNER_APP_CLIENT_ID',
        'PARTNER_NAME',
        'PARTNER_OPS_EMAIL',
        'PARTNER_SUPPORT_EMAIL',
        'PARTNER_TENANT_ID',
        'PUBLIC_BASE_URL',
      ].sort(),
    );
    expect(found.find((p) => p.setting === 'PARTNER_TENANT_ID')?.rule).toContain('is required');
    expect(found.find((p) => p.setting === 'PARTNER_NAME')?.rule).toContain("the partner's name");
    expect(problems(validSettings({ PARTNER_WEBSITE: 'http://fabrikam.example' }))).toContainEqual({
      setting: 'PARTNER_WEBSITE',
      rule: 'must be an https address',
    });
    expect(problems(validSettings({ PARTNER_SUPPORT_PHONE: 'call us' }))[0]?.setting).toBe(
      'PARTNER_SUPPORT_PHONE',
    );
  });

  it.each([
    ['PARTNER_TENANT_ID', 'contoso', 'GUID'],
    ['PARTNER_MSPP_ID', 'abc', 'digits'],
    ['PARTNER_GROUP_NAME', "Admin'Agents", 'plain group display name'],
    ['PARTNER_NAME', 'Fabrikam <b>CSP</b>', 'plain text on one line'],
    ['PARTNER_OPS_EMAIL', 'ops', 'email address'],
    ['DELEGATED_ADMIN_DEFAULT', 'maybe', 'true or false'],
    ['DEFAULT_LANGUAGE', 'german', 'de for Deutsch (German)'],
    ['DEFAULT_LANGUAGE', 'pt-PT', 'pt-BR for Português do Brasil (Brazilian Portuguese)'],
    ['PUBLIC_BASE_URL', 'reinstate.contoso.com', 'absolute URL'],
    ['PUBLIC_BASE_URL', 'http://reinstate.contoso.com', 'https'],
    ['PUBLIC_BASE_URL', 'https://reinstate.contoso.com/?x=1', 'query'],
    ['LINK_SIGNING_KEY', 'c2hvcnQ=', 'at least 32 bytes'],
    ['LINK_SIGNING_KEY', 'c2hvcnQ=', 'openssl rand -base64 32'],
    // The placeholder the sample settings once carried: public in the repository, so anyone could sign links.
    ['LINK_SIGNING_KEY', 'cmVwbGFjZS13aXRoLTMyLXJhbmRvbS1ieXRlcy1iYXNlNjQ=', 'public example key'],
    ['LINK_SIGNING_KEY_PREVIOUS', 'cmVwbGFjZS13aXRoLTMyLXJhbmRvbS1ieXRlcy1iYXNlNjQ=', 'public example key'],
    ['LINK_SIGNING_KEY', 'not base64!', 'base64'],
    ['LINK_SIGNING_KEY_PREVIOUS', SIGNING_KEY, 'must differ'],
    ['INVITATION_REMINDER_DAYS', '7,3', 'strictly increasing'],
    ['INVITATION_REMINDER_DAYS', '3,14', 'before INVITATION_EXPIRY_DAYS'],
    ['INVITATION_REMINDER_DAYS', 'three', 'comma-separated'],
    ['INVITATION_EXPIRY_DAYS', '0', 'more than 0'],
    ['ROLE_ASSIGNMENT_DEADLINE_DAYS', '5', undefined],
    ['VERIFY_SCHEDULE', '*/15 * * * *', 'six-field NCRONTAB'],
    ['VERIFY_SCHEDULE', '0 61 * * * *', 'six-field NCRONTAB'],
    ['VERIFY_CONCURRENCY', '0', 'from 1 to 64'],
    ['VERIFY_CONCURRENCY', '8.5', 'whole number'],
    ['TASK_HUB_NAME', 'my-hub', 'letters and digits'],
    ['TABLE_REINSTATEMENTS', 'ab', '3-63'],
    ['ACS_CONNECTION_STRING', 'accesskey=abc', 'endpoint='],
  ])('refuses %s=%p', (setting, value, fragment) => {
    const found = problems(validSettings({ [setting]: value }));
    const reported = fragment === undefined ? 'ROLE_ASSIGNMENT_REMINDER_DAYS' : setting;
    expect(found).toContainEqual({
      setting: reported,
      rule: expect.stringContaining(fragment ?? 'before ROLE_ASSIGNMENT_DEADLINE_DAYS'),
    });
  });

  it('writes to customers in DEFAULT_LANGUAGE unless a reinstatement names another, in any case of its tag', () => {
    expect(loadConfig(validSettings({ DEFAULT_LANGUAGE: 'pt-br' })).partner.defaultLanguage).toBe('pt-BR');
    expect(loadConfig(validSettings({ DEFAULT_LANGUAGE: ' ja ' })).partner.defaultLanguage).toBe('ja');
    expect(loadConfig(validSettings({ DEFAULT_LANGUAGE: '' })).partner.defaultLanguage).toBe('en');
  });

  it('takes a sovereign cloud preset and lets each endpoint be overridden', () => {
    const china = loadConfig(validSettings({ CLOUD: 'AzureChina' })).cloud;
    expect(china.authorityHost).toBe('https://login.chinacloudapi.cn');
    expect(china.arm).toBe('https://management.chinacloudapi.cn');
    const gov = loadConfig(
      validSettings({
        CLOUD: 'AzureUSGovernment',
        ARM_ENDPOINT: 'https://127.0.0.1:8443/',
        PARTNER_CENTER_CERT_HOST: '127.0.0.1:8443',
      }),
    ).cloud;
    expect(gov.graph).toBe('https://graph.microsoft.us');
    expect(gov.arm).toBe('https://127.0.0.1:8443');
    expect(gov.webhookCertificateHost).toBe('127.0.0.1:8443');
    expect(problems(validSettings({ CLOUD: 'Mars' }))).toContainEqual({
      setting: 'CLOUD',
      rule: expect.stringContaining('AzurePublic'),
    });
  });

  it('runs the watch daily unless SCAN_SCHEDULE says otherwise or off, and refuses a malformed schedule', () => {
    expect(loadConfig(validSettings({ SCAN_SCHEDULE: undefined })).schedule.scanSchedule).toBe(
      '0 30 5 * * *',
    );
    expect(loadConfig(validSettings({ SCAN_SCHEDULE: '' })).schedule.scanSchedule).toBe('0 30 5 * * *');
    expect(loadConfig(validSettings({ SCAN_SCHEDULE: 'off' })).schedule.scanSchedule).toBeUndefined();
    expect(loadConfig(validSettings({ SCAN_SCHEDULE: 'OFF' })).schedule.scanSchedule).toBeUndefined();
    expect(problems(validSettings({ SCAN_SCHEDULE: 'of' }))[0]?.setting).toBe('SCAN_SCHEDULE');
    expect(loadConfig(validSettings({ SCAN_SCHEDULE: '0 0 6 * * 1' })).schedule.scanSchedule).toBe(
      '0 0 6 * * 1',
    );
    expect(problems(validSettings({ SCAN_SCHEDULE: 'weekly' }))[0]?.setting).toBe('SCAN_SCHEDULE');
  });

  it('takes an identity-based storage connection instead of a connection string, and not both', () => {
    const identity = loadConfig(
      validSettings({
        AzureWebJobsStorage: '',
        AzureWebJobsStorage__accountName: 'cspreinabc',
        AzureWebJobsStorage__credential: 'managedidentity',
        AzureWebJobsStorage__clientId: '33333333-4444-4555-8666-777777777777',
      }),
    );
    expect(identity.storage.connection).toEqual({
      kind: 'identity',
      tableServiceUri: 'https://cspreinabc.table.core.windows.net',
      clientId: '33333333-4444-4555-8666-777777777777',
    });
    expect(
      loadConfig(
        validSettings({
          AzureWebJobsStorage: '',
          AzureWebJobsStorage__accountName: 'cspreinabc',
          CLOUD: 'AzureChina',
        }),
      ).storage.connection,
    ).toEqual({ kind: 'identity', tableServiceUri: 'https://cspreinabc.table.core.chinacloudapi.cn' });
    expect(problems(validSettings({ AzureWebJobsStorage__accountName: 'cspreinabc' }))).toContainEqual({
      setting: 'AzureWebJobsStorage',
      rule: expect.stringContaining('not both'),
    });
    expect(
      problems(
        validSettings({ AzureWebJobsStorage: '', AzureWebJobsStorage__accountName: 'Not_An_Account' }),
      )[0]?.setting,
    ).toBe('AzureWebJobsStorage__accountName');
  });

  it('requires the secret or certificate the chosen app credential needs', () => {
    expect(problems(validSettings({ VERIFICATION_IDENTITY: 'delegated' }))).toContainEqual({
      setting: 'VERIFICATION_IDENTITY',
      rule: 'must be secureApplicationModel or appOnly',
    });
    expect(
      loadConfig(validSettings({ VERIFICATION_IDENTITY: 'appOnly', PARTNER_REFRESH_TOKEN: ' rt ' })).identity,
    ).toMatchObject({ verification: 'appOnly', refreshToken: 'rt' });
    expect(problems(validSettings({ PARTNER_APP_CLIENT_SECRET: '' }))).toContainEqual({
      setting: 'PARTNER_APP_CLIENT_SECRET',
      rule: expect.stringContaining('clientSecret'),
    });
    expect(problems(validSettings({ PARTNER_APP_CREDENTIAL: 'clientCertificate' }))).toContainEqual({
      setting: 'PARTNER_APP_CERTIFICATE_PATH',
      rule: expect.stringContaining('required'),
    });
    const federated = loadConfig(
      validSettings({
        PARTNER_APP_CREDENTIAL: 'managedIdentityFederation',
        MANAGED_IDENTITY_CLIENT_ID: '33333333-4444-4555-8666-777777777777',
      }),
    );
    expect(federated.identity.credential).toEqual({
      kind: 'managedIdentityFederation',
      managedIdentityClientId: '33333333-4444-4555-8666-777777777777',
    });
  });

  it('refuses both ACS settings at once', () => {
    expect(
      problems(validSettings({ ACS_ENDPOINT: 'https://acs.example.communication.azure.com' })),
    ).toContainEqual({
      setting: 'ACS_ENDPOINT',
      rule: expect.stringContaining('exactly one'),
    });
  });

  it('never echoes a secret value in its message', () => {
    const secret = 'endpoint=https://acs.example.com/;accesskey=TOP-SECRET;extra=1';
    const error = (() => {
      try {
        return loadConfig(validSettings({ ACS_CONNECTION_STRING: secret, LINK_SIGNING_KEY: 'TOPSECRETKEY' }));
      } catch (e) {
        return e as Error;
      }
    })() as Error;
    expect(error.message).toContain('LINK_SIGNING_KEY');
    expect(error.message).not.toContain('TOP');
  });

  it('says how to make a link-signing key when none is set', () => {
    const rule = problems(validSettings({ LINK_SIGNING_KEY: '' })).find(
      (p) => p.setting === 'LINK_SIGNING_KEY',
    )?.rule;
    expect(rule).toContain('openssl rand -base64 32');
    expect(rule).toContain(`node -e "console.log(require('crypto').randomBytes(32).toString('base64'))"`);
  });

  it('local.settings.sample.json documents every setting the app reads, and is valid once given a key of its own', () => {
    const sample = JSON.parse(readFileSync(join(__dirname, '../../local.settings.sample.json'), 'utf8')) as {
      Values: Record<string, string>;
    };
    // The sample carries no signing key: a copy of it refuses to start until it has one of its own.
    expect(problems(sample.Values)).toEqual([
      { setting: 'LINK_SIGNING_KEY', rule: expect.stringContaining('openssl rand -base64 32') },
    ]);
    expect(() =>
      loadConfig({ ...sample.Values, LINK_SIGNING_KEY: randomBytes(32).toString('base64') }),
    ).not.toThrow();
    expect(SETTING_NAMES.length).toBeGreaterThan(15);
    for (const name of SETTING_NAMES) expect(Object.keys(sample.Values)).toContain(name);
  });
  it('names a Key Vault reference App Service could not resolve, instead of calling the value malformed', () => {
    const error = (() => {
      try {
        return loadConfig(
          validSettings({
            LINK_SIGNING_KEY:
              '@Microsoft.KeyVault(VaultName=cspreinkv4lym3ofqce6wl;SecretName=link-signing-key)',
          }),
        );
      } catch (e) {
        return e as ConfigError;
      }
    })() as ConfigError;
    expect(error.problems).toEqual([
      {
        setting: 'LINK_SIGNING_KEY',
        rule: expect.stringContaining('Key Vault reference App Service has not resolved'),
      },
    ]);
    expect(error.message).not.toContain('cspreinkv4lym3ofqce6wl');
  });

  it('sends telemetry where asked: Application Insights when the platform connected it, else off, console or OTLP', () => {
    expect(loadConfig(validSettings()).telemetry).toEqual({ applicationInsights: false, export: 'off' });
    expect(loadConfig(validSettings({ TELEMETRY_EXPORT: ' Console ' })).telemetry.export).toBe('console');
    expect(
      loadConfig(
        validSettings({
          APPLICATIONINSIGHTS_CONNECTION_STRING: 'InstrumentationKey=00000000-0000-0000-0000-000000000000',
        }),
      ).telemetry.applicationInsights,
    ).toBe(true);
    expect(() => loadConfig(validSettings({ TELEMETRY_EXPORT: 'zipkin' }))).toThrow(
      /TELEMETRY_EXPORT: must be off, console or otlp/,
    );
  });
});
