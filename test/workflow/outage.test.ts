import { randomUUID } from 'node:crypto';
import { startProduct, type Product } from '../support/productHarness';

/**
 * When a service is down for good, every reinstatement still ends, as Failed with a reason a person
 * can act on, and the partner's team is told: retries stop at TRANSIENT_RETRY_HOURS (one hour here,
 * on simulated time).
 */
let p: Product;
beforeAll(async () => {
  p = await startProduct({ TRANSIENT_RETRY_HOURS: '1', WATCHDOG_SCHEDULE: '0 0 0 1 1 *' });
});
afterAll(() => p.stop());
afterEach(() => p.cloud.faults.clear());

interface View {
  state: string;
  stateReason?: string;
  failedIn?: string;
  trouble?: { step: string; attempts: number };
  audit: { what: string; details: Record<string, unknown> }[];
}

/** Starts `count` reinstatements for new customers whose contacts' addresses end in `@<tag>.example`. */
async function startMany(count: number, tag: string): Promise<string[]> {
  const rows = Array.from({ length: count }, (_, i) => {
    const tenant = randomUUID();
    const subscription = randomUUID();
    p.cloud.state.addCustomer(tenant, [subscription]);
    return `${tenant},Customer ${i},Admin ${i},admin${i}@${tag}.example,/subscriptions/${subscription},,`;
  });
  const res = await p.partner('/api/reinstatements/bulk', {
    method: 'POST',
    body: ['customerTenantId,customerName,contactName,contactEmail,scopes,delegatedAdmin,note', ...rows].join(
      '\n',
    ),
    headers: { 'content-type': 'text/csv' },
  });
  const { jobId } = (await res.json()) as { jobId: string };
  await p.settle();
  const job = (await (await p.partner(`/api/reinstatements/bulk/${jobId}`)).json()) as {
    results: { id: string }[];
  };
  return job.results.map((r) => r.id);
}
const view = async (id: string) => (await (await p.partner(`/api/reinstatements/${id}`)).json()) as View;
/** The team's alerts of a kind (GET /api/alerts lists the latest 100). */
const alertsOf = async (kind: string) =>
  (
    (await (await p.partner('/api/alerts')).json()) as {
      alerts: { kind: string; summary: string; reinstatementId?: string }[];
    }
  ).alerts.filter((a) => a.kind === kind);

it('Microsoft Graph down: every reinstatement fails at the group lookup, with why, and the partner is told', async () => {
  const ids = await startMany(20, 'graph-down');
  p.cloud.faults.set('graph', { rate5xx: 1 });
  for (const id of ids) await p.partner(`/api/reinstatements/${id}/acceptance`, { method: 'POST' });
  await p.settle();
  const during = await view(ids[0] as string);
  expect(during.state).toBe('Accepted');
  expect(during.trouble).toMatchObject({ step: 'looking up the partner group' });
  for (let i = 0; i < 10; i++) await p.advance('10m');
  const views = await Promise.all(ids.map(view));
  expect(views.map((v) => v.state)).toEqual(ids.map(() => 'Failed'));
  for (const v of views) {
    expect(v.failedIn).toBe('Accepted');
    expect(v.stateReason).toMatch(
      /^looking up the partner group: still failing after \d+ attempts over 1 h \(Microsoft Graph .*503/,
    );
    expect(v.audit.map((a) => a.what)).toEqual(expect.arrayContaining(['step-retrying', 'failed']));
  }
  // The team is told in the next digest: one alert per failed reinstatement, with the reason.
  const failed = (await alertsOf('reinstatement-failed')).filter((a) =>
    ids.includes(a.reinstatementId ?? ''),
  );
  expect(failed).toHaveLength(ids.length);
  expect(failed[0]?.summary).toContain(
    'the reinstatement failed: looking up the partner group: still failing',
  );
}, 300_000);

it('ACS down: invitations are given up after the deadline, with why, and the undeliverable notice is on record', async () => {
  p.cloud.faults.set('acs', { rate5xx: 1 });
  const ids = await startMany(20, 'acs-down');
  for (let i = 0; i < 10; i++) await p.advance('10m');
  const views = await Promise.all(ids.map(view));
  expect(views.map((v) => v.state)).toEqual(ids.map(() => 'Failed'));
  for (const v of views) {
    expect(v.failedIn).toBe('Requested');
    expect(v.stateReason).toMatch(
      /^the invitation could not be sent: ACS has been failing since .* \(last answer: HTTP 503/,
    );
  }
  // With ACS down the team's alerts are still recorded, for the digest (and the webhooks) to carry.
  const failed = (await alertsOf('reinstatement-failed')).filter((a) =>
    ids.includes(a.reinstatementId ?? ''),
  );
  expect(failed).toHaveLength(ids.length);
  expect(p.cloud.state.outbox.filter((m) => m.to[0]?.endsWith('@acs-down.example'))).toHaveLength(0);
  // Once ACS is back, a retry sends the invitation it never sent.
  p.cloud.faults.clear();
  const retried = await p.partner(`/api/reinstatements/${ids[0]}/retry`, { method: 'POST' });
  expect(retried.status).toBe(202);
  expect(await retried.json()).toEqual({ id: ids[0], state: 'Requested' });
  await p.settle();
  expect((await view(ids[0] as string)).state).toBe('InvitationSent');
});
