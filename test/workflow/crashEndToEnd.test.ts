import { AuthorizationManagementClient } from '@azure/arm-authorization';
import { ClientSecretCredential } from '@azure/identity';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SandboxCloud } from '../../sandbox/sandboxCloud';
import { OWNER_ROLE_DEFINITION_ID } from '../../shared/scripts/customerScripts';
import { startAzurite, uniqueTableName, type RunningAzurite } from '../support/azurite';
import { startChildRuntime, type ChildRuntime } from '../support/childRuntime';
import { CUSTOMER_TENANT, PARTNER_TENANT, SUBSCRIPTION } from '../support/fixtures';
import { KEYS } from '../support/runtimeHarness';
import { sharedPki } from '../support/sandboxHarness';
import { validSettings } from '../support/settings';

/**
 * The compiled product on the offline runtime in a child process, killed with SIGKILL in the middle
 * of a reinstatement and started again on the same storage: it still finishes, and no mail goes
 * out twice (the sandbox cloud's outbox, in this process, sees every send).
 */
let azurite: RunningAzurite;
let cloud: SandboxCloud;
let child: ChildRuntime | undefined;
afterAll(async () => {
  child?.process.kill('SIGKILL');
  await cloud?.stop();
  await azurite?.stop();
});

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}: ${child?.output().slice(-2000)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

it('a reinstatement survives SIGKILL midway and finishes with every mail sent exactly once', async () => {
  azurite = await startAzurite();
  cloud = await SandboxCloud.start({
    partnerTenantId: PARTNER_TENANT,
    partnerAppClientId: randomUUID(),
    partnerAppSecret: randomUUID(),
    pki: await sharedPki(),
  });
  cloud.partnerCenter.retryDelayMs = 50;
  const customer = cloud.state.addCustomer(CUSTOMER_TENANT, [SUBSCRIPTION]);
  const caFile = join(mkdtempSync(join(tmpdir(), 'crash-e2e-')), 'ca.pem');
  writeFileSync(caFile, cloud.pki.trustedRootsPem);
  const port = await freePort();
  const settings = validSettings({
    ...cloud.appSettings(),
    TLS_CA_FILE: caFile,
    AzureWebJobsStorage: azurite.connectionString,
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    TASK_HUB_NAME: uniqueTableName('hub'),
    EMAIL_SEND_RATE_PER_MINUTE: '100000',
    EMAIL_SEND_RATE_PER_HOUR: '1000000',
    VERIFY_SCHEDULE: '0 0 0 1 1 *',
  }) as Record<string, string>;
  const root = join(__dirname, '..', '..');
  const run = () => startChildRuntime(azurite.connectionString, settings, { app: root, port });
  const api = (path: string, init?: RequestInit) =>
    fetch(`http://127.0.0.1:${port}${path}`, {
      ...init,
      headers: { 'x-functions-key': KEYS.functionKey, ...(init?.headers ?? {}) },
    });
  const state = async (id: string) =>
    ((await (await api(`/api/reinstatements/${id}`)).json()) as { state: string }).state;
  cloud.state.registration = {
    SubscriberId: 's',
    WebhookUrl: `http://127.0.0.1:${port}/api/webhooks/partner-center`,
    WebhookEvents: ['reseller-relationship-accepted-by-customer', 'test-created'],
  };

  child = await run();
  const started = await api('/api/reinstatements', {
    method: 'POST',
    body: JSON.stringify({
      customerTenantId: CUSTOMER_TENANT,
      customerName: 'Contoso',
      contact: { name: 'Ada', email: 'ada@contoso.com' },
      scopes: [`/subscriptions/${SUBSCRIPTION}`],
    }),
  });
  const { id } = (await started.json()) as { id: string };
  await until('the invitation', async () => ((await state(id)) === 'InvitationSent' ? true : undefined));

  // Acceptance arrives; the process dies while the workflow is busy acting on it.
  await cloud.partnerCenter.accept(CUSTOMER_TENANT, false);
  child.process.kill('SIGKILL');
  expect((await child.exited).signal).toBe('SIGKILL');

  child = await run();
  await until('the instructions', async () =>
    (await state(id)) === 'AwaitingRoleAssignment' ? true : undefined,
  );
  const tls = { tlsOptions: { ca: cloud.pki.trustedRootsPem } };
  await new AuthorizationManagementClient(
    new ClientSecretCredential(CUSTOMER_TENANT, customer.admin.clientId, customer.admin.secret, {
      authorityHost: cloud.url,
      disableInstanceDiscovery: true,
      ...tls,
    }),
    SUBSCRIPTION,
    { endpoint: cloud.url, credentialScopes: ['https://management.azure.com/.default'], ...tls },
  ).roleAssignments.create(`/subscriptions/${SUBSCRIPTION}`, randomUUID(), {
    roleDefinitionId: `/subscriptions/${SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/${OWNER_ROLE_DEFINITION_ID}`,
    principalId: cloud.state.adminAgents.id,
    principalType: 'ForeignGroup',
  });
  await fetch(`http://127.0.0.1:${port}/admin/functions/verifyPendingRoleAssignments`, {
    method: 'POST',
    body: '{}',
    headers: { 'x-functions-key': KEYS.masterKey },
  });
  await until('Reinstated', async () => ((await state(id)) === 'Reinstated' ? true : undefined));
  await until('the partner notice', async () =>
    cloud.state.outbox.some((m) => m.subject.startsWith('Reinstatement reinstated')) ? true : undefined,
  );

  const sent = cloud.state.outbox.map((m) => `${m.to[0]} | ${m.subject}`).sort();
  expect(sent).toEqual(
    [
      'ada@contoso.com | Your Microsoft partner invites Contoso to a reseller relationship',
      "ada@contoso.com | One last step to restore your partner's access",
      'ada@contoso.com | Thank you: your partner can manage your Azure subscriptions again',
      'ops@partner.example | Reinstatement reinstated: Contoso',
    ].sort(),
  );
}, 120_000);
