import { randomUUID } from 'node:crypto';
import { TableClient } from '@azure/data-tables';
import { CUSTOMER_TENANT, SUBSCRIPTION } from '../support/fixtures';
import { linkIn, startProduct, type Product } from '../support/productHarness';

/**
 * The watch, through the whole app on Azurite: a customer whose Owner grant its administrator removes
 * with ARM's real DELETE is reported newly-lost by the next scan, beside a subscription that regains
 * access, one Partner Center no longer lists, and a new customer; the scheduled scan and manual
 * requests at the same moment run one scan; the change filter is validated. Then the team is alerted
 * once (one digest mail, one Teams card, one signed JSON post, whoever asks at the same moment), the
 * customer is reinstated from the alert's facts, and the next watch reports the access regained.
 */
let p: Product;
beforeAll(async () => {
  // The digest's timer is registered but due only on 1 January: the test runs it when it wants.
  p = await startProduct({
    WATCHDOG_SCHEDULE: '0 0 0 1 1 *',
    SCAN_SCHEDULE: '0 30 5 * * *',
    DIGEST_SCHEDULE: '0 0 7 1 1 *',
  });
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
    const northwind = p.cloud.state.addCustomer(randomUUID(), [arriving], 'Northwind Dental');
    // Contoso Pharmacy's Azure plan was replaced in Partner Center since the first scan.
    const pharmacy = [...p.cloud.state.customers.values()].find((c) => c.subscriptions.includes(regaining));
    if (pharmacy) pharmacy.azurePlanId = randomUUID();
    const lists = (tenantId: string) =>
      p.cloud.requestsByEndpoint.get(`GET /v1/customers/${tenantId}/subscriptions`) ?? 0;
    const listedBefore = [CUSTOMER_TENANT, pharmacy?.tenantId ?? '', northwind.tenantId].map(lists);
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
    // The cheap signal: a customer whose Azure plan the first scan listed is asked that plan's
    // subscriptions directly (no listing); a replaced plan (404) and a new customer are listed.
    const listedAfter = [CUSTOMER_TENANT, pharmacy?.tenantId ?? '', northwind.tenantId].map(lists);
    expect(listedAfter.map((n, i) => n - (listedBefore[i] ?? 0))).toEqual([0, 1, 1]);

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

  interface Posted {
    type: string;
    digestId: string;
    headline: string;
    alerts: {
      kind: string;
      label: string;
      customerTenantId?: string;
      subscriptionId?: string;
      link: string;
    }[];
  }
  const jsonPosts = () => p.cloud.alertReceivers.json.map((r) => r.body as Posted);
  const cardTexts = (i: number) =>
    JSON.stringify(p.cloud.alertReceivers.teams[i]?.body ?? {}).match(/"text":"[^"]*"/g) ?? [];

  it('alerts the team once, by mail, Teams and signed JSON, when eight people and the schedule ask at once', async () => {
    const answers = await Promise.all([
      ...Array.from({ length: 8 }, () => p.partner('/api/alerts/digest', { method: 'POST' })),
      p.host.runTimerNow('alertDigest').then(() => undefined),
    ]);
    const states = await Promise.all(
      answers
        .filter((a): a is Response => a !== undefined)
        .map(async (a) => {
          expect(a.status).toBe(200);
          return ((await a.json()) as { state: string }).state;
        }),
    );
    expect(states.filter((s) => s === 'sent').length).toBeLessThanOrEqual(1);
    await p.settle();
    const digests = p.mailsTo('ops@partner.example');
    expect(digests).toHaveLength(1);
    expect(digests[0]?.subject).toMatch(
      /^Admin rights digest for \d{4}-\d{2}-\d{2}: 1 needs action: 1 admin rights lost; also 1 admin rights regained$/,
    );
    expect(digests[0]?.plainText).toContain(
      `: no admin rights on Azure subscription ${SUBSCRIPTION} (last had them`,
    );
    const overview = (await (await p.partner('/api/alerts')).json()) as { deliveries: unknown };
    expect(overview.deliveries).toMatchObject({ pending: 0, delivered: 2, problems: [] });
    // Teams: one Adaptive Card naming what was lost; the JSON tool: one post it could verify.
    expect(p.cloud.alertReceivers.teams).toHaveLength(1);
    expect(cardTexts(0).join(' ')).toContain('Admin rights lost (1)');
    expect(jsonPosts()).toHaveLength(1);
    expect([p.cloud.alertReceivers.repeats, p.cloud.alertReceivers.refused]).toEqual([0, []]);
    const lost = jsonPosts()[0]?.alerts.find((a) => a.kind === 'access-lost');
    expect(lost).toMatchObject({
      label: 'Admin rights lost',
      customerTenantId: CUSTOMER_TENANT.toLowerCase(),
      subscriptionId: SUBSCRIPTION,
    });
    // Its link opens the console's start form filled in for this customer and subscription.
    expect(lost?.link).toBe(
      `${p.host.url}/api/console/start?customerTenantId=${CUSTOMER_TENANT.toLowerCase()}&subscriptionId=${SUBSCRIPTION}`,
    );
    // Asked again with nothing new: nothing more is sent.
    const again = await p.partner('/api/alerts/digest', { method: 'POST' });
    expect(await again.json()).toEqual({ state: 'nothing-new' });
    await p.settle();
    expect(p.mailsTo('ops@partner.example')).toHaveLength(1);
  }, 120_000);

  it('reinstates from the alert, and the next watch and digest say the access is back', async () => {
    const lost = jsonPosts()[0]?.alerts.find((a) => a.kind === 'access-lost');
    const link = new URL(lost?.link ?? '');
    const started = await p.partner('/api/reinstatements', {
      method: 'POST',
      body: JSON.stringify({
        customerTenantId: link.searchParams.get('customerTenantId'),
        customerName: 'Contoso Ltd',
        contact: { name: 'Ada Admin', email: 'ada@contoso.com' },
        scopes: [`/subscriptions/${link.searchParams.get('subscriptionId')}`],
      }),
    });
    expect(started.status).toBe(202);
    const { id } = (await started.json()) as { id: string };
    await p.settle();
    await p.cloud.partnerCenter.accept(CUSTOMER_TENANT, false);
    await p.settle();
    const instructions = p.mailsTo('ada@contoso.com').find((m) => m.subject.includes('last step'));
    expect(linkIn(instructions?.plainText, /\/instructions/)).toBeTruthy();
    await p.grantOwner(`/subscriptions/${SUBSCRIPTION}`);
    await p.runVerificationTimer();
    const record = (await (await p.partner(`/api/reinstatements/${id}`)).json()) as { state: string };
    expect(record.state).toBe('Reinstated');

    const next = (await (await p.partner('/api/scans', { method: 'POST' })).json()) as { scanId: string };
    await scanToTheEnd(next.scanId);
    expect((await results(next.scanId, '&change=regained')).map((r) => r.subscriptionId)).toEqual([
      SUBSCRIPTION,
    ]);
    await p.advance('1m');
    const sent = (await (await p.partner('/api/alerts/digest', { method: 'POST' })).json()) as {
      state: string;
      headline: string;
    };
    expect(sent).toMatchObject({
      state: 'sent',
      headline: 'Nothing needs action: 1 admin rights regained, 1 admin rights back',
    });
    await p.settle();
    expect(p.mailsTo('ops@partner.example')).toHaveLength(2);
    expect(p.cloud.alertReceivers.teams).toHaveLength(2);
    expect(jsonPosts().map((j) => j.type)).toEqual(['alert-digest', 'alert-digest']);
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
