import { randomUUID } from 'node:crypto';
import { startProduct, type Product } from '../support/productHarness';
import { signInAs } from '../console/session';

/**
 * Before anything is mailed, Partner Center is asked whether the customer is the partner's and
 * whether every scope's subscription is one of that customer's Azure plan subscriptions (on by
 * default). A typo in either would otherwise mail a stranger or ask a customer for a subscription
 * the partner does not sell them. Through the whole app: the API, the bulk job, the simulated
 * Partner Center with its faults.
 */
let p: Product;
beforeAll(async () => {
  p = await startProduct({ PARTNER_CENTER_START_CHECK: 'true', WATCHDOG_SCHEDULE: '0 0 0 1 1 *' });
});
afterAll(() => p.stop());
afterEach(() => p.cloud.faults.clear());

interface Problem {
  status: number;
  detail: string;
  errors?: { field: string; label: string; rule: string }[];
}

const knownCustomer = () => {
  const tenant = randomUUID();
  const subscription = randomUUID();
  p.cloud.state.addCustomer(tenant, [subscription]);
  return { tenant, subscription };
};

const start = (tenant: string, subscription: string, email: string) =>
  p.partner('/api/reinstatements', {
    method: 'POST',
    body: JSON.stringify({
      customerTenantId: tenant,
      customerName: 'Contoso Ltd',
      contact: { name: 'Ada', email },
      scopes: [`/subscriptions/${subscription}`],
    }),
  });

const recordedFor = async (tenant: string) => {
  const res = await p.partner(`/api/reinstatements?customer=${tenant}`);
  return ((await res.json()) as { items: unknown[] }).items.length;
};

it('refuses a customer Partner Center does not list as the partner’s: named in words, nothing recorded or mailed', async () => {
  const stranger = randomUUID();
  const res = await start(stranger, randomUUID(), 'ada@stranger.example');
  expect(res.status).toBe(400);
  const body = (await res.json()) as Problem;
  expect(body.errors).toEqual([
    expect.objectContaining({
      field: 'customerTenantId',
      label: 'Customer tenant ID',
      rule: expect.stringMatching(/^is not a customer of this partner in Partner Center/),
    }),
  ]);
  expect(body.detail).toMatch(/^Customer tenant ID: is not a customer of this partner/);
  await p.settle();
  expect(await recordedFor(stranger)).toBe(0);
  expect(p.mailsTo('ada@stranger.example')).toEqual([]);
});

it('refuses a scope whose subscription is not the customer’s, and names the customer’s own', async () => {
  const { tenant, subscription } = knownCustomer();
  const foreign = randomUUID();
  const res = await start(tenant, foreign, 'ada@foreign.example');
  expect(res.status).toBe(400);
  const body = (await res.json()) as Problem;
  expect(body.errors).toEqual([
    expect.objectContaining({
      field: 'scopes[0]',
      rule: expect.stringContaining(`names subscription ${foreign}, which is not one of this customer`),
    }),
  ]);
  expect(body.errors?.[0]?.rule).toContain(`its Azure plan lists ${subscription}`);
  await p.settle();
  expect(await recordedFor(tenant)).toBe(0);
  expect(p.mailsTo('ada@foreign.example')).toEqual([]);
});

it('starts and mails the partner’s own customer for its own subscription', async () => {
  const { tenant, subscription } = knownCustomer();
  const res = await start(tenant, subscription, 'ada@own.example');
  expect(res.status).toBe(202);
  await p.settle();
  expect(p.mailsTo('ada@own.example')).toHaveLength(1);
});

it('refuses, with why, a customer whose subscriptions Partner Center will not list: asking again would not help', async () => {
  const tenant = randomUUID();
  const subscription = randomUUID();
  p.cloud.state.addCustomer(tenant, [subscription], 'Litware', { entitlementsError: 403 });
  const res = await start(tenant, subscription, 'ada@litware.example');
  expect(res.status).toBe(400);
  expect(res.headers.get('retry-after')).toBeNull();
  const body = (await res.json()) as Problem;
  expect(body.errors).toEqual([
    expect.objectContaining({
      field: 'customerTenantId',
      rule: expect.stringMatching(
        /^could not be checked: Partner Center refused to list this customer's Azure subscriptions \(HTTP 403\)/,
      ),
    }),
  ]);
});

it('answers 503 with Retry-After when Partner Center cannot be asked, and starts nothing', async () => {
  const { tenant, subscription } = knownCustomer();
  p.cloud.faults.set('partnerCenter', { rate5xx: 1 });
  const down = await start(tenant, subscription, 'ada@later.example');
  expect(down.status).toBe(503);
  expect(down.headers.get('retry-after')).toBe('30');
  expect(((await down.json()) as Problem).detail).toMatch(
    /^Partner Center could not be asked whether this customer and its subscriptions are the partner's \(HTTP 503.*nothing was started\. Try again/,
  );
  p.cloud.faults.set('partnerCenter', { rate429: 1, retryAfterSeconds: 45 });
  const throttled = await start(tenant, subscription, 'ada@later.example');
  expect(throttled.status).toBe(503);
  expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThanOrEqual(45);
  await p.settle();
  expect(await recordedFor(tenant)).toBe(0);
  p.cloud.faults.clear();
  p.clock.advance(60_000);
  expect((await start(tenant, subscription, 'ada@later.example')).status).toBe(202);
});

it('a bulk job refuses its strangers and foreign subscriptions row by row, starts the rest, and waits out Partner Center', async () => {
  const own = Array.from({ length: 4 }, knownCustomer);
  const neighbour = knownCustomer();
  const stranger = randomUUID();
  const unlisted = randomUUID();
  p.cloud.state.addCustomer(unlisted, [randomUUID()], 'Relecloud', { entitlementsError: 403 });
  const rows = [
    ...own.map(
      (c, i) => `${c.tenant},Own ${i},Admin ${i},admin${i}@bulk-own.example,/subscriptions/${c.subscription}`,
    ),
    `${stranger},Stranger,Admin,admin@bulk-stranger.example,/subscriptions/${randomUUID()}`,
    `${neighbour.tenant},Neighbour,Admin,admin@bulk-neighbour.example,/subscriptions/${own[0]?.subscription}`,
    `${unlisted},Relecloud,Admin,admin@bulk-unlisted.example,/subscriptions/${randomUUID()}`,
  ];
  // Partner Center is down when the page's turn comes: the page waits and is tried again as a whole.
  p.cloud.faults.set('partnerCenter', { rate5xx: 1 });
  const res = await p.partner('/api/reinstatements/bulk', {
    method: 'POST',
    body: ['customerTenantId,customerName,contactName,contactEmail,scopes', ...rows].join('\n'),
    headers: { 'content-type': 'text/csv' },
  });
  expect(res.status).toBe(202);
  const { jobId } = (await res.json()) as { jobId: string };
  await p.settle();
  const job = async () =>
    (await (await p.partner(`/api/reinstatements/bulk/${jobId}`)).json()) as {
      done: boolean;
      counts: Record<string, number>;
      results: { row: number; status: string; errors?: { field: string; rule: string }[] }[];
    };
  expect((await job()).done).toBe(false);
  expect(p.cloud.state.outbox.filter((m) => m.to.some((to) => to.includes('@bulk-')))).toEqual([]);

  p.cloud.faults.clear();
  for (let i = 0; i < 10 && !(await job()).done; i++) await p.advance('1m');
  const answered = await job();
  expect(answered.done).toBe(true);
  expect(answered.counts).toMatchObject({ started: 4, invalid: 3, failed: 0, pending: 0 });
  expect(answered.results.filter((r) => r.status === 'invalid')).toEqual([
    {
      row: 5,
      status: 'invalid',
      errors: [
        expect.objectContaining({ field: 'customerTenantId', rule: expect.stringMatching(/not a customer/) }),
      ],
    },
    {
      row: 6,
      status: 'invalid',
      errors: [
        expect.objectContaining({
          field: 'scopes[0]',
          rule: expect.stringMatching(/not one of this customer/),
        }),
      ],
    },
    {
      row: 7,
      status: 'invalid',
      errors: [
        expect.objectContaining({
          field: 'customerTenantId',
          rule: expect.stringMatching(/^could not be checked/),
        }),
      ],
    },
  ]);
  await p.settle();
  const invited = p.cloud.state.outbox.flatMap((m) => m.to).filter((to) => to.includes('@bulk-'));
  expect(invited.sort()).toEqual(own.map((_, i) => `admin${i}@bulk-own.example`).sort());
});

it('the console’s start form says the same in words, keeps what was typed, and says when the invitation goes', async () => {
  const admin = await signInAs(p.host.url, 'partner.admin@partner.example', p.cloud.pki.trustedRootsPem);
  const form = (tenant: string, subscription: string) =>
    admin('/api/console/start', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        customerTenantId: tenant,
        customerName: 'Console Ltd',
        contactName: 'Cleo',
        contactEmail: 'cleo@console.example',
        scopes: subscription,
        language: 'en',
      }).toString(),
    });
  const stranger = randomUUID();
  const refused = await form(stranger, randomUUID());
  expect(refused.status).toBe(400);
  const refusedPage = await refused.text();
  expect(refusedPage).toContain('is not a customer of this partner in Partner Center');
  expect(refusedPage).toContain(`value="${stranger}"`);

  const { tenant, subscription } = knownCustomer();
  p.cloud.faults.set('partnerCenter', { rate5xx: 1 });
  const unavailable = await form(tenant, subscription);
  expect(unavailable.status).toBe(503);
  expect(await unavailable.text()).toMatch(/Before starting: Partner Center could not be asked/);
  p.cloud.faults.clear();

  const started = await form(tenant, subscription);
  expect(started.status).toBe(303);
  const location = started.headers.get('location') ?? '';
  expect(location).toMatch(/^\/api\/console\/reinstatements\/r-[0-9a-f]+\?done=started$/);
  const detail = await (await admin(location)).text();
  expect(detail).toMatch(
    /The invitation goes out by <time datetime="[^"]+"[\s\S]*?<\/time\s*> at the latest, ahead of any bulk job/,
  );
});
