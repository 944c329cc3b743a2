import { randomUUID } from 'node:crypto';
import { TableClient } from '@azure/data-tables';
import { CUSTOMER_TENANT, SUBSCRIPTION } from '../support/fixtures';
import { startProduct, type Product } from '../support/productHarness';

/**
 * The watch, through the whole app on Azurite: a customer whose Owner grant its administrator removes
 * with ARM's real DELETE is reported newly-lost by the next scan, beside a subscription that regains
 * access, one Partner Center no longer lists, and a new customer; the scheduled scan and manual
 * requests at the same moment run one scan; the change filter is validated.
 */
let p: Product;
beforeAll(async () => {
  p = await startProduct({ WATCHDOG_SCHEDULE: '0 0 0 1 1 *', SCAN_SCHEDULE: '0 30 5 * * *' });
});
afterAll(() => p.stop());

interface Result {
  customerTenantId: string;
  customerName: string;
  subscriptionId?: string;
  outcome: string;
  change?: string;
  lastAccessAt?: string;
  accessSince?: string;
  checkedAt: string;
}
interface Status {
  state: string;
  previousScanId?: string;
  counts: Record<string, number>;
}

async function scanToTheEnd(scanId: string): Promise<Status> {
  for (let i = 0; i < 200; i++) {
    const status = (await (await p.partner(`/api/scans/${scanId}`)).json()) as Status;
    if (status.state === 'done') return status;
    await p.advance('20s');
  }
  throw new Error('the scan did not finish');
}

async function results(scanId: string, query = ''): Promise<Result[]> {
  const res = await p.partner(`/api/scans/${scanId}/results?pageSize=1000${query}`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { items: Result[] }).items;
}

const bySubscription = (items: Result[]) =>
  new Map(items.map((r) => [r.subscriptionId ?? r.customerTenantId, r]));

describe('the watch over every customer', () => {
  const regaining = randomUUID();
  const leaving = randomUUID();
  const arriving = randomUUID();
  let first: string;
  let firstCheck: string;

  it('runs one scan when the schedule fires and eight people ask for one at the same moment', async () => {
    await p.grantOwner(`/subscriptions/${SUBSCRIPTION}`);
    p.cloud.state.addCustomer(randomUUID(), [regaining], 'Contoso Pharmacy');
    p.cloud.state.addCustomer(randomUUID(), [leaving], 'Litware Bakery');
    const answers = await Promise.all([
      ...Array.from({ length: 8 }, () => p.partner('/api/scans', { method: 'POST' })),
      p.host.runTimerNow('scheduledScan').then(() => undefined),
    ]);
    const started = answers.filter((a): a is Response => a !== undefined);
    expect(started.every((a) => a.status === 202 || a.status === 200)).toBe(true);
    const ids = new Set(
      await Promise.all(started.map(async (a) => ((await a.json()) as { scanId: string }).scanId)),
    );
    const table = TableClient.fromConnectionString(p.azurite.connectionString, p.tables.TABLE_SCANS, {
      allowInsecureConnection: true,
    });
    const records: string[] = [];
    for await (const e of table.listEntities<{ id: string }>({
      queryOptions: { filter: "RowKey eq 'scan'" },
    }))
      records.push(e.id);
    expect(records).toHaveLength(1);
    expect([...ids]).toEqual(records);
    first = records[0] ?? '';
    const status = await scanToTheEnd(first);
    expect(status.previousScanId).toBeUndefined();
    const items = bySubscription(await results(first));
    expect([...items.values()].map((r) => r.change)).toEqual(['new', 'new', 'new']);
    const ours = items.get(SUBSCRIPTION);
    expect(ours?.outcome).toBe('has-access');
    expect(ours?.accessSince).toBe(ours?.checkedAt);
    firstCheck = ours?.checkedAt ?? '';
  }, 120_000);

  it("reports newly-lost after the customer's admin deletes the grant with ARM, and what else moved", async () => {
    // ARM's DELETE answers 200 with the assignment, then 204 for one that no longer exists.
    expect(await p.removeOwner(`/subscriptions/${SUBSCRIPTION}`)).toBe(1);
    p.cloud.state.grantOwnerToPartner(`/subscriptions/${regaining}`);
    const gone = [...p.cloud.state.customers.values()].find((c) => c.subscriptions.includes(leaving));
    p.cloud.state.customers.delete(gone?.tenantId.toLowerCase() ?? '');
    p.cloud.state.addCustomer(randomUUID(), [arriving], 'Northwind Dental');
    // A day later the schedule's watch has started by itself; a request meanwhile joins it.
    await p.advance('1d');
    const started = await p.partner('/api/scans', { method: 'POST' });
    expect(started.status).toBe(200);
    const { scanId, existing } = (await started.json()) as { scanId: string; existing: boolean };
    expect([existing, scanId === first]).toEqual([true, false]);
    const status = await scanToTheEnd(scanId);
    expect(status).toMatchObject({ createdBy: 'schedule' });
    expect(status.previousScanId).toBe(first);
    expect(status.counts).toMatchObject({ newlyLost: 1, regained: 1, gone: 1, subscriptions: 3 });

    const items = bySubscription(await results(scanId));
    expect(items.get(SUBSCRIPTION)).toMatchObject({
      customerTenantId: CUSTOMER_TENANT.toLowerCase(),
      outcome: 'lost-access',
      change: 'newly-lost',
      lastAccessAt: firstCheck,
    });
    expect(items.get(SUBSCRIPTION)?.accessSince).toBeUndefined();
    expect(items.get(regaining)).toMatchObject({ outcome: 'has-access', change: 'regained' });
    expect(items.get(leaving)).toMatchObject({ change: 'gone', customerName: 'Litware Bakery' });
    expect(items.get(arriving)).toMatchObject({ outcome: 'lost-access', change: 'new' });

    const newlyLost = await results(scanId, '&change=newly-lost');
    expect(newlyLost.map((r) => r.subscriptionId)).toEqual([SUBSCRIPTION]);
    expect((await results(scanId, '&change=gone')).map((r) => r.subscriptionId)).toEqual([leaving]);
    // What is gone is not a finding to reinstate.
    const csv = await (await p.partner(`/api/scans/${scanId}/findings.csv`)).text();
    expect(csv).toContain(SUBSCRIPTION);
    expect(csv).not.toContain(leaving);
  }, 120_000);

  it('refuses a change it does not know, naming the parameter, for hostile spellings too', async () => {
    for (const bad of [
      'lost',
      'newly-lost%09',
      'newly-lost%0D%0A',
      '%E3%80%80new',
      '__proto__',
      'constructor',
      'NEW',
    ]) {
      const res = await p.partner(`/api/scans/${first}/results?change=${bad}`);
      expect(res.status).toBe(400);
      const problem = (await res.json()) as { errors?: { field: string }[] };
      expect(JSON.stringify(problem)).toContain('change');
    }
  });
});
