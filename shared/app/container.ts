import { readFileSync } from 'node:fs';
import { tableClient } from '../../lib/tables/tableClient';
import {
  ArmRoleAssignmentVerifier,
  type RoleAssignmentVerifier,
} from '../adapters/arm/roleAssignmentVerifier';
import { WebhookSender } from '../adapters/alerts/webhookSender';
import { AcsEmailSender } from '../adapters/email/acsEmailSender';
import { AlertDispatch } from '../alerts/alertDispatch';
import { GraphPartnerGroupLookup } from '../adapters/graph/partnerGroupLookup';
import { createCredentials } from '../adapters/identity/credentials';
import type { PartnerUserTokens } from '../adapters/identity/partnerUserTokens';
import { createVerificationIdentity } from '../adapters/identity/verificationIdentity';
import { PartnerCenterClient } from '../adapters/partnerCenter/partnerCenterClient';
import { PartnerCenterBudget } from '../adapters/partnerCenter/requestBudget';
import { WebhookReadiness } from '../adapters/partnerCenter/webhookReadiness';
import { WebhookVerifier } from '../adapters/partnerCenter/webhookVerifier';
import { getConfig, type AppConfig } from '../config/appConfig';
import { MailDispatch } from '../email/dispatch';
import { Outbox } from '../email/outbox';
import { AlertRepository } from '../storage/alertRepository';
import { BulkJobRepository } from '../storage/bulkJobRepository';
import { LinkClicks } from '../storage/linkClicks';
import { PartnerCenterEventLog } from '../storage/partnerCenterEvents';
import { ReinstatementRepository } from '../storage/reinstatementRepository';
import { ScanRepository } from '../storage/scanRepository';
import { createScanActivities } from '../scan/scanActivities';
import { createBulkActivities } from '../workflow/bulkActivities';
import type { Activities } from '../workflow/contract';
import { createMailActivities } from '../workflow/mailActivities';
import { createReinstatementActivities } from '../workflow/reinstatementActivities';

/** Everything the app's functions use, built once from the configuration. */
export interface Container {
  config: AppConfig;
  repository: ReinstatementRepository;
  bulkJobs: BulkJobRepository;
  outbox: Outbox;
  mail: MailDispatch;
  verifier: RoleAssignmentVerifier;
  scans: ScanRepository;
  /** The invitation link's click counter (contention-free, beside each reinstatement's record). */
  linkClicks: LinkClicks;
  /** Partner Center events received (by id), so each is acted on once. */
  partnerCenterEvents: PartnerCenterEventLog;
  /** The partner user's delegated tokens (Secure Application Model), with the identity's health. */
  partnerUser: PartnerUserTokens;
  partnerCenter: PartnerCenterClient;
  /** The partner tenant's one Partner Center request budget (500 a minute), shared by every caller. */
  partnerCenterBudget: PartnerCenterBudget;
  webhookVerifier: WebhookVerifier;
  readiness: WebhookReadiness;
  /** What the partner's team is told: alerts, the digest, the webhooks (docs/ALERTS.md). */
  alerts: AlertDispatch;
  alertStore: AlertRepository;
  activities: Activities;
  now: () => Date;
}

export async function createContainer(
  config: AppConfig,
  now: () => Date = () => new Date(),
): Promise<Container> {
  const table = (name: string) => tableClient(config.storage.connection, name);
  const credentials = createCredentials(config);
  const tables = {
    reinstatements: table(config.storage.reinstatementsTable),
    outbox: table(config.storage.emailOutboxTable),
    // The queue has a table of its own: it is read at every send, and stays small.
    queue: table(`${config.storage.emailOutboxTable}Queue`),
    state: table(config.storage.partnerStateTable),
    bulk: table(config.storage.bulkJobsTable),
    scans: table(config.storage.scansTable),
  };
  await Promise.all(Object.values(tables).map((t) => t.createTable()));
  const repository = new ReinstatementRepository(tables.reinstatements, { clock: now });
  const bulkJobs = new BulkJobRepository(tables.bulk);
  const outbox = new Outbox(tables.outbox, tables.queue, new AcsEmailSender(config), now);
  const mail = new MailDispatch(
    outbox,
    { perMinute: config.pacing.emailsPerMinute, perHour: config.pacing.emailsPerHour },
    now,
    { giveUpAfterMs: config.schedule.transientRetryHours * 3_600_000 },
  );
  const groupLookup = new GraphPartnerGroupLookup(config, credentials, tables.state, now);
  const partnerCenterBudget = new PartnerCenterBudget(tables.state, config.partner.tenantId, now);
  const partnerCenter = new PartnerCenterClient(config, credentials, partnerCenterBudget);
  const identity = createVerificationIdentity(config, credentials, tables.state);
  const verifier = new ArmRoleAssignmentVerifier(config, identity.tokensIn);
  const scans = new ScanRepository(tables.scans);
  const ca = config.identity.caFile ? readFileSync(config.identity.caFile, 'utf8') : undefined;
  const alertStore = new AlertRepository(tables.state);
  const alerts = new AlertDispatch({
    config,
    alerts: alertStore,
    mail,
    webhooks: new WebhookSender({ ...(ca ? { ca } : {}), now }),
    now,
  });
  return {
    config,
    repository,
    bulkJobs,
    outbox,
    mail,
    verifier,
    scans,
    linkClicks: new LinkClicks(tables.reinstatements),
    partnerCenterEvents: new PartnerCenterEventLog(tables.state),
    partnerUser: identity.partnerUser,
    partnerCenter,
    partnerCenterBudget,
    webhookVerifier: new WebhookVerifier({
      certificateHost: config.cloud.webhookCertificateHost,
      ...(ca ? { extraTrustedRootsPem: ca, downloadCa: ca } : {}),
      now,
    }),
    readiness: new WebhookReadiness(partnerCenter, tables.state, now),
    alerts,
    alertStore,
    // The activity registry: each part's activities, built from the dependencies it names.
    activities: {
      ...createReinstatementActivities({
        config,
        repository,
        mail,
        outbox,
        groupLookup,
        verifier,
        alerts,
        now,
      }),
      ...createMailActivities({ mail, repository, now }),
      ...createBulkActivities({ config, repository, bulkJobs, partnerCenter }),
      ...createScanActivities({ scans, partnerCenter, verifier, groupLookup, repository, alerts, now }),
    } satisfies Activities,
    now,
  };
}

let shared: Promise<Container> | undefined;
let clock: () => Date = () => new Date();

/**
 * Sets the app's clock before the container is built: tests that run the app on the offline
 * runtime's simulated time hand it the runtime's clock, so that the email pace, customer-link
 * expiry and every recorded time follow the same time as the orchestrations' durable timers.
 */
export function setAppClock(now: () => Date): void {
  if (shared) throw new Error('the app clock must be set before the container is built');
  clock = now;
}

/** The app's container, built on first use (configuration was validated at start-up). */
export function getContainer(): Promise<Container> {
  shared ??= createContainer(getConfig(), clock).catch((error: unknown) => {
    shared = undefined;
    throw error;
  });
  return shared;
}
