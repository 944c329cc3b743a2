import { TableServiceClient, TableClient } from '@azure/data-tables';
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { redirectOf, signInAs, type PersonFetch } from '../console/session';
import { linkIn, startProduct, type Product } from '../support/productHarness';
import { KEYS } from '../support/runtimeHarness';

/**
 * Every route the app registers, asked the same thing many times at once through the app on Azurite,
 * as double clicks, retrying clients, link-scanning mail filters and scaled-out callers do: what must
 * happen once happens once, a route that only reads writes nothing, and nothing answers 5xx.
 *
 * The routes come from the app's own registrations: a route without a case here fails the first
 * test, so a new route cannot be forgotten.
 */
const N = 8;
jest.setTimeout(180_000);
let p: Product;
let admin: PersonFetch;
beforeAll(async () => {
  p = await startProduct({ WATCHDOG_SCHEDULE: '0 0 0 1 1 *' });
  await (await p.partner('/api/reinstatements')).arrayBuffer(); // the app creates its tables on first use
  admin = await signInAs(p.host.url, 'partner.admin@partner.example', p.cloud.pki.trustedRootsPem);
}, 120_000);
afterAll(() => p.stop());

interface Answer {
  status: number;
  body: string;
  location: string | null;
}

/** `send` N times at once; every answer read whole. */
async function atOnce(send: () => Promise<Response>, n = N): Promise<Answer[]> {
  const responses = await Promise.all(Array.from({ length: n }, send));
  return Promise.all(
    responses.map(async (r) => ({
      status: r.status,
      body: await r.text(),
      location: r.headers.get('location'),
    })),
  );
}

function noServerError(answers: Answer[]): void {
  expect(answers.filter((a) => a.status >= 500).map((a) => `${a.status} ${a.body.slice(0, 200)}`)).toEqual(
    [],
  );
}

/** Every entity of every table, by table, keys and ETag: any write changes it. */
async function storage(): Promise<Map<string, string>> {
  const service = TableServiceClient.fromConnectionString(p.azurite.connectionString, {
    allowInsecureConnection: true,
  });
  const rows = new Map<string, string>();
  for await (const table of service.listTables()) {
    const client = TableClient.fromConnectionString(p.azurite.connectionString, table.name ?? '', {
      allowInsecureConnection: true,
    });
    for await (const e of client.listEntities())
      rows.set(`${table.name}/${e.partitionKey}/${e.rowKey}`, e.etag);
  }
  return rows;
}

type Caller = 'partner' | 'anonymous' | 'admin';
const call = (who: Caller, path: string, init?: RequestInit): Promise<Response> =>
  who === 'partner'
    ? p.partner(path, init)
    : who === 'anonymous'
      ? p.anonymous(path, init)
      : admin(path, init);

/** A route that only reads: N at once answer alike, none 5xx, and storage is exactly as before. */
function reads(who: Caller, path: () => Promise<string>, init?: RequestInit): () => Promise<void> {
  return async () => {
    const target = await path();
    await p.settle();
    const before = await storage();
    const answers = await atOnce(() => call(who, target, init));
    await p.settle();
    noServerError(answers);
    expect(new Set(answers.map((a) => a.status)).size).toBe(1);
    expect(answers[0]?.status).toBeLessThan(400);
    const after = await storage();
    expect([...after].filter(([k, etag]) => before.get(k) !== etag).map(([k]) => k)).toEqual([]);
  };
}

interface Fixture {
  id: string;
  customer: string;
  subscription: string;
  email: string;
  invitation: string;
  instructions?: string;
}

/** A reinstatement for a new customer of the sandbox, waiting for acceptance or (accepted) for the grant. */
async function reinstatement(stage: 'invited' | 'accepted' = 'invited'): Promise<Fixture> {
  const customer = randomUUID();
  const subscription = randomUUID();
  p.cloud.state.addCustomer(customer, [subscription], `Harness ${customer.slice(0, 8)}`);
  const email = `it@${customer.slice(0, 8)}.example`;
  const res = await p.partner('/api/reinstatements', {
    method: 'POST',
    body: JSON.stringify(requestFor(customer, subscription, email)),
  });
  const { id } = (await res.json()) as { id: string };
  await p.settle();
  const invitation = linkIn(p.mailsTo(email)[0]?.plainText, /\/api\/c\//);
  if (stage === 'invited') return { id, customer, subscription, email, invitation };
  await (await p.partner(`/api/reinstatements/${id}/acceptance`, { method: 'POST' })).arrayBuffer();
  await p.settle();
  const mail = p.mailsTo(email).find((m) => m.subject.includes('last step'));
  const instructions = linkIn(mail?.plainText, /\/instructions/);
  return { id, customer, subscription, email, invitation, instructions };
}

function requestFor(customer: string, subscription: string, email: string) {
  return {
    customerTenantId: customer,
    customerName: `Harness ${customer.slice(0, 8)}`,
    contact: { name: 'Ira', email },
    scopes: [`/subscriptions/${subscription}`],
  };
}

interface View {
  state: string;
  audit: { what: string; toState?: string }[];
  counters: { linkClicks: number };
}
const view = async (id: string) => (await (await p.partner(`/api/reinstatements/${id}`)).json()) as View;
const audited = async (id: string, what: string) =>
  (await view(id)).audit.filter((a) => a.what === what).length;
const reinstatementsOf = async (customer: string) =>
  ((await (await p.partner(`/api/reinstatements?customer=${customer}`)).json()) as { items: unknown[] }).items
    .length;

function csvFor(customers: number): { csv: string; tenants: string[] } {
  const tenants = Array.from({ length: customers }, () => randomUUID());
  const lines = tenants.map(
    (t, i) => `${t},Bulk ${i},Bo,bo${i}@bulk.example,/subscriptions/${randomUUID()},,`,
  );
  return {
    tenants,
    csv: ['customerTenantId,customerName,contactName,contactEmail,scopes,delegatedAdmin,note', ...lines].join(
      '\n',
    ),
  };
}

async function bulkJob(): Promise<string> {
  const res = await p.partner('/api/reinstatements/bulk', {
    method: 'POST',
    headers: { 'content-type': 'text/csv' },
    body: csvFor(1).csv,
  });
  await p.settle();
  return ((await res.json()) as { jobId: string }).jobId;
}

/** A finished scan (the sandbox's customers, a handful). */
let finishedScan: string | undefined;
async function scan(): Promise<string> {
  if (finishedScan) return finishedScan;
  const { scanId } = (await (await p.partner('/api/scans', { method: 'POST' })).json()) as { scanId: string };
  for (let i = 0; i < 100; i++) {
    const status = (await (await p.partner(`/api/scans/${scanId}`)).json()) as { state: string };
    if (status.state === 'done') return (finishedScan = scanId);
    await p.advance('20s');
  }
  throw new Error('the scan did not finish');
}

/** Where Partner Center delivers events now (read through a function: tests change it). */
const registeredUrl = (): string | undefined => p.cloud.state.registration?.WebhookUrl;

/** The sandbox's count of Partner Center test events, and the registration as it stands. */
const partnerCenterSide = () => ({
  validations: p.cloud.state.validationEvents.size,
  registration: JSON.stringify(p.cloud.state.registration),
});

/** A Failed reinstatement: its orchestration terminated, the watchdog fails it with why. */
async function failed(): Promise<Fixture> {
  const f = await reinstatement();
  await p.anonymous(
    `/runtime/webhooks/durabletask/instances/${f.id}/terminate?reason=harness&code=${KEYS.masterKey}`,
    { method: 'POST' },
  );
  await p.settle();
  await p.host.runTimerNow('watchdog');
  await p.settle();
  expect((await view(f.id)).state).toBe('Failed');
  return f;
}

/** The partner's five actions, each asked N times at once through `send`; each happens once. */
async function everyActionOnce(send: (id: string, action: string) => Promise<Response>): Promise<void> {
  const invited = await reinstatement();
  noServerError(await atOnce(() => send(invited.id, 'acceptance')));
  await p.settle();
  expect(await audited(invited.id, 'accepted')).toBe(1);
  expect(p.mailsTo(invited.email).filter((m) => m.subject.includes('last step'))).toHaveLength(1);

  const waiting = await reinstatement('accepted');
  noServerError(await atOnce(() => send(waiting.id, 'resend')));
  await p.settle();
  expect(p.mailsTo(waiting.email).filter((m) => m.subject.includes('last step'))).toHaveLength(2);

  p.cloud.state.grantOwnerToPartner(`/subscriptions/${waiting.subscription}`);
  noServerError(await atOnce(() => send(waiting.id, 'verify')));
  await p.settle();
  expect((await view(waiting.id)).state).toBe('Reinstated');
  expect(await audited(waiting.id, 'scope-verified')).toBe(1);

  const cancelling = await reinstatement();
  noServerError(await atOnce(() => send(cancelling.id, 'cancel')));
  await p.settle();
  expect((await view(cancelling.id)).audit.filter((a) => a.toState === 'Cancelled')).toHaveLength(1);

  const broken = await failed();
  noServerError(await atOnce(() => send(broken.id, 'retry')));
  await p.settle();
  expect(await audited(broken.id, 'retried')).toBe(1);
  expect((await view(broken.id)).state).not.toBe('Failed');

  // Names every object inherits are no action: refused, nothing written.
  const before = (await view(cancelling.id)).audit.length;
  for (const name of ['constructor', 'toString', 'valueOf', 'hasOwnProperty'])
    noServerError(await atOnce(() => send(cancelling.id, name), 2));
  expect((await view(cancelling.id)).audit.length).toBe(before);
}

/** "I've done it" answered "checked just now": the page itself, or a redirect to it saying so. */
const checkedNow = (a: Answer) => a.status === 200 || /[?&]checked=now/.test(a.location ?? '');
/** "I've done it" answered "checked less than a minute ago": 429, or a redirect to the page saying so. */
const tooSoon = (a: Answer) => a.status === 429 || /[?&]checked=soon/.test(a.location ?? '');

const partnerAction = (id: string, action: string) =>
  p.partner(`/api/reinstatements/${id}/${action}`, { method: 'POST' });
const consoleAction = (id: string, action: string) =>
  admin(`/api/console/reinstatements/${id}/${action}`, { method: 'POST' });
const form = (fields: Record<string, string>): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
});

/** One case per registered route and method: `METHOD template`. */
const CASES: Record<string, () => Promise<void>> = {
  'GET health': reads('anonymous', async () => '/api/health'),
  'GET openapi.json': reads('anonymous', async () => '/api/openapi.json'),
  'GET assets/{name}': reads('anonymous', async () => '/api/assets/app.css'),
  'GET email/backlog': reads('partner', async () => '/api/email/backlog'),
  'GET mails/preview/{kind}': reads('partner', async () => '/api/mails/preview/invitation'),
  'GET identity/readiness': reads('partner', async () => '/api/identity/readiness'),
  'GET reinstatements': reads('partner', async () => '/api/reinstatements'),
  'GET reinstatements/{id}': reads(
    'partner',
    async () => `/api/reinstatements/${(await reinstatement()).id}`,
  ),
  'GET reinstatements/bulk/{jobId}': reads(
    'partner',
    async () => `/api/reinstatements/bulk/${await bulkJob()}`,
  ),
  'GET scans/{scanId}': reads('partner', async () => `/api/scans/${await scan()}`),
  'GET scans/{scanId}/results': reads('partner', async () => `/api/scans/${await scan()}/results`),
  'GET scans/{scanId}/findings.csv': reads('partner', async () => `/api/scans/${await scan()}/findings.csv`),
  'GET c/{token}/instructions': async () => {
    // Opening the page checks the role assignments, within the once-a-minute budget of "I've done it".
    const f = await reinstatement('accepted');
    const arm = () => p.cloud.requests.get('arm') ?? 0;
    const before = arm();
    const answers = await atOnce(() => p.anonymous(f.instructions ?? ''));
    noServerError(answers);
    expect(answers.every((a) => a.status === 200)).toBe(true);
    const oneCheck = arm() - before;
    expect(oneCheck).toBeGreaterThan(0);
    const again = arm();
    const second = await atOnce(() => p.anonymous(f.instructions ?? ''));
    noServerError(second);
    expect(arm() - again).toBe(0);
  },
  'GET c/{token}/scripts/{file}': reads(
    'anonymous',
    async () =>
      `${(await reinstatement('accepted')).instructions?.replace(/\/instructions$/, '')}/scripts/grant-owner.ps1`,
  ),
  'GET c/{token}/done': reads(
    'anonymous',
    async () => `${(await reinstatement('accepted')).instructions?.replace(/\/instructions$/, '')}/done`,
  ),
  'GET c/{token}/grant/{n:int}': reads(
    'anonymous',
    async () => `${(await reinstatement('accepted')).instructions?.replace(/\/instructions$/, '')}/grant/1`,
  ),
  'GET console': reads('admin', async () => '/api/console'),
  'GET console/reinstatements': reads('admin', async () => '/api/console/reinstatements'),
  'GET console/reinstatements.csv': reads('admin', async () => '/api/console/reinstatements.csv'),
  'GET console/reinstatements/{id}': reads(
    'admin',
    async () => `/api/console/reinstatements/${(await reinstatement()).id}`,
  ),
  'GET console/reinstatements/{id}/confirm/{action:alpha}': reads(
    'admin',
    async () => `/api/console/reinstatements/${(await reinstatement()).id}/confirm/cancel`,
  ),
  // Filled in for a customer's subscription, as the Access page links to it: it reads, writes nothing.
  'GET console/start': reads('admin', async () => {
    const f = await reinstatement();
    return `/api/console/start?customerTenantId=${f.customer}&subscriptionId=${f.subscription}`;
  }),
  'GET console/access': reads('admin', async () => {
    await scan();
    return '/api/console/access?change=new&q=harness';
  }),
  'GET console/bulk': reads('admin', async () => '/api/console/bulk'),
  'GET console/bulk/{jobId}': reads('admin', async () => `/api/console/bulk/${await bulkJob()}`),
  'POST console/bulk/preview': async () => {
    const body = new FormData();
    body.set('file', new Blob([csvFor(2).csv], { type: 'text/csv' }), 'rows.csv');
    await reads('admin', async () => '/api/console/bulk/preview', { method: 'POST', body })();
  },

  'POST reinstatements': async () => {
    const customer = randomUUID();
    const body = JSON.stringify(requestFor(customer, randomUUID(), 'one@start.example'));
    const answers = await atOnce(() => p.partner('/api/reinstatements', { method: 'POST', body }));
    noServerError(answers);
    expect(answers.filter((a) => a.status === 202)).toHaveLength(1);
    expect(new Set(answers.map((a) => (JSON.parse(a.body) as { id: string }).id)).size).toBe(1);
    await p.settle();
    expect(await reinstatementsOf(customer)).toBe(1);
    expect(p.mailsTo('one@start.example')).toHaveLength(1);
  },
  'POST reinstatements/bulk': async () => {
    const { csv, tenants } = csvFor(2);
    const answers = await atOnce(() =>
      p.partner('/api/reinstatements/bulk', {
        method: 'POST',
        headers: { 'content-type': 'text/csv' },
        body: csv,
      }),
    );
    noServerError(answers);
    expect(answers.filter((a) => a.status === 202)).toHaveLength(1);
    expect(new Set(answers.map((a) => (JSON.parse(a.body) as { jobId: string }).jobId)).size).toBe(1);
    await p.settle();
    for (const t of tenants) expect(await reinstatementsOf(t)).toBe(1);
  },
  'POST reinstatements/{id}/{action:alpha}': () => everyActionOnce(partnerAction),
  'GET alerts': reads('partner', async () => '/api/alerts'),
  'POST alerts/digest': async () => {
    // Something to tell: a reinstatement back (its grant made, its check run).
    const f = await reinstatement('accepted');
    p.cloud.state.grantOwnerToPartner(`/subscriptions/${f.subscription}`);
    await p.runVerificationTimer();
    const mails = p.mailsTo('ops@partner.example').length;
    const cards = p.cloud.alertReceivers.teams.length;
    const answers = await atOnce(() => p.partner('/api/alerts/digest', { method: 'POST' }));
    noServerError(answers);
    const states = answers.map((a) => (JSON.parse(a.body) as { state: string }).state);
    expect(states.filter((s) => s === 'sent').length).toBeLessThanOrEqual(1);
    await p.settle();
    expect(p.mailsTo('ops@partner.example').length - mails).toBe(1);
    expect(p.cloud.alertReceivers.teams.length - cards).toBe(1);
  },
  'POST scans': async () => {
    const answers = await atOnce(() => p.partner('/api/scans', { method: 'POST' }));
    noServerError(answers);
    expect(new Set(answers.map((a) => (JSON.parse(a.body) as { scanId: string }).scanId)).size).toBe(1);
    finishedScan = undefined;
    await scan();
  },
  'POST scans/{scanId}/reinstatements': async () => {
    const lost = randomUUID();
    const subscription = randomUUID();
    p.cloud.state.addCustomer(lost, [subscription], 'Lost access');
    finishedScan = undefined;
    const scanId = await scan();
    const body = JSON.stringify({
      customers: [{ customerTenantId: lost, contact: { name: 'Li', email: 'li@lost.example' } }],
    });
    const answers = await atOnce(() =>
      p.partner(`/api/scans/${scanId}/reinstatements`, { method: 'POST', body }),
    );
    noServerError(answers);
    expect(answers.filter((a) => a.status === 202)).toHaveLength(1);
    await p.settle();
    expect(await reinstatementsOf(lost)).toBe(1);
  },
  'GET webhooks/partner-center/readiness': async () => {
    const before = partnerCenterSide();
    noServerError(await atOnce(() => p.partner('/api/webhooks/partner-center/readiness')));
    expect(partnerCenterSide()).toEqual(before); // a check registers nothing and sends no test event
  },
  'POST webhooks/partner-center/readiness': async () => {
    p.cloud.state.registration = undefined;
    const before = partnerCenterSide();
    const answers = await atOnce(() =>
      p.partner('/api/webhooks/partner-center/readiness', { method: 'POST' }),
    );
    noServerError(answers);
    expect(registeredUrl()).toBe(`${p.host.url}/api/webhooks/partner-center`);
    expect(partnerCenterSide().validations).toBe(before.validations + 1);
  },
  'POST console/webhook': async () => {
    p.cloud.state.registration = undefined;
    const before = partnerCenterSide();
    const answers = await atOnce(() => admin('/api/console/webhook', { method: 'POST' }));
    noServerError(answers);
    expect(answers.every((a) => a.status === 303)).toBe(true);
    expect(partnerCenterSide().validations).toBe(before.validations + 1);
  },
  'POST webhooks/partner-center': async () => {
    const f = await reinstatement();
    p.cloud.state.customers.get(f.customer)!.relationship = 'reseller';
    const event = p.cloud.partnerCenter.signedRequest(
      JSON.stringify({
        EventName: 'reseller-relationship-accepted-by-customer',
        ResourceUri: `${p.cloud.url}/v1/customers/${f.customer}`,
        ResourceName: 'customer',
        AuditUri: null,
        ResourceChangeUtcDate: p.clock.now().toISOString(),
      }),
    );
    const answers = await atOnce(() =>
      p.anonymous('/api/webhooks/partner-center', {
        method: 'POST',
        headers: event.headers,
        body: event.body,
      }),
    );
    noServerError(answers);
    await p.settle();
    expect(await audited(f.id, 'webhook-received')).toBe(1);
    expect(await audited(f.id, 'accepted')).toBe(1);
  },
  'GET c/{token}': async () => {
    const f = await reinstatement();
    const answers = await atOnce(() => p.anonymous(f.invitation), 3 * N);
    noServerError(answers);
    // While the invitation stands, every click goes on to Microsoft's invitation.
    expect(answers.every((a) => a.status === 302)).toBe(true);
    const after = await view(f.id);
    expect(after.counters.linkClicks).toBe(3 * N);
    expect(after.audit.filter((a) => a.what === 'link-clicked')).toHaveLength(1);
  },
  'POST c/{token}/done': async () => {
    const f = await reinstatement('accepted');
    const done = (f.instructions ?? '').replace(/\/instructions$/, '/done');
    const answers = await atOnce(() => p.anonymous(done, { method: 'POST' }));
    noServerError(answers);
    expect(answers.filter(checkedNow)).toHaveLength(1);
    expect(answers.filter(tooSoon)).toHaveLength(N - 1);
  },
  'GET identity/consent': async () => {
    // Each request is a sign-in of its own (its own single-use state): all answered, none shared.
    const answers = await atOnce(() => p.partner('/api/identity/consent', { redirect: 'manual' }));
    noServerError(answers);
    const states = answers.map((a) => new URL(a.location ?? 'http://x/').searchParams.get('state'));
    expect(new Set(states).size).toBe(N);
  },
  'GET identity/consent/callback': async () => {
    const begin = await p.partner('/api/identity/consent', { redirect: 'manual' });
    const authorize = new URL(begin.headers.get('location') ?? '');
    authorize.searchParams.set('login_hint', p.cloud.state.partnerAdmin.userPrincipalName);
    const back = (await redirectOf(authorize, p.cloud.pki.trustedRootsPem)) ?? '';
    const answers = await atOnce(() => p.anonymous(back.slice(back.indexOf('/api/'))));
    noServerError(answers);
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
  },
  'POST console/reinstatements/{id}/{action:alpha}': () => everyActionOnce(consoleAction),
  'POST console/start': async () => {
    const customer = randomUUID();
    const subscription = randomUUID();
    const fields = {
      customerTenantId: customer,
      customerName: 'Console start',
      contactName: 'Cy',
      contactEmail: 'cy@console.example',
      scopes: `/subscriptions/${subscription}`,
      note: '',
    };
    const answers = await atOnce(() => admin('/api/console/start', form(fields)));
    noServerError(answers);
    // All to the one reinstatement; the one that started it says so (`?done=started`).
    expect(new Set(answers.map((a) => a.location?.split('?')[0])).size).toBe(1);
    expect(answers.filter((a) => a.location?.endsWith('?done=started'))).toHaveLength(1);
    await p.settle();
    expect(await reinstatementsOf(customer)).toBe(1);
  },
  'POST console/bulk/start': async () => {
    const { csv, tenants } = csvFor(2);
    const answers = await atOnce(() => admin('/api/console/bulk/start', form({ csv })));
    noServerError(answers);
    expect(new Set(answers.map((a) => a.location)).size).toBe(1);
    await p.settle();
    for (const t of tenants) expect(await reinstatementsOf(t)).toBe(1);
  },
};

const registered = () => p.host.httpRoutes.flatMap((r) => r.methods.map((m) => `${m} ${r.template}`));

describe(`every route, ${N} identical requests at once`, () => {
  it('has a case for every route the app registers, and none for a route it does not', () => {
    expect(registered().filter((key) => !Object.hasOwn(CASES, key))).toEqual([]);
    expect(Object.keys(CASES).filter((key) => !registered().includes(key))).toEqual([]);
  });

  it.each(Object.keys(CASES))('%s', async (key) => {
    await CASES[key]?.();
  });

  it('mixed actions on one reinstatement at once: no 5xx, and its history stays one valid path', async () => {
    const actions = fc.array(fc.constantFrom('acceptance', 'resend', 'verify', 'cancel', 'retry'), {
      minLength: 2,
      maxLength: 10,
    });
    await fc.assert(
      fc.asyncProperty(actions, async (chosen) => {
        const f = await reinstatement();
        const answers = await Promise.all(chosen.map((a) => partnerAction(f.id, a)));
        for (const a of answers) expect(a.status).toBeLessThan(500);
        await Promise.all(answers.map((a) => a.arrayBuffer()));
        await p.settle();
        const v = await view(f.id);
        // Each state is entered at most once, and never left once final.
        const entered = v.audit.flatMap((a) => (a.toState ? [a.toState] : []));
        expect(new Set(entered).size).toBe(entered.length);
        expect(p.mailsTo(f.email).filter((m) => m.subject.includes('last step')).length).toBeLessThanOrEqual(
          1 + chosen.filter((a) => a === 'resend').length,
        );
      }),
      { numRuns: 5 },
    );
  });

  it('answers no route 5xx for names every object inherits in any path parameter', async () => {
    const names = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'];
    for (const route of p.host.httpRoutes)
      for (const method of route.methods) {
        if (!route.template.includes('{')) continue;
        for (const name of names) {
          const path = `/api/${route.template.replace(/\{([^}:]+)(:int)?(:alpha)?\}/g, (_, _p, int) =>
            int ? '1' : encodeURIComponent(name),
          )}`;
          const who: Caller = route.template.startsWith('console')
            ? 'admin'
            : route.authLevel === 'anonymous'
              ? 'anonymous'
              : 'partner';
          const res = await call(who, path, method === 'GET' ? {} : { method, body: '' });
          expect([path, method, res.status < 500]).toEqual([path, method, true]);
          await res.arrayBuffer();
        }
      }
  });
});
