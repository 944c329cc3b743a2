import { randomUUID } from 'node:crypto';
import { BUILT_IN_ROLES } from '../../lib/azure/builtInRoles';
import { getContainer } from '../../shared/app/container';
import { startProduct, type Product } from '../support/productHarness';

/**
 * The scan, through the whole app: 200 customers in the sandbox's Partner Center with a known mix —
 * access, none, a weaker role, Owner only on a resource group, a Partner Center error, two
 * subscriptions of which one is granted, an app not consented, a customer already being reinstated —
 * every subscription classified as it is; the findings CSV taken to a bulk start unchanged but for
 * the contacts; a resumed page checks nothing twice.
 */
let p: Product;
beforeAll(async () => {
  p = await startProduct({ WATCHDOG_SCHEDULE: '0 0 0 1 1 *', PARTNER_CENTER_START_CHECK: 'true' });
});
afterAll(() => p.stop());

type Expected = { outcome: string; finding?: string; inReinstatement?: boolean };
const expected = new Map<string, Expected>(); // `${tenant}/${subscription ?? ''}`

interface Status {
  state: string;
  customersListed: number;
  customersScanned: number;
  counts: {
    results: number;
    subscriptions: number;
    customersNotListed: number;
    hasAccess: number;
    lostAccess: number;
    couldNotCheck: number;
    inReinstatement: number;
  };
  findings: { customers: number; alreadyBeingReinstated: number; explanation?: string };
}
interface Result {
  customerTenantId: string;
  subscriptionId?: string;
  outcome: string;
  finding?: string;
  explanation: string;
  inReinstatement?: string;
}

async function sandboxOf200(): Promise<void> {
  const state = p.cloud.state;
  // The harness's own customer has no grant.
  for (const c of state.customers.values())
    for (const s of c.subscriptions)
      expected.set(`${c.tenantId.toLowerCase()}/${s}`, { outcome: 'lost-access', finding: 'no-access' });
  for (let i = 0; i < 200; i++) {
    const tenant = randomUUID();
    const kind = i % 10;
    const subscriptions = kind === 4 || kind === 7 ? [randomUUID(), randomUUID()] : [randomUUID()];
    const customer = state.addCustomer(tenant, subscriptions, `Customer ${i}`, {
      ...(kind === 3 ? { entitlementsError: 403 } : {}),
      ...(kind === 5 ? { partnerAppConsented: false } : {}),
    });
    const [first, second] = customer.subscriptions as [string, string | undefined];
    const key = (s: string) => `${tenant}/${s}`;
    if (kind === 0) {
      state.grantOwnerToPartner(`/subscriptions/${first}`);
      expected.set(key(first), { outcome: 'has-access' });
    } else if (kind === 1) {
      const owner = state.grantOwnerToPartner(`/subscriptions/${first}`);
      state.roleAssignments.set(owner.name, {
        ...owner,
        roleDefinitionId: owner.roleDefinitionId.replace(BUILT_IN_ROLES.Owner, BUILT_IN_ROLES.Reader),
      });
      expected.set(key(first), { outcome: 'lost-access', finding: 'wrong-role' });
    } else if (kind === 2) {
      state.grantOwnerToPartner(`/subscriptions/${first}/resourceGroups/rg-app`);
      expected.set(key(first), { outcome: 'lost-access', finding: 'narrower-scope' });
    } else if (kind === 3) {
      expected.set(`${tenant}/`, { outcome: 'could-not-check' });
    } else if (kind === 4) {
      state.grantOwnerToPartner(`/subscriptions/${first}`);
      expected.set(key(first), { outcome: 'has-access' });
      expected.set(key(second as string), { outcome: 'lost-access', finding: 'no-access' });
    } else if (kind === 5) {
      expected.set(key(first), { outcome: 'could-not-check', finding: 'partner-identity' });
    } else if (kind === 6 || kind === 7) {
      // Being reinstated on the first subscription; kind 7's second is not, and is still a finding.
      const started = await p.partner('/api/reinstatements', {
        method: 'POST',
        body: JSON.stringify({
          customerTenantId: tenant,
          customerName: `Customer ${i}`,
          contact: { name: 'Ada', email: `ada${i}@customer.example` },
          scopes: [`/subscriptions/${first}`],
        }),
      });
      expect(started.status).toBe(202);
      expected.set(key(first), { outcome: 'lost-access', finding: 'no-access', inReinstatement: true });
      if (second) expected.set(key(second), { outcome: 'lost-access', finding: 'no-access' });
    } else {
      expected.set(key(first), { outcome: 'lost-access', finding: 'no-access' });
    }
  }
  await p.settle();
}

async function scanToTheEnd(scanId: string): Promise<Status> {
  for (let i = 0; i < 500; i++) {
    const status = (await (await p.partner(`/api/scans/${scanId}`)).json()) as Status;
    if (status.state === 'done') return status;
    // Small steps of simulated time: the scan's pacing waits, without jumping to reinstatements' own
    // timers days ahead.
    await p.advance('20s');
  }
  throw new Error('the scan did not finish');
}

describe("the scan of the partner's customers", () => {
  let scanId: string;
  let remaining = 0;
  let results: Result[];

  it('classifies every Azure subscription of 200 customers as it is, paced to Partner Center', async () => {
    await sandboxOf200();
    const customers = p.cloud.state.customers.size;
    const pcBefore = p.cloud.requests.get('partnerCenter') ?? 0;
    const started = p.clock.now().getTime();
    const res = await p.partner('/api/scans', { method: 'POST' });
    expect(res.status).toBe(202);
    scanId = ((await res.json()) as { scanId: string }).scanId;
    // A second request while it runs answers the running one.
    const again = await p.partner('/api/scans', { method: 'POST' });
    expect(again.status).toBe(200);
    expect(((await again.json()) as { scanId: string }).scanId).toBe(scanId);

    const status = await scanToTheEnd(scanId);
    expect(status.customersListed).toBe(customers);
    expect(status.customersScanned).toBe(customers);

    results = [];
    let token: string | undefined;
    do {
      const page = (await (
        await p.partner(
          `/api/scans/${scanId}/results?pageSize=77${token ? `&continuationToken=${encodeURIComponent(token)}` : ''}`,
        )
      ).json()) as { items: Result[]; continuationToken?: string };
      results.push(...page.items);
      token = page.continuationToken;
    } while (token);
    const seen = new Map(results.map((r) => [`${r.customerTenantId}/${r.subscriptionId ?? ''}`, r]));
    expect(seen.size).toBe(expected.size);
    for (const [key, want] of expected) {
      const got = seen.get(key);
      expect([key, got?.outcome, got?.finding, Boolean(got?.inReinstatement)]).toEqual([
        key,
        want.outcome,
        want.finding,
        Boolean(want.inReinstatement),
      ]);
    }
    expect(status.counts).toMatchObject({
      hasAccess: [...expected.values()].filter((e) => e.outcome === 'has-access').length,
      lostAccess: [...expected.values()].filter((e) => e.outcome === 'lost-access').length,
      couldNotCheck: [...expected.values()].filter((e) => e.outcome === 'could-not-check').length,
      inReinstatement: 40,
    });
    // The counts add up, both ways: per subscription or unlisted customer, and per outcome.
    const { counts } = status;
    expect(counts.results).toBe(expected.size);
    expect(counts.subscriptions + counts.customersNotListed).toBe(counts.results);
    expect(counts.hasAccess + counts.lostAccess + counts.couldNotCheck).toBe(counts.results);
    expect(counts.customersNotListed).toBe(20);
    const lostNotBeingReinstated = new Set(
      [...expected.entries()]
        .filter(([, e]) => e.outcome === 'lost-access' && !e.inReinstatement)
        .map(([key]) => key.split('/')[0]),
    );
    expect(status.findings).toEqual({ customers: lostNotBeingReinstated.size, alreadyBeingReinstated: 20 });
    // Partner Center's 403 on a customer's subscriptions, said as what to check.
    const unlisted = results.filter((r) => !r.subscriptionId);
    expect(unlisted).toHaveLength(20);
    for (const r of unlisted)
      expect(r.explanation).toMatch(
        /^Partner Center refused to list this customer's Azure subscriptions \(403 Forbidden\): .*check in Partner Center/,
      );
    // Paced: Partner Center's calls, spread at no more than 500 a minute of (simulated) time.
    const pcCalls = (p.cloud.requests.get('partnerCenter') ?? 0) - pcBefore;
    const minutes = (p.clock.now().getTime() - started) / 60_000;
    expect(pcCalls / minutes).toBeLessThanOrEqual(500);
    const partial = results.find((r) => r.finding === 'narrower-scope');
    expect(partial?.explanation).toContain('Owner is assigned on resource group rg-app');
  }, 300_000);

  it('resumes a page without checking a subscription twice', async () => {
    const arm = p.cloud.requests.get('arm') ?? 0;
    const pc = p.cloud.requests.get('partnerCenter') ?? 0;
    const { activities } = await getContainer();
    const again = await activities.scanCustomers({ scanId, page: 0 });
    expect(again).toEqual({ kind: 'done', value: { scanned: 0, calls: 0 } });
    expect(p.cloud.requests.get('arm') ?? 0).toBe(arm);
    expect(p.cloud.requests.get('partnerCenter') ?? 0).toBe(pc);
  });

  it('gives the lost customers as a bulk-start CSV that bulk start takes once contacts are filled in', async () => {
    const res = await p.partner(`/api/scans/${scanId}/findings.csv`);
    expect(res.headers.get('content-type')).toContain('text/csv');
    const csv = await res.text();
    const [header, ...rows] = csv.trim().split('\n');
    expect(header).toBe(
      'customerTenantId,customerName,contactName,contactEmail,scopes,delegatedAdmin,note,language',
    );
    // The language cell holds DEFAULT_LANGUAGE, for the partner to change per customer.
    for (const row of rows) expect(row.split(',').at(-1)).toBe('en');
    const lostCustomers = new Set(
      [...expected.entries()]
        .filter(([, e]) => e.outcome === 'lost-access' && !e.inReinstatement)
        .map(([key]) => key.split('/')[0]),
    );
    expect(rows).toHaveLength(lostCustomers.size);
    // The partner fills in the contacts of the first half and posts those rows as they are.
    const half = rows.slice(0, Math.ceil(rows.length / 2));
    const filled = [
      header,
      ...half.map((r, i) => r.replace(/^([^,]+,[^,]+),,/, `$1,Admin ${i},admin${i}@customer.example`)),
    ].join('\n');
    const bulk = await p.partner('/api/reinstatements/bulk', {
      method: 'POST',
      body: filled,
      headers: { 'content-type': 'text/csv' },
    });
    expect(bulk.status).toBe(202);
    expect(await bulk.json()).toMatchObject({ valid: half.length, invalid: 0 });
    remaining = rows.length - half.length;
  });

  it('starts reinstatements for chosen findings in one call, and refuses a customer that is not a finding', async () => {
    await p.settle(); // the bulk job of the test before has started its reinstatements
    const scan2 = await p.partner('/api/scans', { method: 'POST' });
    const id2 = ((await scan2.json()) as { scanId: string }).scanId;
    await scanToTheEnd(id2);
    const csv = await (await p.partner(`/api/scans/${id2}/findings.csv`)).text();
    // Those being reinstated now are no longer findings; the other half still are.
    const left = csv.trim().split('\n').slice(1);
    expect(left).toHaveLength(remaining);
    const chosen = left.slice(0, 2).map((row) => row.split(',')[0] as string);
    const started = await p.partner(`/api/scans/${id2}/reinstatements`, {
      method: 'POST',
      body: JSON.stringify({
        customers: chosen.map((customerTenantId, i) => ({
          customerTenantId,
          contact: { name: `Chosen ${i}`, email: `chosen${i}@customer.example` },
          ...(i === 0 ? { language: 'de' } : {}),
        })),
      }),
    });
    expect(started.status).toBe(202);
    expect(await started.json()).toMatchObject({ valid: 2, invalid: 0 });
    await p.settle();
    for (const tenant of chosen) {
      const list = (await (await p.partner(`/api/reinstatements?customer=${tenant}`)).json()) as {
        items: { scopes: { scope: string }[] }[];
      };
      // One new reinstatement for the finding's scopes (a customer may have one already for another).
      const row = left.find((r) => r.startsWith(tenant)) ?? '';
      expect(list.items.filter((item) => row.includes(item.scopes[0]?.scope ?? '-'))).toHaveLength(1);
    }
    // Each chosen customer is written to in the language given for them, else the default language.
    const invitationLanguage = (address: string) =>
      /<html lang="([^"]+)"/.exec(p.cloud.state.outbox.find((m) => m.to.includes(address))?.html ?? '')?.[1];
    expect(invitationLanguage('chosen0@customer.example')).toBe('de');
    expect(invitationLanguage('chosen1@customer.example')).toBe('en');
    const refused = await p.partner(`/api/scans/${id2}/reinstatements`, {
      method: 'POST',
      body: JSON.stringify({
        customers: [{ customerTenantId: randomUUID(), contact: { name: 'A', email: 'a@b.example' } }],
      }),
    });
    expect(refused.status).toBe(400);
    expect(JSON.stringify(await refused.json())).toContain(
      'is not among the customers this scan found without access',
    );
    const rest = left.map((row) => row.split(',')[0] as string).filter((tenant) => !chosen.includes(tenant));
    const startedRest = await p.partner(`/api/scans/${id2}/reinstatements`, {
      method: 'POST',
      body: JSON.stringify({
        customers: rest.map((customerTenantId, i) => ({
          customerTenantId,
          contact: { name: `Rest ${i}`, email: `rest${i}@customer.example` },
        })),
      }),
    });
    expect(startedRest.status).toBe(202);
    await p.settle();
  }, 300_000);

  it('says why there is nothing to start when every customer without access is being reinstated', async () => {
    const res = await p.partner('/api/scans', { method: 'POST' });
    const id3 = ((await res.json()) as { scanId: string }).scanId;
    const status = await scanToTheEnd(id3);
    expect(status.findings.customers).toBe(0);
    expect(status.findings.explanation).toBe(
      `All ${status.findings.alreadyBeingReinstated} customers that lost access are already being reinstated: there is nothing to start.`,
    );
    // The findings file says so on a note line before the header, and bulk start reads past it.
    const csv = await (await p.partner(`/api/scans/${id3}/findings.csv`)).text();
    const [note, header, ...rows] = csv.trim().split(/\r?\n/);
    expect(note).toBe(`# ${status.findings.explanation}`);
    expect(rows).toEqual([]);
    const tenant = randomUUID();
    const subscription = randomUUID();
    p.cloud.state.addCustomer(tenant, [subscription]);
    const bulk = await p.partner('/api/reinstatements/bulk', {
      method: 'POST',
      body: [note, header, `${tenant},New Ltd,Ann,ann@new.example,/subscriptions/${subscription},,,en`].join(
        '\r\n',
      ),
      headers: { 'content-type': 'text/csv' },
    });
    expect(bulk.status).toBe(202);
    expect(await bulk.json()).toMatchObject({ valid: 1, invalid: 0 });
  }, 300_000);
});
