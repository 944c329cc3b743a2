import { randomUUID } from 'node:crypto';
import { startProduct, type Product } from '../support/productHarness';

/**
 * One Partner Center budget for every caller, through the whole app: a scan of 300 customers while
 * the verification timer asks Partner Center about 150 customers awaiting acceptance never sends more
 * than 500 requests in any minute of (simulated) time; a 429's Retry-After holds every caller back.
 */
let p: Product;
beforeAll(async () => {
  p = await startProduct({ WATCHDOG_SCHEDULE: '0 0 0 1 1 *', PARTNER_CENTER_CHECK_ENABLED: 'true' });
}, 180_000);
afterAll(() => p.stop());

const pcRequests = () => p.cloud.requests.get('partnerCenter') ?? 0;

describe('one Partner Center budget', () => {
  it('holds a scan and the reconciliation together to 500 requests in any minute', async () => {
    for (let i = 0; i < 300; i++) p.cloud.state.addCustomer(randomUUID(), [randomUUID()], `Customer ${i}`);
    // 150 reinstatements wait for acceptance of customers Partner Center does not know yet.
    const rows = Array.from(
      { length: 150 },
      (_, i) => `${randomUUID()},Waiting ${i},Ann,ann${i}@waiting.example,/subscriptions/${randomUUID()},,`,
    );
    const bulk = await p.partner('/api/reinstatements/bulk', {
      method: 'POST',
      headers: { 'content-type': 'text/csv' },
      body: [
        'customerTenantId,customerName,contactName,contactEmail,scopes,delegatedAdmin,note',
        ...rows,
      ].join('\n'),
    });
    expect(bulk.status).toBe(202);
    await p.settle();
    p.cloud.state.registration = undefined; // nothing tells the app about acceptances but its own checks

    // Requests counted per moment of simulated time (the clock stands still while the app settles).
    const seen: { at: number; requests: number }[] = [];
    let last = pcRequests();
    const note = () => {
      seen.push({ at: p.clock.now().getTime(), requests: pcRequests() - last });
      last = pcRequests();
    };
    const scan = await p.partner('/api/scans', { method: 'POST' });
    const { scanId } = (await scan.json()) as { scanId: string };
    await p.settle();
    note();
    for (let step = 0; step < 200; step++) {
      if (step % 3 === 1) await p.runVerificationTimer(); // the reconciliation, every 15 s
      await p.advance('5s');
      note();
      const status = (await (await p.partner(`/api/scans/${scanId}`)).json()) as { state: string };
      if (status.state === 'done' && step > 20) break;
    }
    const status = (await (await p.partner(`/api/scans/${scanId}`)).json()) as {
      state: string;
      customersScanned: number;
    };
    expect(status.state).toBe('done');
    expect(status.customersScanned).toBe(p.cloud.state.customers.size);
    const busiest = Math.max(
      ...seen.map(({ at }) =>
        seen.filter((s) => s.at > at - 60_000 && s.at <= at).reduce((n, s) => n + s.requests, 0),
      ),
    );
    expect(busiest).toBeLessThanOrEqual(500);
    expect(busiest).toBeGreaterThan(400); // the budget is used, not left idle
  }, 600_000);

  it("holds every caller back for Partner Center's Retry-After", async () => {
    await p.advance('61s'); // the scan's minute is over: the budget is free
    // Once the hold ends, the waiting reinstatements may ask Partner Center again too; the readiness
    // check's own requests are counted apart from theirs.
    const readinessRequests = () => p.cloud.requestsByEndpoint.get('GET /webhooks/v1/registration') ?? 0;
    const readinessBefore = readinessRequests();
    p.cloud.faults.set('partnerCenter', { rate429: 1, retryAfterSeconds: 30, limit: 1 });
    const readiness = async () =>
      (await (await p.partner('/api/webhooks/partner-center/readiness')).json()) as {
        error?: string;
      };
    const before = pcRequests();
    expect((await readiness()).error).toBeDefined(); // answered 429
    expect(pcRequests()).toBe(before + 1);
    const held = await readiness();
    expect(held.error).toMatch(/try again in (29|30) s/);
    expect(pcRequests()).toBe(before + 1); // not sent
    await p.advance('31s');
    expect((await readiness()).error).toBeUndefined();
    expect(readinessRequests()).toBe(readinessBefore + 2);
  });
});
