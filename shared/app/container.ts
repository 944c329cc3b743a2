import { readFileSync } from 'node:fs';
import { ArmRoleAssignmentVerifier } from '../adapters/arm/roleAssignmentVerifier';
import { AcsEmailSender } from '../adapters/email/acsEmailSender';
import { EmailOutbox } from '../adapters/email/emailOutbox';
import { SendPacer } from '../adapters/email/sendPacer';
import { GraphPartnerGroupLookup } from '../adapters/graph/adminAgentsLookup';
import { createCredentials } from '../adapters/identity';
import { PartnerCenterClient } from '../adapters/partnerCenter/partnerCenterClient';
import { WebhookReadiness } from '../adapters/partnerCenter/webhookReadiness';
import { WebhookVerifier } from '../adapters/partnerCenter/webhookVerifier';
import { getConfig, type AppConfig } from '../config/appConfig';
import { ReinstatementRepository } from '../storage/reinstatementRepository';
import { tableClient } from '../../lib/tables/tableClient';
import { createActivities, type Activities } from '../workflow/activities';

/** Everything the app's functions use, built once from the configuration. */
export interface Container {
  config: AppConfig;
  repository: ReinstatementRepository;
  outbox: EmailOutbox;
  pacer: SendPacer;
  verifier: ArmRoleAssignmentVerifier;
  partnerCenter: PartnerCenterClient;
  webhookVerifier: WebhookVerifier;
  readiness: WebhookReadiness;
  activities: Activities;
  now: () => Date;
}

const table = (config: AppConfig, name: string) => tableClient(config.storage.connectionString, name);

export async function createContainer(
  config: AppConfig,
  now: () => Date = () => new Date(),
): Promise<Container> {
  const credentials = createCredentials(config);
  const reinstatements = table(config, config.storage.reinstatementsTable);
  const outboxTable = table(config, config.storage.emailOutboxTable);
  const state = table(config, config.storage.partnerStateTable);
  await Promise.all([reinstatements.createTable(), outboxTable.createTable(), state.createTable()]);
  const repository = new ReinstatementRepository(reinstatements, { clock: now });
  const outbox = new EmailOutbox(outboxTable, new AcsEmailSender(config), now);
  const pacer = new SendPacer(
    state,
    { perMinute: config.pacing.emailsPerMinute, perHour: config.pacing.emailsPerHour },
    now,
  );
  const verifier = new ArmRoleAssignmentVerifier(config, credentials);
  const groupLookup = new GraphPartnerGroupLookup(config, credentials, state, now);
  const partnerCenter = new PartnerCenterClient(config, credentials);
  const ca = config.identity.caFile ? readFileSync(config.identity.caFile, 'utf8') : undefined;
  const webhookVerifier = new WebhookVerifier({
    certificateHost: config.cloud.webhookCertificateHost,
    ...(ca ? { extraTrustedRootsPem: ca, downloadCa: ca } : {}),
    now,
  });
  return {
    config,
    repository,
    outbox,
    pacer,
    verifier,
    partnerCenter,
    webhookVerifier,
    readiness: new WebhookReadiness(partnerCenter, state, now),
    activities: createActivities({ config, repository, outbox, pacer, groupLookup, verifier, now }),
    now,
  };
}

let shared: Promise<Container> | undefined;

/** The app's container, built on first use (configuration was validated at start-up). */
export function getContainer(): Promise<Container> {
  shared ??= createContainer(getConfig()).catch((error: unknown) => {
    shared = undefined;
    throw error;
  });
  return shared;
}
