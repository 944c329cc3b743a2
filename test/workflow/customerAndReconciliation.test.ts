import { CUSTOMER_TENANT, SUBSCRIPTION } from '../support/fixtures';
import { linkIn, startProduct, type Product } from '../support/productHarness';

let p: Product;
beforeAll(async () => {
  p = await startProduct({ PARTNER_CENTER_CHECK_ENABLED: 'true' });
});
afterAll(() => p.stop());

const sub = `/subscriptions/${SUBSCRIPTION}`;
const view = async (id: string) =>
  (await (await p.partner(`/api/reinstatements/${id}`)).json()) as {
    state: string;
    audit: { what: string; actor: string }[];
  };

describe('reconciliation, resend, and the customer\u2019s "I\u2019ve done it"', () => {
  let id: string;

  it('catches a missed webhook: the timer asks Partner Center and moves on', async () => {
    p.cloud.state.registration = undefined; // the webhook never arrives
    const res = await p.partner('/api/reinstatements', {
      method: 'POST',
      body: JSON.stringify({
        customerTenantId: CUSTOMER_TENANT,
        customerName: 'Contoso',
        contact: { name: 'Ada', email: 'ada@contoso.com' },
        scopes: [sub],
      }),
    });
    id = ((await res.json()) as { id: string }).id;
    await p.settle();
    await p.cloud.partnerCenter.accept(CUSTOMER_TENANT, false);
    await p.settle();
    expect((await view(id)).state).toBe('InvitationSent');
    await p.runVerificationTimer();
    const v = await view(id);
    expect(v.state).toBe('AwaitingRoleAssignment');
    expect(v.audit.find((a) => a.what === 'accepted')?.actor).toBe('reconciliation');
  });

  it('resends the current step\u2019s mail on request, through its orchestration, and names who asked', async () => {
    const before = p.mailsTo('ada@contoso.com').length;
    const res = await p.partner(`/api/reinstatements/${id}/resend`, { method: 'POST' });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ id, mail: 'instructions', sequence: 1 });
    await p.settle();
    const mails = p.mailsTo('ada@contoso.com');
    expect(mails).toHaveLength(before + 1);
    expect(mails.at(-1)?.subject).toContain('last step');
    const audit = (await view(id)).audit as { what: string; details?: { by?: string } }[];
    expect(audit.find((a) => a.what === 'resend-requested')?.details?.by).toBe(
      'partner tooling (function key)',
    );
    expect(audit.some((a) => a.what === 'instructions-resent')).toBe(true);
  });

  it('lets the customer trigger a check, at most once a minute, and never reveals anything for a bad link', async () => {
    const instructions = p.mailsTo('ada@contoso.com').find((m) => m.subject.includes('last step'));
    const page = linkIn(instructions?.plainText, /\/instructions/);
    const done = page.replace(/\/instructions$/, '/done');
    const first = await p.anonymous(done, { method: 'POST' });
    expect(first.status).toBe(200);
    expect(await first.text()).toContain('0 of 1 scopes are verified');
    const again = await p.anonymous(done, { method: 'POST' });
    expect(again.status).toBe(429);
    expect(again.headers.get('retry-after')).toBe('60');
    expect(again.headers.get('content-security-policy')).toContain("default-src 'none'");
    // The invitation token cannot open the instructions page: purposes do not mix.
    const invitation = linkIn(p.mailsTo('ada@contoso.com')[0]?.plainText, /\/api\/c\//);
    const wrongPurpose = await p.anonymous(`${invitation}/instructions`);
    const bad = await p.anonymous('/api/c/v1.aaaa.bbbb/instructions');
    expect(wrongPurpose.status).toBe(404);
    expect(await wrongPurpose.text()).toBe(await bad.text());
  });
});
