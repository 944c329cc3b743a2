import { TableClient } from '@azure/data-tables';
import { randomUUID } from 'node:crypto';
import { redirectOf, signInAs } from '../console/session';
import { startProduct, type Product } from '../support/productHarness';

/**
 * What must exist once, asked for many times at the same moment through the app on Azurite: a scan,
 * a bulk job (the same body, or the same Idempotency-Key), a bulk start from the console, and the
 * consent step's callback. One is made; every other caller is answered that one (`existing`).
 */
let p: Product;
beforeAll(async () => {
  p = await startProduct({ WATCHDOG_SCHEDULE: '0 0 0 1 1 *' });
  await (await p.partner('/api/reinstatements')).arrayBuffer(); // the app creates its tables on first use
}, 60_000);
afterAll(() => p.stop());

const rowsOf = async (table: string, rowKey: string) => {
  const client = TableClient.fromConnectionString(p.azurite.connectionString, table, {
    allowInsecureConnection: true,
  });
  let n = 0;
  for await (const e of client.listEntities({ queryOptions: { filter: `RowKey eq '${rowKey}'` } }))
    if (e) n++;
  return n;
};

async function all(n: number, call: () => Promise<Response>): Promise<{ status: number; body: string }[]> {
  const answers = await Promise.all(Array.from({ length: n }, call));
  return Promise.all(answers.map(async (a) => ({ status: a.status, body: await a.text() })));
}

function bulkRows(n: number): { customers: string[]; csv: string } {
  const customers = Array.from({ length: n }, () => randomUUID());
  for (const c of customers) p.cloud.state.addCustomer(c, [randomUUID()]);
  const lines = customers.map(
    (c, i) =>
      `${c},Customer ${i},Admin ${i},admin${i}@customer.example,/subscriptions/${p.cloud.state.customers.get(c)?.subscriptions[0]},,`,
  );
  return {
    customers,
    csv: ['customerTenantId,customerName,contactName,contactEmail,scopes,delegatedAdmin,note', ...lines].join(
      '\n',
    ),
  };
}

const reinstatementsOf = async (customer: string) =>
  ((await (await p.partner(`/api/reinstatements?customer=${customer}`)).json()) as { items: unknown[] }).items
    .length;

describe('one of what must exist once', () => {
  it('starts one scan for ten requests at once; the others are answered the running one', async () => {
    const before = await rowsOf(p.tables.TABLE_SCANS, 'scan');
    const answers = await all(10, () => p.partner('/api/scans', { method: 'POST' }));
    expect(answers.filter((a) => a.status >= 500)).toEqual([]);
    const parsed = answers.map((a) => JSON.parse(a.body) as { scanId: string; existing: boolean });
    expect(answers.filter((a) => a.status === 202)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 200)).toHaveLength(9);
    expect(new Set(parsed.map((a) => a.scanId)).size).toBe(1);
    expect(parsed.filter((a) => a.existing)).toHaveLength(9);
    expect((await rowsOf(p.tables.TABLE_SCANS, 'scan')) - before).toBe(1);
    await p.settle();
  });

  it('makes one bulk job of ten identical bodies at once, and starts each row once', async () => {
    const { customers, csv } = bulkRows(3);
    const jobsBefore = await rowsOf(p.tables.TABLE_BULK_JOBS, 'job');
    const post = () =>
      p.partner('/api/reinstatements/bulk', {
        method: 'POST',
        body: csv,
        headers: { 'content-type': 'text/csv' },
      });
    const answers = await all(10, post);
    expect(answers.filter((a) => a.status >= 500)).toEqual([]);
    expect(answers.filter((a) => a.status === 202)).toHaveLength(1);
    const parsed = answers.map(
      (a) => JSON.parse(a.body) as { jobId: string; existing: boolean; valid: number },
    );
    expect(new Set(parsed.map((a) => a.jobId)).size).toBe(1);
    expect(parsed.filter((a) => a.existing)).toHaveLength(9);
    expect(parsed.every((a) => a.valid === 3)).toBe(true);
    expect((await rowsOf(p.tables.TABLE_BULK_JOBS, 'job')) - jobsBefore).toBe(1);
    await p.settle();
    for (const c of customers) expect(await reinstatementsOf(c)).toBe(1);
    // The same body ten minutes on is a new submission (its rows answer the running ones).
    await p.advance('11m');
    const later = await post();
    expect(later.status).toBe(202);
    expect(((await later.json()) as { jobId: string }).jobId).not.toBe(parsed[0]?.jobId);
  });

  it('keeps an Idempotency-Key for a day, and refuses it for a different body', async () => {
    const first = bulkRows(1);
    const second = bulkRows(1);
    const key = randomUUID();
    const post = (csv: string, idempotencyKey: string) =>
      p.partner('/api/reinstatements/bulk', {
        method: 'POST',
        body: csv,
        headers: { 'content-type': 'text/csv', 'idempotency-key': idempotencyKey },
      });
    const answers = await Promise.all(Array.from({ length: 5 }, () => post(first.csv, `"${key}"`)));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 200, 202]);
    const jobId = ((await answers[0]?.json()) as { jobId: string }).jobId;
    await p.advance('3h');
    const again = await post(first.csv, key);
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ jobId, existing: true });
    const reused = await post(second.csv, key);
    expect(reused.status).toBe(422);
    expect(await reused.json()).toMatchObject({ title: 'Idempotency-Key reused', field: 'Idempotency-Key' });
    const bad = await post(second.csv, 'two words');
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toContain('Idempotency-Key');
    await p.settle();
    expect(await reinstatementsOf(second.customers[0] as string)).toBe(0);
  });

  it("makes one job of the console's bulk start posted five times at once", async () => {
    const { customers, csv } = bulkRows(2);
    const admin = await signInAs(p.host.url, 'partner.admin@partner.example', p.cloud.pki.trustedRootsPem);
    const answers = await Promise.all(
      Array.from({ length: 5 }, () =>
        admin('/api/console/bulk/start', {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ csv }).toString(),
        }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual([303, 303, 303, 303, 303]);
    expect(new Set(answers.map((a) => a.headers.get('location'))).size).toBe(1);
    await p.settle();
    for (const c of customers) expect(await reinstatementsOf(c)).toBe(1);
  });

  it("completes the consent step once when Entra's redirect back arrives five times at once", async () => {
    const begin = await p.partner('/api/identity/consent', { redirect: 'manual' });
    const authorize = new URL(begin.headers.get('location') ?? '');
    authorize.searchParams.set('login_hint', p.cloud.state.partnerAdmin.userPrincipalName);
    const back = (await redirectOf(authorize, p.cloud.pki.trustedRootsPem)) ?? '';
    expect(back).toContain('/api/identity/consent/callback?');
    const answers = await all(5, () => p.anonymous(back.slice(back.indexOf('/api/'))));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 400, 400, 400, 400]);
  });
});
