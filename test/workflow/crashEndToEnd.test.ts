import type { ChildRuntime } from '../support/childRuntime';
import { CUSTOMER_TENANT, SUBSCRIPTION } from '../support/fixtures';
import { compiledApp, startProductWorld, type ProductWorld } from '../support/productHarness';
import { KEYS } from '../support/runtimeHarness';

/**
 * The compiled product on the offline runtime in a child process, killed with SIGKILL in the middle
 * of a reinstatement and started again on the same storage: it still finishes, and no mail goes
 * out twice (the sandbox cloud's outbox, in this process, sees every send).
 */
let world: ProductWorld;
let child: ChildRuntime | undefined;
afterAll(async () => {
  child?.process.kill('SIGKILL');
  await world?.stop();
});

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
  world = await startProductWorld({ VERIFY_SCHEDULE: '0 0 0 1 1 *' });
  world.cloud.partnerCenter.retryDelayMs = 50;
  const { port, cloud } = world;
  const { run, api } = compiledApp(world);
  const state = async (id: string) =>
    ((await (await api(`/api/reinstatements/${id}`)).json()) as { state: string }).state;
  world.registerWebhook();

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
  await world.grantOwner(`/subscriptions/${SUBSCRIPTION}`);
  await fetch(`http://127.0.0.1:${port}/admin/functions/verifyPendingRoleAssignments`, {
    method: 'POST',
    body: '{}',
    headers: { 'x-functions-key': KEYS.masterKey },
  });
  await until('Reinstated', async () => ((await state(id)) === 'Reinstated' ? true : undefined));
  await until('the thanks', async () =>
    cloud.state.outbox.some((m) => m.subject.startsWith('Thank you')) ? true : undefined,
  );
  // The team's alert survived the crash too: the digest carries it.
  const digest = await api('/api/alerts/digest', { method: 'POST' });
  expect(await digest.json()).toMatchObject({
    state: 'sent',
    headline: 'Nothing needs action: 1 admin rights back',
  });
  await until('the digest', async () =>
    cloud.state.outbox.some((m) => m.subject.startsWith('Admin rights digest')) ? true : undefined,
  );
  // Nothing more goes out afterwards (a duplicate would come now).
  await new Promise((resolve) => setTimeout(resolve, 500));

  const sent = cloud.state.outbox.map((m) => `${m.to[0]} | ${m.subject}`).sort();
  expect(sent).toEqual(
    [
      'ada@contoso.com | Fabrikam CSP invites Contoso to a reseller relationship',
      'ada@contoso.com | One last step to restore Fabrikam CSP’s access to Contoso’s Azure subscriptions',
      'ada@contoso.com | Thank you: Fabrikam CSP can manage Contoso’s Azure subscriptions again',
      `ops@partner.example | Admin rights digest for ${new Date().toISOString().slice(0, 10)}: Nothing needs action: 1 admin rights back`,
    ].sort(),
  );
}, 120_000);
