import { randomUUID } from 'node:crypto';
import { BUILT_IN_ROLES } from '../../lib/azure/builtInRoles';
import { getContainer } from '../../shared/app/container';
import { startProduct, type Product } from '../support/productHarness';
import { KEYS } from '../support/runtimeHarness';

/**
 * Operators can always act: cancel from every state the orchestration may be in (or none), retry a
 * Failed reinstatement from the step that failed without re-sending a mail, and the watchdog
 * repairs what no operator noticed. Each case starts its own customer.
 */
let p: Product;
beforeAll(async () => {
  // The group is looked up every time (no cache), so a Graph outage meets every reinstatement.
  p = await startProduct({
    TRANSIENT_RETRY_HOURS: '1',
    WATCHDOG_SCHEDULE: '0 0 0 1 1 *',
    ADMIN_AGENTS_CACHE_HOURS: '0',
  });
});
afterAll(() => p.stop());
afterEach(() => p.cloud.faults.clear());

interface View {
  id: string;
  state: string;
  stateReason?: string;
  failedIn?: string;
  scopes: { scope: string; status: string; lastCheck?: { finding: string; explanation: string } }[];
  audit: { what: string; actor: string; details: Record<string, unknown> }[];
  mails: { kind: string; sequence: number; state: string }[];
}

async function start(): Promise<{ id: string; tenant: string; scope: string; email: string }> {
  const tenant = randomUUID();
  const subscription = randomUUID();
  p.cloud.state.addCustomer(tenant, [subscription]);
  const email = `admin@${tenant.slice(0, 8)}.example`;
  const scope = `/subscriptions/${subscription}`;
  const res = await p.partner('/api/reinstatements', {
    method: 'POST',
    body: JSON.stringify({
      customerTenantId: tenant,
      customerName: 'Fabrikam',
      contact: { name: 'Ada', email },
      scopes: [scope],
    }),
  });
  expect(res.status).toBe(202);
  const { id } = (await res.json()) as { id: string };
  await p.settle();
  return { id, tenant, scope, email };
}
const view = async (id: string) => (await (await p.partner(`/api/reinstatements/${id}`)).json()) as View;
const act = (id: string, action: string) =>
  p.partner(`/api/reinstatements/${id}/${action}`, { method: 'POST' });
const durable = (path: string, init?: RequestInit) =>
  p.anonymous(
    `/runtime/webhooks/durabletask/instances/${path}${path.includes('?') ? '&' : '?'}code=${KEYS.masterKey}`,
    init,
  );
const runWatchdog = async () => {
  await p.host.runTimerNow('watchdog');
  await p.settle();
};
const mailsTo = (email: string) => p.mailsTo(email).map((m) => m.subject);

describe('cancel, from every state', () => {
  it('while the invitation waits to be sent (Requested)', async () => {
    p.cloud.faults.set('acs', { rate5xx: 1 });
    const { id } = await start();
    expect((await view(id)).state).toBe('Requested');
    const res = await act(id, 'cancel');
    expect(await res.json()).toEqual({ id, state: 'Cancelled' });
    p.cloud.faults.clear();
    await p.advance('10m');
    const v = await view(id);
    expect(v.state).toBe('Cancelled');
    expect(v.mails.find((m) => m.kind === 'invitation')?.state).toBe('withdrawn');
  });

  it('while waiting for acceptance (InvitationSent), and while a step is retried (Accepted)', async () => {
    const waiting = await start();
    expect(await (await act(waiting.id, 'cancel')).json()).toEqual({ id: waiting.id, state: 'Cancelled' });
    p.cloud.faults.set('graph', { rate5xx: 1 });
    const retrying = await start();
    await act(retrying.id, 'acceptance');
    await p.settle();
    expect((await view(retrying.id)).state).toBe('Accepted');
    expect(await (await act(retrying.id, 'cancel')).json()).toEqual({ id: retrying.id, state: 'Cancelled' });
  });

  it('while waiting for the role assignment (AwaitingRoleAssignment)', async () => {
    const { id } = await start();
    await act(id, 'acceptance');
    await p.settle();
    expect((await view(id)).state).toBe('AwaitingRoleAssignment');
    expect(await (await act(id, 'cancel')).json()).toEqual({ id, state: 'Cancelled' });
    expect((await view(id)).audit.find((a) => a.what === 'cancelled')?.details.reason).toBe(
      'cancelled by partner tooling (function key)',
    );
  });

  it('when no orchestration runs for it any more: the record itself is cancelled; a final one answers 409', async () => {
    const { id } = await start();
    await durable(`${id}/terminate?reason=operator`, { method: 'POST' });
    await p.settle();
    expect(await (await act(id, 'cancel')).json()).toEqual({ id, state: 'Cancelled' });
    const again = await act(id, 'cancel');
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({
      state: 'Cancelled',
      possibleWhen: expect.arrayContaining(['Requested']),
    });
  });
});

describe('retry, from the step that failed, never re-sending a mail', () => {
  it('a failed group lookup (Accepted) goes on once Graph is back, and the invitation is not sent again', async () => {
    const { id, email } = await start();
    p.cloud.faults.set('graph', { rate5xx: 1 });
    await act(id, 'acceptance');
    for (let i = 0; i < 8; i++) await p.advance('10m');
    expect(await view(id)).toMatchObject({ state: 'Failed', failedIn: 'Accepted' });
    expect((await act(id, 'resend')).status).toBe(409);
    p.cloud.faults.clear();
    const res = await act(id, 'retry');
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ id, state: 'Accepted' });
    await p.settle();
    expect((await view(id)).state).toBe('AwaitingRoleAssignment');
    expect(mailsTo(email).filter((s) => s.includes('invites'))).toHaveLength(1);
    expect((await act(id, 'retry')).status).toBe(409);
  });

  it('terminated while waiting for acceptance or for the role assignment: the watchdog fails it with why; a retry resumes there', async () => {
    const inviting = await start();
    const granting = await start();
    await act(granting.id, 'acceptance');
    await p.settle();
    for (const id of [inviting.id, granting.id])
      await durable(`${id}/terminate?reason=by%20hand`, { method: 'POST' });
    await p.settle();
    await runWatchdog();
    expect(await view(inviting.id)).toMatchObject({
      state: 'Failed',
      failedIn: 'InvitationSent',
      stateReason: 'its orchestration was terminated: by hand',
    });
    expect(await view(granting.id)).toMatchObject({ state: 'Failed', failedIn: 'AwaitingRoleAssignment' });
    // The team's digest will carry both, each with why.
    const { alerts } = (await (await p.partner('/api/alerts')).json()) as {
      alerts: { kind: string; reinstatementId?: string; summary: string }[];
    };
    const failed = alerts.filter((a) => [inviting.id, granting.id].includes(a.reinstatementId ?? ''));
    expect(
      failed.map((a) => [a.kind, a.summary.includes('its orchestration was terminated: by hand')]),
    ).toEqual([
      ['reinstatement-failed', true],
      ['reinstatement-failed', true],
    ]);

    expect(await (await act(inviting.id, 'retry')).json()).toEqual({
      id: inviting.id,
      state: 'InvitationSent',
    });
    expect(await (await act(granting.id, 'retry')).json()).toEqual({
      id: granting.id,
      state: 'AwaitingRoleAssignment',
    });
    await p.settle();
    await p.cloud.partnerCenter.accept(inviting.tenant, false);
    p.cloud.state.grantOwnerToPartner(granting.scope);
    await p.settle();
    await p.runVerificationTimer();
    expect((await view(inviting.id)).state).toBe('AwaitingRoleAssignment');
    expect((await view(granting.id)).state).toBe('Reinstated');
    // Nothing was sent twice: one invitation each, one set of instructions for the one that had them.
    expect(mailsTo(inviting.email).filter((s) => s.includes('invites'))).toHaveLength(1);
    expect(mailsTo(granting.email).filter((s) => s.includes('last step'))).toHaveLength(1);
  });
});

describe('the watchdog', () => {
  it('starts the orchestration of a record whose start died before it, and it goes on from there', async () => {
    const { id } = await start();
    await durable(`${id}/terminate?reason=x`, { method: 'POST' });
    await p.settle();
    await durable(id, { method: 'DELETE' }); // purged: no orchestration at all
    expect((await durable(id)).status).toBe(404);
    await p.advance('3m');
    await runWatchdog();
    const v = await view(id);
    expect(v.audit.at(-1)).toMatchObject({ what: 'resumed', actor: 'watchdog' });
    expect((await durable(id)).status).toBe(202);
    await act(id, 'acceptance');
    await p.settle();
    expect((await view(id)).state).toBe('AwaitingRoleAssignment');
  });
});

describe('verification that was recorded while the app stopped before telling the orchestration', () => {
  it('tells it again at the next run, so the reinstatement does not wait for its deadline', async () => {
    const { id } = await start();
    await act(id, 'acceptance');
    await p.settle();
    // What a verification run that died between recording and raising the event leaves behind.
    await (
      await getContainer()
    ).repository.update(id, (r) => {
      (r.scopes[0] as { status: string }).status = 'Verified';
      return { next: r, audit: { what: 'scope-verified', actor: 'timer' } };
    });
    await p.settle();
    expect((await view(id)).state).toBe('AwaitingRoleAssignment');
    await p.runVerificationTimer();
    expect((await view(id)).state).toBe('Reinstated');
  });
});

describe('verification explains each scope in words', () => {
  it('a weaker role, Owner on a narrower scope, and nothing yet', async () => {
    const { id, scope } = await start();
    await act(id, 'acceptance');
    await p.settle();
    const verify = async () =>
      (await (await act(id, 'verify')).json()) as { scopes: { finding: string; explanation: string }[] };
    expect((await verify()).scopes[0]).toMatchObject({
      finding: 'no-access',
      explanation: expect.stringContaining('no access yet'),
    });
    const reader = p.cloud.state.grantOwnerToPartner(`${scope}/resourceGroups/rg-one`);
    expect((await verify()).scopes[0]).toEqual({
      reinstatementId: id,
      scope,
      at: expect.any(String),
      finding: 'narrower-scope',
      explanation:
        'Owner is assigned on resource group rg-one, but this request is for the whole subscription',
    });
    p.cloud.state.roleAssignments.set(reader.name, {
      ...reader,
      scope,
      roleDefinitionId: reader.roleDefinitionId.replace(BUILT_IN_ROLES.Owner, BUILT_IN_ROLES.Reader),
    });
    expect((await verify()).scopes[0]).toMatchObject({
      finding: 'wrong-role',
      explanation: 'the role assigned is Reader; Owner is needed',
    });
    const v = await view(id);
    expect(v.scopes[0]?.lastCheck).toMatchObject({ finding: 'wrong-role' });
    expect(v.audit.filter((a) => a.what === 'scope-checked').map((a) => a.details.finding)).toEqual([
      'no-access',
      'narrower-scope',
      'wrong-role',
    ]);
  });
});
