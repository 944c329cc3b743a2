import { randomUUID } from 'node:crypto';
import type { ChildRuntime } from '../support/childRuntime';
import { compiledApp, startProductWorld, type ProductWorld } from '../support/productHarness';
import { KEYS } from '../support/runtimeHarness';

/**
 * Never stuck, never twice, under faults and crashes together: the compiled app on the offline
 * runtime in a child process takes 200 reinstatements to their end while every Microsoft service
 * answers 20 % of calls with 429 and 20 % with 503, and the app is killed with SIGKILL three times
 * along the way. Storage (Azurite) and the simulated cloud live in this process, so the kills take
 * nothing with them but what the app held in memory.
 */
const ROWS = 200;
let world: ProductWorld;
let child: ChildRuntime | undefined;

afterAll(async () => {
  child?.process.kill('SIGKILL');
  await world?.stop();
});

interface Item {
  id: string;
  customerTenantId: string;
  state: string;
  stateReason?: string;
  scopes: { scope: string }[];
}

it('takes 200 reinstatements to their end through 20 % 429, 20 % 5xx and three SIGKILLs, each mail sent once', async () => {
  world = await startProductWorld({
    VERIFY_SCHEDULE: '*/3 * * * * *',
    WATCHDOG_SCHEDULE: '*/10 * * * * *',
    PARTNER_CENTER_CHECK_ENABLED: 'true',
  });
  const { cloud, port } = world;
  cloud.partnerCenter.retryDelayMs = 100;
  world.registerWebhook();
  const customers = Array.from({ length: ROWS }, () => {
    const tenant = randomUUID();
    const subscription = randomUUID();
    cloud.state.addCustomer(tenant, [subscription]);
    return { tenant, subscription };
  });
  const { run, api } = compiledApp(world);

  child = await run();
  const csv = [
    'customerTenantId,customerName,contactName,contactEmail,scopes,delegatedAdmin,note',
    ...customers.map(
      (c, i) =>
        `${c.tenant},Customer ${i},Admin ${i},admin${i}@c${i}.example,/subscriptions/${c.subscription},,`,
    ),
  ].join('\n');
  const submitted = await api('/api/reinstatements/bulk', {
    method: 'POST',
    body: csv,
    headers: { 'content-type': 'text/csv' },
  });
  expect(submitted.status).toBe(202);
  const started = Date.now();
  for (const service of ['entra', 'acs', 'graph', 'arm', 'partnerCenter'] as const)
    cloud.faults.set(service, { rate429: 0.2, rate5xx: 0.2, retryAfterSeconds: service === 'acs' ? 0 : 1 });

  const kills = [4_000, 12_000, 25_000];
  const accepted = new Set<string>();
  const granted = new Set<string>();
  let items: Item[] = [];
  for (;;) {
    if (kills.length && Date.now() - started >= (kills[0] as number)) {
      kills.shift();
      child.process.kill('SIGKILL');
      await child.exited;
      child = await run();
    }
    const page = await api('/api/reinstatements?pageSize=500').catch(() => undefined);
    if (page?.ok) items = ((await page.json()) as { items: Item[] }).items;
    // The customers' side: accept once invited, grant Owner once instructed.
    for (const r of items) {
      if (r.state === 'InvitationSent' && !accepted.has(r.id)) {
        accepted.add(r.id);
        void cloud.partnerCenter.accept(r.customerTenantId, false);
      }
      if (r.state === 'AwaitingRoleAssignment' && !granted.has(r.id)) {
        granted.add(r.id);
        for (const s of r.scopes) cloud.state.grantOwnerToPartner(s.scope);
      }
    }
    const final = items.filter((r) => ['Reinstated', 'Expired', 'Cancelled', 'Failed'].includes(r.state));
    if (
      process.env.SOAK_TRACE &&
      Math.floor((Date.now() - started) / 5000) !== Math.floor((Date.now() - started - 500) / 5000)
    )
      console.log(
        Math.round((Date.now() - started) / 1000),
        JSON.stringify(
          items.reduce<Record<string, number>>((n, r) => ({ ...n, [r.state]: (n[r.state] ?? 0) + 1 }), {}),
        ),
        cloud.state.outbox.length,
        await fetch(
          `http://127.0.0.1:${port}/runtime/webhooks/durabletask/instances/mail-dispatcher?code=${KEYS.masterKey}`,
        )
          .then((r) => r.text())
          .catch(() => ''),
      );
    if (items.length === ROWS && final.length === ROWS && !kills.length) break;
    if (Date.now() - started > 400_000) break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  const allFinal = (Date.now() - started) / 1000;
  const states = items.reduce<Record<string, number>>(
    (n, r) => ({ ...n, [r.state]: (n[r.state] ?? 0) + 1 }),
    {},
  );
  expect(items).toHaveLength(ROWS);
  if (process.env.SOAK_TRACE)
    for (const r of items.filter((x) => x.state !== 'Reinstated').slice(0, 2)) {
      console.log(JSON.stringify(await (await api(`/api/reinstatements/${r.id}`)).json()).slice(0, 3000));
      console.log(
        await (
          await fetch(
            `http://127.0.0.1:${port}/runtime/webhooks/durabletask/instances/${r.id}?code=${KEYS.masterKey}&showHistory=true`,
          )
        ).text(),
      );
    }
  expect(states).toEqual({ Reinstated: ROWS });

  // Every partner notice and thanks goes out too, then nothing more.
  const expected = ROWS * 4;
  for (let i = 0; i < 120 && cloud.state.outbox.length < expected; i++)
    await new Promise((r) => setTimeout(r, 500));
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const copies = new Map<string, number>();
  for (const m of cloud.state.outbox)
    copies.set(`${m.to[0]} | ${m.subject}`, (copies.get(`${m.to[0]} | ${m.subject}`) ?? 0) + 1);
  expect([...copies].filter(([, n]) => n > 1)).toEqual([]);
  expect(cloud.state.outbox).toHaveLength(expected);

  // No orchestration failed behind a record that is not final.
  const failed = (await (
    await fetch(
      `http://127.0.0.1:${port}/runtime/webhooks/durabletask/instances?runtimeStatus=Failed,Terminated&code=${KEYS.masterKey}`,
    )
  ).json()) as { instanceId: string }[];
  const open = new Set(items.filter((r) => r.state !== 'Reinstated').map((r) => r.id));
  expect(failed.filter((i) => open.has(i.instanceId))).toEqual([]);

  const injected = Object.fromEntries(cloud.faults.injected);
  console.log(
    `soak: ${ROWS} reinstatements final in ${allFinal.toFixed(0)} s through 3 SIGKILLs; ` +
      `faults injected ${JSON.stringify(injected)}; mails ${cloud.state.outbox.length}, none twice`,
  );
}, 600_000);
