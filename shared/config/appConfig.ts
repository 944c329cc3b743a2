import { z } from 'zod';
import { CLOUDS, CloudNames, type CloudEndpoints } from '../../lib/azure/clouds';
import type { StorageConnection } from '../../lib/tables/tableClient';
import { isGuid } from '../model/identifiers';
import { LANGUAGE_RULE, parseLanguage, type Language } from '../model/languages';
import {
  booleanSetting,
  dayListSetting,
  daysSetting,
  emailSetting,
  guidSetting,
  integerSetting,
  isNcrontab,
  ncrontabSetting,
  optionalString,
  optionalUrl,
  publicBaseUrlSetting,
  signingKeySetting,
  tableNameSetting,
  webhookUrlSetting,
} from './settingParsers';

/** The watch's scan when SCAN_SCHEDULE is not set: every day at 05:30 UTC, before the working day. */
export const DEFAULT_SCAN_SCHEDULE = '0 30 5 * * *';
/** The alerts' digest when DIGEST_SCHEDULE is not set: every day at 07:00 UTC, after the watch's scan. */
export const DEFAULT_DIGEST_SCHEDULE = '0 0 7 * * *';
/** The shortest secret a signed JSON webhook accepts (HMAC-SHA256 wants at least its output's 32 bytes). */
const WEBHOOK_SECRET_MIN = 32;

/**
 * Every setting the app reads, in one place. Read once at start-up; a bad or missing setting stops
 * the app with a message naming each one, rather than failing later in the middle of a workflow.
 */
const settingsShape = {
  PARTNER_TENANT_ID: guidSetting("the partner's Entra tenant id"),
  PARTNER_MSPP_ID: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() ? v.trim() : '0'),
    z.string().regex(/^\d{1,10}$/, { error: 'must be digits (0 for a direct partner)' }),
  ),
  PARTNER_GROUP_NAME: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() ? v.trim() : 'AdminAgents'),
    z
      .string()
      .regex(/^[A-Za-z0-9 ._-]{1,120}$/, { error: "must be a plain group display name, e.g. 'AdminAgents'" }),
  ),
  PARTNER_NAME: z.preprocess(
    (v) => (typeof v === 'string' ? v.trim() : v),
    z
      .string({ error: "is required: the partner's name as its customers know it, e.g. 'Fabrikam CSP'" })
      .min(1, { error: "is required: the partner's name as its customers know it, e.g. 'Fabrikam CSP'" })
      .max(120, { error: 'must be at most 120 characters' })
      .regex(/^[^<>\r\n]+$/, { error: "must be plain text on one line, e.g. 'Fabrikam CSP'" }),
  ),
  PARTNER_SUPPORT_EMAIL: emailSetting("where customers' answers go (the mails' reply-to)"),
  PARTNER_SUPPORT_PHONE: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() ? v.trim() : undefined),
    z
      .string()
      .regex(/^\+?[0-9 ().-]{5,32}$/, { error: "must be a phone number, e.g. '+44 20 7946 0000'" })
      .optional(),
  ),
  PARTNER_WEBSITE: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() ? v.trim() : undefined),
    z.url({ protocol: /^https$/, error: 'must be an https address' }).optional(),
  ),
  MAIL_TEMPLATES_DIR: optionalString(),
  DEFAULT_LANGUAGE: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() ? v.trim() : 'en'),
    z.string().transform((v, ctx) => {
      const language = parseLanguage(v);
      if (!language) ctx.addIssue({ code: 'custom', message: LANGUAGE_RULE });
      return language ?? 'en';
    }),
  ),
  PARTNER_OPS_EMAIL: emailSetting("where the partner's operations team is notified"),
  DELEGATED_ADMIN_DEFAULT: booleanSetting(false),
  EMAIL_SENDER_ADDRESS: emailSetting('the verified ACS sender, e.g. DoNotReply@contoso.com'),
  ACS_ENDPOINT: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() ? v.trim() : undefined),
    z
      .url({
        protocol: /^https?$/,
        error: 'must be the https endpoint of the Communication Services resource',
      })
      .optional(),
  ),
  ACS_CONNECTION_STRING: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() ? v.trim() : undefined),
    z
      .string()
      .regex(/^endpoint=https?:\/\/[^;]+;accesskey=[^;]+;?$/i, {
        error: 'must look like endpoint=https://<resource>.communication.azure.com/;accesskey=<key>',
      })
      .optional(),
  ),
  PUBLIC_BASE_URL: publicBaseUrlSetting,
  LINK_SIGNING_KEY: signingKeySetting(true),
  LINK_SIGNING_KEY_PREVIOUS: signingKeySetting(false),
  INVITATION_REMINDER_DAYS: dayListSetting('3,7'),
  INVITATION_EXPIRY_DAYS: daysSetting(14),
  ROLE_ASSIGNMENT_REMINDER_DAYS: dayListSetting('3,7'),
  ROLE_ASSIGNMENT_DEADLINE_DAYS: daysSetting(14),
  VERIFY_SCHEDULE: ncrontabSetting('0 */15 * * * *'),
  WATCHDOG_SCHEDULE: ncrontabSetting('0 5-59/10 * * * *'),
  VERIFY_CONCURRENCY: integerSetting(8, 1, 64),
  TRANSIENT_RETRY_HOURS: integerSetting(24, 1, 24 * 14),
  AzureWebJobsStorage: optionalString(),
  AzureWebJobsStorage__accountName: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() ? v.trim() : undefined),
    z
      .string()
      .regex(/^[a-z0-9]{3,24}$/, { error: 'must be a storage account name' })
      .optional(),
  ),
  AzureWebJobsStorage__tableServiceUri: optionalUrl('the Table service endpoint'),
  AzureWebJobsStorage__credential: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() ? v.trim().toLowerCase() : undefined),
    z.enum(['managedidentity'], { error: 'must be managedidentity' }).optional(),
  ),
  AzureWebJobsStorage__clientId: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() ? v.trim() : undefined),
    z.string().refine(isGuid, { error: 'must be a GUID' }).optional(),
  ),
  TASK_HUB_NAME: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() ? v.trim() : 'ReinstatementHub'),
    z.string().regex(/^[A-Za-z][A-Za-z0-9]{2,44}$/, {
      error: 'must be 3-45 letters and digits, starting with a letter',
    }),
  ),
  TABLE_REINSTATEMENTS: tableNameSetting('Reinstatements'),
  TABLE_EMAIL_OUTBOX: tableNameSetting('EmailOutbox'),
  TABLE_PARTNER_STATE: tableNameSetting('PartnerState'),
  TABLE_BULK_JOBS: tableNameSetting('BulkJobs'),
  TABLE_SCANS: tableNameSetting('Scans'),
  // The watch: a scan every day unless the partner sets another schedule or `off`.
  SCAN_SCHEDULE: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() ? v.trim() : DEFAULT_SCAN_SCHEDULE),
    z.string().refine((v) => v.toLowerCase() === 'off' || isNcrontab(v), {
      error: 'must be a six-field NCRONTAB expression, e.g. "0 30 5 * * *", or off',
    }),
  ),
  // Alerts: one digest a day (or `off`), to PARTNER_OPS_EMAIL and the optional webhooks.
  DIGEST_SCHEDULE: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() ? v.trim() : DEFAULT_DIGEST_SCHEDULE),
    z.string().refine((v) => v.toLowerCase() === 'off' || isNcrontab(v), {
      error: 'must be a six-field NCRONTAB expression, e.g. "0 0 7 * * *", or off',
    }),
  ),
  ALERT_TEAMS_WEBHOOK_URL: webhookUrlSetting('a Microsoft Teams incoming webhook or Workflows URL'),
  ALERT_WEBHOOK_URL: webhookUrlSetting('where signed JSON alerts are posted'),
  ALERT_WEBHOOK_SECRET: optionalString(),
  CLOUD: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() ? v.trim() : 'AzurePublic'),
    z.enum(CloudNames, { error: `must be one of ${CloudNames.join(', ')}` }),
  ),
  AUTHORITY_HOST: optionalUrl('the Entra ID authority host'),
  GRAPH_ENDPOINT: optionalUrl('the Microsoft Graph endpoint'),
  ARM_ENDPOINT: optionalUrl('the Azure Resource Manager endpoint'),
  PARTNER_CENTER_ENDPOINT: optionalUrl('the Partner Center API endpoint'),
  PARTNER_CENTER_CERT_HOST: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() ? v.trim() : undefined),
    z
      .string()
      .regex(/^[a-z0-9.-]+(:\d{1,5})?$/i, { error: 'must be a host name (and optional port)' })
      .optional(),
  ),
  PARTNER_CENTER_CHECK_ENABLED: booleanSetting(false),
  // Refuse a customer Partner Center does not list as the partner's, or a subscription not theirs,
  // before anything is mailed.
  PARTNER_CENTER_START_CHECK: booleanSetting(true),
  PARTNER_APP_CLIENT_ID: guidSetting(
    "the partner's multi-tenant app (client) id, a member of the partner group",
  ),
  PARTNER_APP_CREDENTIAL: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() ? v.trim() : 'clientSecret'),
    z.enum(['clientSecret', 'clientCertificate', 'managedIdentityFederation'], {
      error: 'must be clientSecret, clientCertificate or managedIdentityFederation',
    }),
  ),
  PARTNER_APP_CLIENT_SECRET: optionalString(),
  VERIFICATION_IDENTITY: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() ? v.trim() : 'secureApplicationModel'),
    z.enum(['secureApplicationModel', 'appOnly'], { error: 'must be secureApplicationModel or appOnly' }),
  ),
  PARTNER_REFRESH_TOKEN: optionalString(),
  PARTNER_APP_CERTIFICATE_PATH: optionalString(),
  MANAGED_IDENTITY_CLIENT_ID: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() ? v.trim() : undefined),
    z.string().refine(isGuid, { error: 'must be a GUID' }).optional(),
  ),
  GRAPH_CREDENTIAL: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() ? v.trim() : 'app'),
    z.enum(['app', 'managedIdentity'], { error: 'must be app or managedIdentity' }),
  ),
  TLS_CA_FILE: optionalString(),
  EMAIL_SEND_RATE_PER_MINUTE: integerSetting(30, 1, 100000),
  EMAIL_SEND_RATE_PER_HOUR: integerSetting(100, 1, 1000000),
  ADMIN_AGENTS_CACHE_HOURS: integerSetting(24, 0, 24 * 30),
  TELEMETRY_EXPORT: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() ? v.trim().toLowerCase() : 'off'),
    z.enum(['off', 'console', 'otlp'], { error: 'must be off, console or otlp' }),
  ),
};

/** The names of every app setting the app reads (besides the platform's own). */
export const SETTING_NAMES = Object.keys(settingsShape);

const settingsSchema = z
  .object(settingsShape)
  // Zod runs this only once every setting parsed on its own, hence ACS presence is checked apart.
  .superRefine((settings, ctx) => {
    const last = (days: number[]) => days[days.length - 1] ?? 0;
    if (last(settings.INVITATION_REMINDER_DAYS) >= settings.INVITATION_EXPIRY_DAYS) {
      ctx.addIssue({
        code: 'custom',
        path: ['INVITATION_REMINDER_DAYS'],
        message: 'every reminder must come before INVITATION_EXPIRY_DAYS',
      });
    }
    if (last(settings.ROLE_ASSIGNMENT_REMINDER_DAYS) >= settings.ROLE_ASSIGNMENT_DEADLINE_DAYS) {
      ctx.addIssue({
        code: 'custom',
        path: ['ROLE_ASSIGNMENT_REMINDER_DAYS'],
        message: 'every reminder must come before ROLE_ASSIGNMENT_DEADLINE_DAYS',
      });
    }
    if (settings.PARTNER_APP_CREDENTIAL === 'clientSecret' && !settings.PARTNER_APP_CLIENT_SECRET) {
      ctx.addIssue({
        code: 'custom',
        path: ['PARTNER_APP_CLIENT_SECRET'],
        message: 'is required when PARTNER_APP_CREDENTIAL is clientSecret',
      });
    }
    if (settings.PARTNER_APP_CREDENTIAL === 'clientCertificate' && !settings.PARTNER_APP_CERTIFICATE_PATH) {
      ctx.addIssue({
        code: 'custom',
        path: ['PARTNER_APP_CERTIFICATE_PATH'],
        message: 'is required when PARTNER_APP_CREDENTIAL is clientCertificate',
      });
    }
    if (settings.ALERT_WEBHOOK_URL && (settings.ALERT_WEBHOOK_SECRET ?? '').length < WEBHOOK_SECRET_MIN) {
      ctx.addIssue({
        code: 'custom',
        path: ['ALERT_WEBHOOK_SECRET'],
        message: `is required when ALERT_WEBHOOK_URL is set: at least ${WEBHOOK_SECRET_MIN} characters the receiver shares, e.g. from \`openssl rand -base64 32\``,
      });
    }
    if (settings.TABLE_EMAIL_OUTBOX.length > 58) {
      ctx.addIssue({
        code: 'custom',
        path: ['TABLE_EMAIL_OUTBOX'],
        message: 'must be at most 58 characters (the queue is kept in the table of that name + "Queue")',
      });
    }
    if (settings.LINK_SIGNING_KEY && settings.LINK_SIGNING_KEY_PREVIOUS?.equals(settings.LINK_SIGNING_KEY)) {
      ctx.addIssue({
        code: 'custom',
        path: ['LINK_SIGNING_KEY_PREVIOUS'],
        message: 'must differ from LINK_SIGNING_KEY',
      });
    }
  });

export type AcsConnection =
  { kind: 'endpoint'; endpoint: string } | { kind: 'connectionString'; connectionString: string };

export interface AppConfig {
  partner: {
    tenantId: string;
    msppId: string;
    groupName: string;
    /** How mails and pages name the partner to its customers. */
    displayName: string;
    /** Where customers' answers go (the mails' reply-to). */
    supportEmail: string;
    supportPhone?: string;
    website?: string;
    opsEmail: string;
    delegatedAdminDefault: boolean;
    /**
     * Ask Partner Center before a start (PARTNER_CENTER_START_CHECK): the customer must be the
     * partner's and every scope's subscription one of the customer's Azure plan subscriptions.
     */
    checkBeforeStart: boolean;
    /** The customers' language when a reinstatement names none (DEFAULT_LANGUAGE). */
    defaultLanguage: Language;
  };
  email: {
    senderAddress: string;
    acs: AcsConnection;
    /**
     * The partner's own mail templates, a folder per language (MAIL_TEMPLATES_DIR); the email layer
     * reads and checks them at start-up.
     */
    templatesDir?: string;
  };
  links: { publicBaseUrl: string; signingKeys: { current: Buffer; previous?: Buffer } };
  schedule: {
    invitationReminderDays: number[];
    invitationExpiryDays: number;
    roleAssignmentReminderDays: number[];
    roleAssignmentDeadlineDays: number;
    verifySchedule: string;
    watchdogSchedule: string;
    /** When the scan of the partner's customers runs by itself; absent: only on request. */
    scanSchedule?: string;
    verifyConcurrency: number;
    /** How long a step keeps retrying throttling and outages before the reinstatement fails. */
    transientRetryHours: number;
  };
  storage: {
    connection: StorageConnection;
    taskHubName: string;
    reinstatementsTable: string;
    emailOutboxTable: string;
    partnerStateTable: string;
    bulkJobsTable: string;
    scansTable: string;
  };
  cloud: CloudEndpoints & { name: string; partnerCenterCheck: boolean };
  identity: {
    clientId: string;
    credential:
      | { kind: 'clientSecret'; secret: string }
      | { kind: 'clientCertificate'; certificatePath: string }
      | { kind: 'managedIdentityFederation'; managedIdentityClientId?: string };
    graphCredential: 'app' | 'managedIdentity';
    managedIdentityClientId?: string;
    /**
     * Whose access verification reads role assignments with: a partner user's delegated token under
     * the Secure Application Model (the default), or the app's own token in the customer's tenant.
     */
    verification: 'secureApplicationModel' | 'appOnly';
    /** A partner user's refresh token to start from (the consent route can connect one instead). */
    refreshToken?: string;
    /** PEM bundle trusted instead of the system roots (the sandbox's CA, or a TLS-inspecting proxy's). */
    caFile?: string;
  };
  pacing: { emailsPerMinute: number; emailsPerHour: number; adminAgentsCacheHours: number };
  /** People sign in to the console with App Service authentication (the platform vouches for them). */
  console: { signIn: boolean };
  /** Where the partner's team hears of what needs it (docs/ALERTS.md). */
  alerts: {
    /** When the digest goes (DIGEST_SCHEDULE); absent: only on request. */
    digestSchedule?: string;
    /** A Microsoft Teams incoming webhook: the digest as an Adaptive Card. */
    teamsWebhookUrl?: string;
    /** A plain JSON webhook (PSA and ticketing tools), each post signed with the secret. */
    jsonWebhook?: { url: string; secret: string };
  };
  /**
   * Where traces and metrics go: Application Insights when the platform connected it, else the
   * console or an OTLP endpoint when asked (shared/telemetry/startTelemetry.ts).
   */
  telemetry: { applicationInsights: boolean; export: 'off' | 'console' | 'otlp' };
}

/** Every setting is wrong in its own way; this lists them all, and never echoes a value. */
export class ConfigError extends Error {
  constructor(readonly problems: { setting: string; rule: string }[]) {
    super(`Configuration is invalid:\n${problems.map((p) => `  - ${p.setting}: ${p.rule}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * App Service hands the app a Key Vault reference it could not resolve as the reference text itself
 * (https://learn.microsoft.com/azure/app-service/app-service-key-vault-references#troubleshoot-key-vault-references).
 */
const UNRESOLVED_REFERENCE =
  "is a Key Vault reference App Service has not resolved: the app's identity cannot read the secret yet " +
  '(a new role assignment takes minutes to apply) or the secret does not exist; restart the app once ' +
  'it can (docs/OPERATIONS.md, "The app does not start")';

export function loadConfig(env: Record<string, string | undefined>): AppConfig {
  const result = settingsSchema.safeParse(env);
  const unresolved = SETTING_NAMES.filter((name) => /^@Microsoft\.KeyVault\(/i.test(env[name]?.trim() ?? ''));
  const problems = (
    result.success
      ? []
      : result.error.issues.map((i) => ({ setting: String(i.path[0] ?? 'settings'), rule: i.message }))
  )
    .filter((p) => !unresolved.includes(p.setting))
    .concat(unresolved.map((setting) => ({ setting, rule: UNRESOLVED_REFERENCE })));
  const identityStorage =
    env.AzureWebJobsStorage__accountName?.trim() || env.AzureWebJobsStorage__tableServiceUri?.trim();
  if (!env.AzureWebJobsStorage?.trim() === !identityStorage) {
    problems.push({
      setting: 'AzureWebJobsStorage',
      rule: env.AzureWebJobsStorage?.trim()
        ? 'set either AzureWebJobsStorage (a connection string) or AzureWebJobsStorage__accountName (an identity-based connection), not both'
        : 'is required: the storage connection string (UseDevelopmentStorage=true for Azurite), or AzureWebJobsStorage__accountName with a managed identity',
    });
  }
  if (!env.ACS_ENDPOINT?.trim() === !env.ACS_CONNECTION_STRING?.trim()) {
    problems.push({
      setting: 'ACS_ENDPOINT',
      rule: 'set exactly one of ACS_ENDPOINT (managed identity) or ACS_CONNECTION_STRING',
    });
  }
  if (!result.success || problems.length) throw new ConfigError(problems);
  const settings = result.data;
  return Object.freeze({
    partner: {
      tenantId: settings.PARTNER_TENANT_ID,
      msppId: settings.PARTNER_MSPP_ID,
      groupName: settings.PARTNER_GROUP_NAME,
      displayName: settings.PARTNER_NAME,
      supportEmail: settings.PARTNER_SUPPORT_EMAIL.toLowerCase(),
      ...(settings.PARTNER_SUPPORT_PHONE ? { supportPhone: settings.PARTNER_SUPPORT_PHONE } : {}),
      ...(settings.PARTNER_WEBSITE ? { website: settings.PARTNER_WEBSITE } : {}),
      opsEmail: settings.PARTNER_OPS_EMAIL.toLowerCase(),
      delegatedAdminDefault: settings.DELEGATED_ADMIN_DEFAULT,
      checkBeforeStart: settings.PARTNER_CENTER_START_CHECK,
      defaultLanguage: settings.DEFAULT_LANGUAGE,
    },
    email: {
      senderAddress: settings.EMAIL_SENDER_ADDRESS,
      ...(settings.MAIL_TEMPLATES_DIR ? { templatesDir: settings.MAIL_TEMPLATES_DIR } : {}),
      acs: settings.ACS_CONNECTION_STRING
        ? { kind: 'connectionString', connectionString: settings.ACS_CONNECTION_STRING }
        : { kind: 'endpoint', endpoint: settings.ACS_ENDPOINT as string },
    },
    links: {
      publicBaseUrl: settings.PUBLIC_BASE_URL,
      signingKeys: {
        current: settings.LINK_SIGNING_KEY as Buffer,
        ...(settings.LINK_SIGNING_KEY_PREVIOUS ? { previous: settings.LINK_SIGNING_KEY_PREVIOUS } : {}),
      },
    },
    schedule: {
      invitationReminderDays: settings.INVITATION_REMINDER_DAYS,
      invitationExpiryDays: settings.INVITATION_EXPIRY_DAYS,
      roleAssignmentReminderDays: settings.ROLE_ASSIGNMENT_REMINDER_DAYS,
      roleAssignmentDeadlineDays: settings.ROLE_ASSIGNMENT_DEADLINE_DAYS,
      verifySchedule: settings.VERIFY_SCHEDULE,
      watchdogSchedule: settings.WATCHDOG_SCHEDULE,
      ...(settings.SCAN_SCHEDULE.toLowerCase() !== 'off' ? { scanSchedule: settings.SCAN_SCHEDULE } : {}),
      verifyConcurrency: settings.VERIFY_CONCURRENCY,
      transientRetryHours: settings.TRANSIENT_RETRY_HOURS,
    },
    storage: {
      connection: settings.AzureWebJobsStorage
        ? { kind: 'connectionString', connectionString: settings.AzureWebJobsStorage }
        : {
            kind: 'identity',
            tableServiceUri:
              settings.AzureWebJobsStorage__tableServiceUri ??
              `https://${settings.AzureWebJobsStorage__accountName}.table.${CLOUDS[settings.CLOUD].storageSuffix}`,
            ...(settings.AzureWebJobsStorage__clientId
              ? { clientId: settings.AzureWebJobsStorage__clientId }
              : {}),
          },
      taskHubName: settings.TASK_HUB_NAME,
      reinstatementsTable: settings.TABLE_REINSTATEMENTS,
      emailOutboxTable: settings.TABLE_EMAIL_OUTBOX,
      partnerStateTable: settings.TABLE_PARTNER_STATE,
      bulkJobsTable: settings.TABLE_BULK_JOBS,
      scansTable: settings.TABLE_SCANS,
    },
    cloud: {
      name: settings.CLOUD,
      authorityHost: settings.AUTHORITY_HOST ?? CLOUDS[settings.CLOUD].authorityHost,
      graph: settings.GRAPH_ENDPOINT ?? CLOUDS[settings.CLOUD].graph,
      arm: settings.ARM_ENDPOINT ?? CLOUDS[settings.CLOUD].arm,
      partnerCenter: settings.PARTNER_CENTER_ENDPOINT ?? CLOUDS[settings.CLOUD].partnerCenter,
      webhookCertificateHost:
        settings.PARTNER_CENTER_CERT_HOST ?? CLOUDS[settings.CLOUD].webhookCertificateHost,
      storageSuffix: CLOUDS[settings.CLOUD].storageSuffix,
      audiences: CLOUDS[settings.CLOUD].audiences,
      partnerCenterCheck: settings.PARTNER_CENTER_CHECK_ENABLED,
    },
    identity: {
      clientId: settings.PARTNER_APP_CLIENT_ID,
      credential:
        settings.PARTNER_APP_CREDENTIAL === 'clientSecret'
          ? { kind: 'clientSecret', secret: settings.PARTNER_APP_CLIENT_SECRET as string }
          : settings.PARTNER_APP_CREDENTIAL === 'clientCertificate'
            ? { kind: 'clientCertificate', certificatePath: settings.PARTNER_APP_CERTIFICATE_PATH as string }
            : {
                kind: 'managedIdentityFederation',
                ...(settings.MANAGED_IDENTITY_CLIENT_ID
                  ? { managedIdentityClientId: settings.MANAGED_IDENTITY_CLIENT_ID }
                  : {}),
              },
      graphCredential: settings.GRAPH_CREDENTIAL,
      verification: settings.VERIFICATION_IDENTITY,
      ...(settings.PARTNER_REFRESH_TOKEN ? { refreshToken: settings.PARTNER_REFRESH_TOKEN } : {}),
      ...(settings.MANAGED_IDENTITY_CLIENT_ID
        ? { managedIdentityClientId: settings.MANAGED_IDENTITY_CLIENT_ID }
        : {}),
      ...(settings.TLS_CA_FILE ? { caFile: settings.TLS_CA_FILE } : {}),
    },
    pacing: {
      emailsPerMinute: settings.EMAIL_SEND_RATE_PER_MINUTE,
      emailsPerHour: settings.EMAIL_SEND_RATE_PER_HOUR,
      adminAgentsCacheHours: settings.ADMIN_AGENTS_CACHE_HOURS,
    },
    // The platform's own setting, "True" when App Service authentication is on: only then does it
    // strip X-MS-CLIENT-PRINCIPAL from requests, so only then may the app believe the header.
    console: { signIn: env.WEBSITE_AUTH_ENABLED?.trim().toLowerCase() === 'true' },
    alerts: {
      ...(settings.DIGEST_SCHEDULE.toLowerCase() !== 'off'
        ? { digestSchedule: settings.DIGEST_SCHEDULE }
        : {}),
      ...(settings.ALERT_TEAMS_WEBHOOK_URL ? { teamsWebhookUrl: settings.ALERT_TEAMS_WEBHOOK_URL } : {}),
      ...(settings.ALERT_WEBHOOK_URL && settings.ALERT_WEBHOOK_SECRET
        ? { jsonWebhook: { url: settings.ALERT_WEBHOOK_URL, secret: settings.ALERT_WEBHOOK_SECRET } }
        : {}),
    },
    // The platform's own setting, present when the app is connected to Application Insights.
    telemetry: {
      applicationInsights: Boolean(env.APPLICATIONINSIGHTS_CONNECTION_STRING?.trim()),
      export: settings.TELEMETRY_EXPORT,
    },
  } satisfies AppConfig);
}

let cached: AppConfig | undefined;

/** Settings whose values are secrets: never logged, never echoed. */
export const SECRET_SETTINGS = [
  'LINK_SIGNING_KEY',
  'LINK_SIGNING_KEY_PREVIOUS',
  'ACS_CONNECTION_STRING',
  'PARTNER_APP_CLIENT_SECRET',
  'PARTNER_REFRESH_TOKEN',
  'AzureWebJobsStorage',
  // A Teams webhook's URL is its own credential; the JSON webhook's secret signs every post.
  'ALERT_TEAMS_WEBHOOK_URL',
  'ALERT_WEBHOOK_SECRET',
];

/** The app's configuration, read from the environment on first use and kept. */
export function getConfig(): AppConfig {
  cached ??= loadConfig(process.env);
  return cached;
}
