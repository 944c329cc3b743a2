import { randomUUID } from 'node:crypto';
import type { ChildRuntime } from '../support/childRuntime';
import { eventually } from '../support/eventually';
import { compiledApp, startProductWorld, type ProductWorld } from '../support/productHarness';
import { KEYS } from '../support/runtimeHarness';

/**
 * Never stuck, never twice, under faults and crashes together: the compiled app on the offline
 * runtime in a child process takes 100 reinstatements to their end while every Microsoft service
 * answers 20 % of calls with 429 and 20 % with 503, and the app is killed with SIGKILL three times
 * along the way: during the bulk start, while the first mails go out, and once half are reinstated
 * (points of progress, not of time, so every run kills at the same stages however busy the machine
 * is). Storage (Azurite) and the simulated cloud live in this process, so the kills take nothing
 * with them but what the app held in memory. The test waits for what it expects, never a fixed time:
 * all reinstated, every mail sent and the mail queue empty; it gives up only when nothing moves.
 */
const ROWS = 100;
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

it('takes 100 reinstatements to their end through 20 % 429, 20 % 5xx and three SIGKILLs, each mail sent once', async () => {
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
  const { run, api, mailsQueued } = compiledApp(world);
  const durable = (path: string) =>
    fetch(`http://127.0.0.1:${port}/runtime/webhooks/durabletask/${path}&code=${KEYS.masterKey}`);

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

  let items: Item[] = [];
  const count = (state: string) => items.filter((r) => r.state === state).length;
  const kills = [
    { during: 'the bulk start', due: () => items.length > 0 },
    { during: 'the first mails', due: () => cloud.state.outbox.length >= ROWS },
    { during: 'the endings', due: () => count('Reinstated') >= ROWS / 2 },
  ];
  const killed: string[] = [];
  const accepted = new Set<string>();
  const granted = new Set<string>();
  const states = () =>
    items.reduce<Record<string, number>>((n, r) => ({ ...n, [r.state]: (n[r.state] ?? 0) + 1 }), {});

  // The customers' side, and the kills, until every reinstatement is final and every mail went.
  await eventually(
    'every reinstatement final, every mail sent and the mail queue empty',
    async () => {
      const page = await api('/api/reinstatements?pageSize=500').catch(() => undefined);
      if (page?.ok) items = ((await page.json()) as { items: Item[] }).items;
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
      const kill = kills[0];
      if (kill && child && kill.due()) {
        kills.shift();
        killed.push(`${kill.during} (${cloud.state.outbox.length} mails sent)`);
        child.process.kill('SIGKILL');
        await child.exited;
        child = await run();
      }
      const final = items.filter((r) => ['Reinstated', 'Expired', 'Cancelled', 'Failed'].includes(r.state));
      if (items.length < ROWS || final.length < ROWS || kills.length) return undefined;
      // Every reinstatement's three mails (invitation, instructions, thanks), or one lost: then the
      // queue empties short of them and nothing moves any more.
      if (cloud.state.outbox.length < ROWS * 3) return undefined;
      return (await mailsQueued()) === 0 ? true : undefined;
    },
    {
      everyMs: 500,
      stalledAfterMs: 120_000,
      progress: async () => ({ states: states(), mails: cloud.state.outbox.length, killed: killed.length }),
    },
  );
  const allFinal = (Date.now() - started) / 1000;
  expect(states()).toEqual({ Reinstated: ROWS });

  // Each mail once: the queue is empty, so nothing more can go out.
  const copies = new Map<string, number>();
  for (const m of cloud.state.outbox)
    copies.set(`${m.to[0]} | ${m.subject}`, (copies.get(`${m.to[0]} | ${m.subject}`) ?? 0) + 1);
  expect([...copies].filter(([, n]) => n > 1)).toEqual([]);
  expect(cloud.state.outbox).toHaveLength(ROWS * 3);

  // The team hears of all of them in one digest: each reinstatement's alert recorded once through
  // the kills, faults and replays.
  cloud.faults.clear();
  const digest = (await (await api('/api/alerts/digest', { method: 'POST' })).json()) as {
    headline?: string;
  };
  expect(digest.headline).toBe(`Nothing needs action: ${ROWS} admin rights back`);
  await eventually('the digest mail', async () =>
    cloud.state.outbox.some((m) => m.subject.startsWith('Admin rights digest')) ? true : undefined,
  );

  // No orchestration failed behind a record that is not final.
  const failed = (await (await durable('instances?runtimeStatus=Failed,Terminated')).json()) as {
    instanceId: string;
  }[];
  const open = new Set(items.filter((r) => r.state !== 'Reinstated').map((r) => r.id));
  expect(failed.filter((i) => open.has(i.instanceId))).toEqual([]);

  const injected = Object.fromEntries(cloud.faults.injected);
  console.log(
    `soak: ${ROWS} reinstatements final and ${cloud.state.outbox.length} mails sent, none twice, in ${allFinal.toFixed(0)} s; ` +
      `killed during ${killed.join(', ')}; faults injected ${JSON.stringify(injected)}`,
  );
}, 1_800_000);
