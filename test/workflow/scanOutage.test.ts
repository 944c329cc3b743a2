import { startProduct, type Product } from '../support/productHarness';

/**
 * A scan Partner Center never answers: retried on durable timers until TRANSIENT_RETRY_HOURS (one
 * hour here, simulated), then ended with the reason on its record, never left running in silence.
 */
let p: Product;
beforeAll(async () => {
  p = await startProduct({ TRANSIENT_RETRY_HOURS: '1', WATCHDOG_SCHEDULE: '0 0 0 1 1 *' });
});
afterAll(() => p.stop());

it('says why when Partner Center never lists the customers', async () => {
  p.cloud.faults.set('partnerCenter', { rate5xx: 1 });
  const res = await p.partner('/api/scans', { method: 'POST' });
  expect(res.status).toBe(202);
  const { scanId } = (await res.json()) as { scanId: string };
  let status: { state: string; customersListed?: number; stoppedBecause?: string } = { state: 'running' };
  for (let i = 0; i < 500 && status.state !== 'done'; i++) {
    await p.toNextTimer();
    status = (await (await p.partner(`/api/scans/${scanId}`)).json()) as typeof status;
  }
  expect(status).toMatchObject({ state: 'done', customersListed: 0 });
  expect(status.stoppedBecause).toContain('listing customers');
  expect(status.stoppedBecause).toContain('503');
}, 120_000);
