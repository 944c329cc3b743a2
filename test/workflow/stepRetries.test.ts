import { randomUUID } from 'node:crypto';
import { CUSTOMER_TENANT, SUBSCRIPTION } from '../support/fixtures';
import { startProduct, type Product } from '../support/productHarness';

/**
 * A step of a reinstatement that Microsoft throttles is retried on durable timers no sooner than
 * the service asked (Retry-After), the operator sees the trouble while it lasts, and it is cleared
 * (and the clearing audited) once the step succeeds.
 */
let p: Product;
beforeAll(async () => {
  p = await startProduct();
}, 60_000);
afterAll(() => p.stop());

interface View {
  state: string;
  trouble?: { step: string; attempts: number; since: string; nextAttemptAt: string };
  audit: { what: string; details?: Record<string, unknown> }[];
}
const view = async (id: string) => (await (await p.partner(`/api/reinstatements/${id}`)).json()) as View;

it("waits out Graph's Retry-After, shows the trouble meanwhile, and clears it once the lookup succeeds", async () => {
  const res = await p.partner('/api/reinstatements', {
    method: 'POST',
    body: JSON.stringify({
      customerTenantId: CUSTOMER_TENANT,
      customerName: 'Contoso Ltd',
      contact: { name: 'Ada', email: `ada+${randomUUID().slice(0, 6)}@contoso.com` },
      scopes: [`/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-retry`],
    }),
  });
  const { id } = (await res.json()) as { id: string };
  await p.settle();
  // Graph throttles every request and asks for 15 minutes.
  p.cloud.faults.set('graph', { rate429: 1, retryAfterSeconds: 900 });
  const throttledAt = p.clock.now().getTime();
  expect((await p.partner(`/api/reinstatements/${id}/acceptance`, { method: 'POST' })).status).toBe(202);
  await p.settle();

  const troubled = await view(id);
  expect(troubled.state).toBe('Accepted');
  expect(troubled.trouble).toMatchObject({ step: 'looking up the partner group', attempts: 1 });
  expect(Date.parse(troubled.trouble?.nextAttemptAt ?? '')).toBeGreaterThanOrEqual(throttledAt + 900_000);
  expect(troubled.audit.filter((a) => a.what === 'step-retrying')).toHaveLength(1);

  // Ten minutes on: nothing was asked again before the quarter of an hour Graph asked for.
  await p.advance('10m');
  expect((await view(id)).trouble?.attempts).toBe(1);

  p.cloud.faults.clear();
  await p.advance('8m'); // past the 15 minutes and their spread of at most 10 %
  const recovered = await view(id);
  expect(recovered.trouble).toBeUndefined();
  expect(recovered.state).toBe('AwaitingRoleAssignment');
  const whats = recovered.audit.map((a) => a.what);
  expect(whats.indexOf('step-recovered')).toBeGreaterThan(whats.indexOf('step-retrying'));
  expect(whats.indexOf('step-recovered')).toBeLessThan(whats.indexOf('instructions-sent'));
});
