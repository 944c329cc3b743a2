import { randomUUID } from 'node:crypto';
import { CUSTOMER_TENANT, SUBSCRIPTION } from '../support/fixtures';
import { startProduct, type Product } from '../support/productHarness';

let p: Product;
beforeAll(async () => {
  p = await startProduct();
});
afterAll(() => p.stop());
afterEach(() => p.cloud.faults.clear());

const sub = `/subscriptions/${SUBSCRIPTION}`;
interface View {
  state: string;
  stateReason?: string;
  scopes: { scope: string; status: string }[];
  audit: { what: string; actor: string }[];
}

/** Each scenario uses its own resource groups, so the one-running-per-scopes lock never joins them. */
async function start(scopes: string[] = [`${sub}/resourceGroups/rg-${randomUUID().slice(0, 8)}`]) {
  const res = await p.partner('/api/reinstatements', {
    method: 'POST',
    body: JSON.stringify({
      customerTenantId: CUSTOMER_TENANT,
      customerName: 'Contoso Ltd',
      contact: { name: 'Ada', email: `ada+${randomUUID().slice(0, 6)}@contoso.com` },
      scopes,
    }),
  });
  expect(res.status).toBe(202);
  const { id } = (await res.json()) as { id: string };
  await p.settle();
  return { id, scopes };
}
const view = async (id: string) => (await (await p.partner(`/api/reinstatements/${id}`)).json()) as View;
const post = (id: string, action: string) =>
  p.partner(`/api/reinstatements/${id}/${action}`, { method: 'POST' });
const orchestration = async (id: string) =>
  (await (
    await p.anonymous(`/runtime/webhooks/durabletask/instances/${id}?code=test-master-key`)
  ).json()) as { runtimeStatus: string; customStatus: { step: string } };

describe('the reinstatement orchestration, through the offline runtime with a controllable clock', () => {
  it('moves on when the partner confirms acceptance, and shows the current step in custom status', async () => {
    const { id, scopes } = await start();
    expect((await orchestration(id)).customStatus).toEqual({ step: 'waiting for acceptance' });
    expect((await post(id, 'acceptance')).status).toBe(202);
    await p.settle();
    expect((await view(id)).state).toBe('AwaitingRoleAssignment');
    expect((await orchestration(id)).customStatus.step).toContain(
      'waiting for role assignments (0 of 1 verified)',
    );
    expect((await view(id)).audit.find((a) => a.what === 'accepted')?.actor).toBe('partner');
    await p.grantOwner(scopes[0] as string);
    expect((await (await post(id, 'verify')).json()) as { verified: number }).toMatchObject({ verified: 1 });
    await p.settle();
    expect((await view(id)).state).toBe('Reinstated');
    expect((await orchestration(id)).runtimeStatus).toBe('Completed');
  });

  it('does not ask a customer who granted Owner before the instructions went: Reinstated, thanked', async () => {
    const { id, scopes } = await start();
    const contact = (await view(id)) as View & { contact: { email: string } };
    await p.grantOwner(scopes[0] as string);
    expect((await post(id, 'acceptance')).status).toBe(202);
    await p.settle();
    const done = await view(id);
    expect(done.state).toBe('Reinstated');
    expect(done.audit.map((a) => a.what)).toEqual(
      expect.arrayContaining(['accepted', 'partner-group-found', 'scope-verified', 'reinstated']),
    );
    expect(done.audit.map((a) => a.what)).not.toContain('instructions-sent');
    const subjects = p.mailsTo(contact.contact.email).map((m) => m.subject);
    expect(subjects).toHaveLength(2); // the invitation and the thanks, no instructions
    expect(subjects.some((s) => /last step/i.test(s))).toBe(false);
  });

  it('keeps an acceptance that arrives before the orchestration waits for it', async () => {
    // Raised straight after the start, before any episode has run.
    const res = await p.partner('/api/reinstatements', {
      method: 'POST',
      body: JSON.stringify({
        customerTenantId: CUSTOMER_TENANT,
        customerName: 'Early',
        contact: { name: 'Ada', email: 'early@contoso.com' },
        scopes: [`${sub}/resourceGroups/rg-early`],
      }),
    });
    const { id } = (await res.json()) as { id: string };
    await p.anonymous(
      `/runtime/webhooks/durabletask/instances/${id}/raiseEvent/Accepted?code=test-master-key`,
      { method: 'POST', body: JSON.stringify({ via: 'webhook', eventId: 'early' }) },
    );
    await p.settle();
    expect((await view(id)).state).toBe('AwaitingRoleAssignment');
  });

  it('keeps a Partner Center acceptance that arrives before the invitation was even recorded', async () => {
    const res = await p.partner('/api/reinstatements', {
      method: 'POST',
      body: JSON.stringify({
        customerTenantId: CUSTOMER_TENANT,
        customerName: 'Quick',
        contact: { name: 'Ada', email: 'quick@contoso.com' },
        scopes: [`${sub}/resourceGroups/rg-quick`],
      }),
    });
    const { id } = (await res.json()) as { id: string };
    expect((await view(id)).state).toBe('Requested');
    await p.cloud.partnerCenter.accept(CUSTOMER_TENANT, false); // signed webhook, at once
    await p.settle();
    const v = await view(id);
    expect(v.state).toBe('AwaitingRoleAssignment');
    expect(v.audit.map((a) => a.what)).toEqual(expect.arrayContaining(['webhook-received', 'accepted']));
  });

  it('sends reminders on day 3 and 7, then takes the acceptance', async () => {
    const { id } = await start();
    await p.advance('3d');
    await p.advance('4d');
    const reminders = (await view(id)).audit.filter((a) => a.what === 'invitation-reminder-sent');
    expect(reminders).toHaveLength(2);
    await post(id, 'acceptance');
    await p.settle();
    expect((await view(id)).state).toBe('AwaitingRoleAssignment');
  });

  it('expires after 14 days without acceptance, and tells the partner', async () => {
    const { id } = await start();
    for (const step of ['3d', '4d', '6d', '23h']) await p.advance(step);
    expect((await view(id)).state).toBe('InvitationSent');
    await p.advance('1h');
    const v = await view(id);
    expect(v.state).toBe('Expired');
    expect(v.stateReason).toContain('not accepted within 14 days');
    expect((await orchestration(id)).runtimeStatus).toBe('Completed');
    // The partner's team hears of it in the digest, as something to act on.
    const { alerts } = (await (await p.partner('/api/alerts')).json()) as {
      alerts: { kind: string; reinstatementId?: string; summary: string }[];
    };
    expect(alerts.find((a) => a.reinstatementId === id)).toMatchObject({
      kind: 'reinstatement-expired',
      summary: expect.stringContaining(
        'the reinstatement expired: the customer did not act before the deadline',
      ),
    });
  });

  it('cancels at the partner\u2019s request, whatever it was waiting for', async () => {
    const { id } = await start();
    const cancelled = await post(id, 'cancel');
    expect(cancelled.status).toBe(200);
    expect(await cancelled.json()).toEqual({ id, state: 'Cancelled' });
    await p.settle();
    const v = await view(id);
    expect(v.state).toBe('Cancelled');
    expect(v.stateReason).toBe('cancelled by partner tooling (function key)');
    const again = await post(id, 'cancel');
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ state: 'Cancelled', status: 409 });
  });

  it('keeps waiting while verification fails, then succeeds; a throttled ARM changes nothing', async () => {
    const { id, scopes } = await start();
    await post(id, 'acceptance');
    await p.settle();
    p.cloud.faults.set('arm', { rate429: 1, retryAfterSeconds: 0 });
    await p.runVerificationTimer();
    expect((await view(id)).state).toBe('AwaitingRoleAssignment');
    p.cloud.faults.clear();
    await p.runVerificationTimer(); // not granted yet: 403, "not yet"
    expect((await view(id)).state).toBe('AwaitingRoleAssignment');
    await p.grantOwner(scopes[0] as string);
    await p.runVerificationTimer();
    expect((await view(id)).state).toBe('Reinstated');
  });

  it('a customer granting only some scopes: reminded, then expired at the deadline with per-scope results', async () => {
    const rg = `${sub}/resourceGroups/rg-${randomUUID().slice(0, 8)}`;
    const other = `${sub}/resourceGroups/rg-${randomUUID().slice(0, 8)}`;
    const { id } = await start([rg, other]);
    await post(id, 'acceptance');
    await p.settle();
    await p.grantOwner(rg);
    await p.runVerificationTimer();
    let v = await view(id);
    expect(v.scopes.map((s) => s.status)).toEqual(['Verified', 'Pending']);
    expect(v.state).toBe('AwaitingRoleAssignment');
    for (const step of ['3d', '4d', '6d', '1d']) await p.advance(step);
    v = await view(id);
    expect(v.audit.filter((a) => a.what === 'instructions-reminder-sent')).toHaveLength(2);
    expect(v.state).toBe('Expired');
    expect(v.stateReason).toContain('1 of 2 scopes verified; 1 with no access yet');
  });

  it('answers bad calls with problem documents', async () => {
    const bad = await p.partner('/api/reinstatements', {
      method: 'POST',
      body: '{"customerTenantId":"nope"}',
    });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toContain('application/problem+json');
    expect(((await bad.json()) as { errors: { field: string }[] }).errors.map((e) => e.field)).toEqual(
      expect.arrayContaining(['customerTenantId', 'customerName', 'contact', 'scopes']),
    );
    expect((await p.partner('/api/reinstatements/r-unknown')).status).toBe(404);
    expect((await p.partner('/api/reinstatements/r-unknown/explode', { method: 'POST' })).status).toBe(404);
    expect((await p.anonymous('/api/reinstatements', { method: 'POST', body: '{}' })).status).toBe(401);
  });
});
