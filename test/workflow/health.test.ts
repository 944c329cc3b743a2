import { startProduct, type Product } from '../support/productHarness';

/**
 * `/api/health` as a load balancer and an operator read it: 200 while Table storage answers, with how
 * verification's identity stands; 503 naming storage when it does not, and the API's routes answer 503
 * (a dependency is down), not 500, meanwhile.
 */
let p: Product;
beforeAll(async () => {
  p = await startProduct({ WATCHDOG_SCHEDULE: '0 0 0 1 1 *' }, { ownStorage: true });
}, 60_000);
afterAll(async () => {
  await p.host.stop();
  await p.cloud.stop();
});

interface Health {
  status: string;
  storage: string;
  verificationIdentity: { mode: string; healthy: boolean; connected: boolean };
}

describe('/api/health', () => {
  it('answers 200 while storage answers, with the verification identity as it stands', async () => {
    const res = await p.anonymous('/api/health');
    expect(res.status).toBe(200);
    const health = (await res.json()) as Health;
    expect(health).toMatchObject({ status: 'ok', storage: 'ok' });
    expect(health.verificationIdentity).toMatchObject({ mode: 'secureApplicationModel', connected: true });
  });

  it('answers 503 naming storage when storage does not answer', async () => {
    await p.azurite.stop();
    const res = await p.anonymous('/api/health');
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.headers.get('retry-after')).toBeTruthy();
    const problem = (await res.json()) as { failing: string[]; detail: string };
    expect(problem.failing).toEqual(['storage']);
    expect(problem.detail).toContain('Table storage');
    const list = await p.partner('/api/reinstatements');
    expect(list.status).toBe(503);
  });
});
