import { AuthorizationManagementClient } from '@azure/arm-authorization';
import { TableClient } from '@azure/data-tables';
import { ClientSecretCredential } from '@azure/identity';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type AppConfig } from '../../shared/config/appConfig';
import { createSandboxPki, type SandboxPki } from '../../sandbox/certificates';
import { SandboxCloud } from '../../sandbox/sandboxCloud';
import type { SimulatedCustomer } from '../../sandbox/state';
import { createCredentials } from '../../shared/adapters/identity/credentials';
import { RefreshTokenVault } from '../../shared/adapters/identity/refreshTokenVault';
import {
  createVerificationIdentity,
  type VerificationIdentity,
} from '../../shared/adapters/identity/verificationIdentity';
import { startAzurite, uniqueTableName, uniqueTableSettings, type RunningAzurite } from './azurite';
import { PARTNER_TENANT } from './fixtures';
import { validSettings } from './settings';

let pki: Promise<SandboxPki> | undefined;
/** One PKI per jest worker (or per process elsewhere): RSA key generation is the slow part. */
export const sharedPki = () => globalThis.testWorker?.pki() ?? (pki ??= createSandboxPki());

export interface SandboxWorld {
  cloud: SandboxCloud;
  azurite: RunningAzurite;
  config: AppConfig;
  caFile: string;
  table(prefix: string): Promise<TableClient>;
  /** The verification identity as the app builds it, over a partner-state table of its own. */
  verificationIdentity(
    config?: AppConfig,
    stateTable?: TableClient,
  ): Promise<VerificationIdentity & { vault: RefreshTokenVault; stateTable: TableClient }>;
  stop(): Promise<void>;
}

/** The sandbox cloud and Azurite, and the app's configuration pointed at them. */
export async function startSandboxWorld(overrides: Record<string, string> = {}): Promise<SandboxWorld> {
  const cloud = await SandboxCloud.start({
    partnerTenantId: PARTNER_TENANT,
    partnerAppClientId: randomUUID(),
    partnerAppSecret: `secret-${randomUUID()}`,
    pki: await sharedPki(),
  });
  const azurite = await startAzurite();
  const caFile = join(mkdtempSync(join(tmpdir(), 'sandbox-ca-')), 'ca.pem');
  writeFileSync(caFile, cloud.pki.trustedRootsPem);
  const config = loadConfig(
    validSettings({
      ...cloud.appSettings(),
      TLS_CA_FILE: caFile,
      AzureWebJobsStorage: azurite.connectionString,
      ...uniqueTableSettings(),
      ...overrides,
    }),
  );
  const table = async (prefix: string) => {
    const created = TableClient.fromConnectionString(azurite.connectionString, uniqueTableName(prefix), {
      allowInsecureConnection: true,
    });
    await created.createTable();
    return created;
  };
  return {
    cloud,
    azurite,
    config,
    caFile,
    table,
    verificationIdentity: async (chosen = config, stateTable) => {
      const state = stateTable ?? (await table('state'));
      return {
        ...createVerificationIdentity(chosen, createCredentials(chosen), state),
        vault: new RefreshTokenVault(state, chosen.links.signingKeys),
        stateTable: state,
      };
    },
    stop: async () => {
      await cloud.stop();
      await azurite.stop();
    },
  };
}

/**
 * A customer's own administrator, granting roles in its subscription with the real ARM SDK (what
 * New-AzRoleAssignment or the portal does), against the sandbox cloud at `cloudUrl`.
 */
export function customerAdminArm(
  cloudUrl: string,
  caPem: string,
  customer: SimulatedCustomer,
  subscriptionId: string,
): AuthorizationManagementClient {
  const tls = { tlsOptions: { ca: caPem } };
  return new AuthorizationManagementClient(
    new ClientSecretCredential(customer.tenantId, customer.admin.clientId, customer.admin.secret, {
      authorityHost: cloudUrl,
      disableInstanceDiscovery: true,
      ...tls,
    }),
    subscriptionId,
    { endpoint: cloudUrl, credentialScopes: ['https://management.azure.com/.default'], ...tls },
  );
}
