/**
 * Adapter benchmark (npm run bench). Prints:
 *  - verifying 10,000 pending scopes against the simulated ARM with 50 ms injected latency:
 *    wall time as a ratio to the ideal N x latency / concurrency, and peak RSS.
 * Mail pacing is measured through the whole app (bench/bulkBench.ts).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ArmRoleAssignmentVerifier } from '../shared/adapters/arm/roleAssignmentVerifier';
import { mapWithConcurrency } from '../lib/concurrency';
import { createCredentials } from '../shared/adapters/identity/credentials';
import { createVerificationIdentity } from '../shared/adapters/identity/verificationIdentity';
import { tableClient } from '../lib/tables/tableClient';
import { loadConfig } from '../shared/config/appConfig';
import { OWNER_ROLE_DEFINITION_ID } from '../lib/azure/builtInRoles';
import { startEmbeddedAzurite } from '../runtime/embeddedAzurite';
import { SandboxCloud } from '../sandbox/sandboxCloud';

const PARTNER = '11111111-2222-4333-8444-555555555555';
const CUSTOMER = '7f3c2a10-4b5e-4c6d-8e9f-0a1b2c3d4e5f';
const SUB = 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d';

async function main(): Promise<void> {
  const cloud = await SandboxCloud.start({
    partnerTenantId: PARTNER,
    partnerAppClientId: randomUUID(),
    partnerAppSecret: randomUUID(),
  });
  const azurite = await startEmbeddedAzurite({ port: 0 });
  const caFile = join(mkdtempSync(join(tmpdir(), 'bench-')), 'ca.pem');
  writeFileSync(caFile, cloud.pki.trustedRootsPem);
  const config = loadConfig({
    AzureWebJobsStorage: azurite.connectionString,
    PARTNER_OPS_EMAIL: 'ops@partner.example',
    PARTNER_NAME: 'Fabrikam CSP',
    PARTNER_SUPPORT_EMAIL: 'support@partner.example',
    EMAIL_SENDER_ADDRESS: 'DoNotReply@partner.example',
    PUBLIC_BASE_URL: 'http://localhost:7071',
    LINK_SIGNING_KEY: Buffer.alloc(32, 1).toString('base64'),
    TLS_CA_FILE: caFile,
    ...cloud.appSettings(),
  });
  cloud.state.addCustomer(CUSTOMER, [SUB]);
  const group = cloud.state.adminAgents.id;
  // Half the resource groups granted, half not: both answers cost a round trip.
  for (let i = 0; i < 10_000; i += 2) {
    const name = randomUUID();
    cloud.state.roleAssignments.set(name, {
      id: `/subscriptions/${SUB}/resourceGroups/rg${i}/providers/Microsoft.Authorization/roleAssignments/${name}`,
      name,
      scope: `/subscriptions/${SUB}/resourceGroups/rg${i}`,
      roleDefinitionId: `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/${OWNER_ROLE_DEFINITION_ID}`,
      principalId: group,
      principalType: 'ForeignGroup',
      createdOn: new Date().toISOString(),
    });
  }

  // 1. Verification.
  const N = Number(process.env.BENCH_SCOPES ?? 10_000);
  const latency = 50;
  const concurrency = 50;
  const stateTable = tableClient(config.storage.connection, 'BenchPartnerState');
  await stateTable.createTable();
  const identity = createVerificationIdentity(config, createCredentials(config), stateTable);
  const verifier = new ArmRoleAssignmentVerifier(config, identity.tokensIn);
  await verifier.verify(CUSTOMER, `/subscriptions/${SUB}/resourceGroups/rg0`, group); // token and connection warm-up
  cloud.faults.set('arm', { latencyMs: latency });
  const t0 = performance.now();
  const results = await mapWithConcurrency(
    Array.from({ length: N }, (_, i) => `/subscriptions/${SUB}/resourceGroups/rg${i}`),
    concurrency,
    (scope) => verifier.verify(CUSTOMER, scope, group),
  );
  const wall = performance.now() - t0;
  const ideal = (N * latency) / concurrency;
  const verified = results.filter((r) => r.kind === 'verified').length;
  console.log(
    `verify 10,000 scopes, 50 ms latency, concurrency ${concurrency}: ${(wall / 1000).toFixed(1)} s vs ideal ${(ideal / 1000).toFixed(1)} s ` +
      `= ${(wall / ideal).toFixed(2)}x; ${verified} verified, ${N - verified} not yet; peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`,
  );
  cloud.faults.clear();

  // 2. Mails under a rate limit.
  await cloud.stop();
  await azurite.stop();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
