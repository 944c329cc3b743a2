import { CUSTOMER_TENANT, PARTNER_TENANT, SUBSCRIPTION } from '../support/fixtures';
import { linkIn, startProduct, type Product } from '../support/productHarness';

let p: Product;
beforeAll(async () => {
  p = await startProduct();
});
afterAll(() => p.stop());

const sub = `/subscriptions/${SUBSCRIPTION}`;
const rg = `${sub}/resourceGroups/rg-prod`;
const body = (overrides: Record<string, unknown> = {}) =>
  JSON.stringify({
    customerTenantId: CUSTOMER_TENANT,
    customerName: 'Contoso Ltd',
    contact: { name: 'Ada Admin', email: 'ada@contoso.com' },
    scopes: [sub, rg],
    ...overrides,
  });

describe('a reinstatement, end to end, only through HTTP', () => {
  it('start, invitation, click, signed webhook, instructions, role assignment, timer verification, Reinstated', async () => {
    const started = await p.partner('/api/reinstatements', { method: 'POST', body: body() });
    expect(started.status).toBe(202);
    const { id, statusUrl } = (await started.json()) as { id: string; statusUrl: string };
    await p.settle();

    // The same customer and scopes again while it runs: the running one, never a twin.
    const twin = await p.partner('/api/reinstatements', {
      method: 'POST',
      body: body({
        scopes: [
          rg
            .toUpperCase()
            .replace('/SUBSCRIPTIONS/', '/subscriptions/')
            .replace('/RESOURCEGROUPS/', '/resourceGroups/'),
          sub,
        ],
      }),
    });
    expect(twin.status).toBe(200);
    expect(((await twin.json()) as { id: string }).id).toBe(id);

    // 1. The invitation is in the outbox, with the tracked link and Microsoft's link.
    const invitation = p.mailsTo('ada@contoso.com')[0];
    expect(invitation?.subject).toContain('reseller relationship');
    expect(invitation?.plainText).toContain(`partnerId=${PARTNER_TENANT}&msppId=0&DAP=false`);

    // 2. The customer clicks: recorded, then on to the admin center.
    const click = await p.anonymous(linkIn(invitation?.plainText, /\/api\/c\//));
    expect(click.status).toBe(302);
    expect(click.headers.get('location')).toMatch(
      /^https:\/\/admin\.microsoft\.com\/Adminportal\/Home\?invType=ResellerRelationship/,
    );
    expect((await p.anonymous('/api/c/v1.forged.token')).status).toBe(404);

    // 3. The customer accepts; Partner Center's signed webhook reaches the app.
    await p.cloud.partnerCenter.accept(CUSTOMER_TENANT, false);
    await p.settle();

    // 4. The instructions mail, and the customer's page with the commands.
    const instructions = p.mailsTo('ada@contoso.com').find((m) => m.subject.includes('last step'));
    expect(instructions?.plainText).toContain(
      `New-AzRoleAssignment -ObjectId '${p.cloud.state.adminAgents.id}' -RoleDefinitionName 'Owner' -Scope '${sub}' -ObjectType 'ForeignGroup'`,
    );
    const pagePath = linkIn(instructions?.plainText, /\/instructions/);
    const page = await p.anonymous(pagePath);
    expect(page.status).toBe(200);
    const shown = await page.text();
    expect(shown).toContain('I&#39;ve done it: check now'); // the apostrophe as the page escapes it
    // Opening the page checked the role assignments (nothing granted yet): the commands are shown.
    expect(shown).toContain('not granted yet');
    let state = (await (await p.partner(`/api/reinstatements/${id}`)).json()) as { state: string };
    expect(state.state).toBe('AwaitingRoleAssignment');

    // 5. The customer runs the command (ARM), and the verification timer finds it.
    await p.grantOwner(sub);
    await p.runVerificationTimer();

    const final = (await (
      await fetch(statusUrl, { headers: { 'x-functions-key': 'test-function-key' } })
    ).json()) as {
      state: string;
      scopes: { status: string }[];
      counters: { linkClicks: number };
      audit: { what: string; actor: string; toState?: string }[];
    };
    expect(final.state).toBe('Reinstated');
    expect(final.scopes.map((s) => s.status)).toEqual(['Verified', 'Verified']);
    expect(final.counters.linkClicks).toBe(1);
    expect(final.audit.map((a) => [a.what, a.actor])).toEqual([
      ['requested', 'partner'],
      ['invitation-sent', 'system'],
      ['link-clicked', 'customer-link'],
      ['webhook-received', 'webhook'],
      ['accepted', 'webhook'],
      ['partner-group-found', 'system'],
      // Checked before asking: neither scope was granted yet, so the instructions go.
      ['scope-checked', 'system'],
      ['scope-checked', 'system'],
      ['instructions-sent', 'system'],
      // The customer's page checks again on opening; nothing changed, so no new row.
      ['scope-verified', 'timer'],
      ['scope-verified', 'timer'],
      ['reinstated', 'system'],
      ['thanks-sent', 'system'],
    ]);
    // The partner's team hears of it in the next digest, not by a mail per reinstatement.
    expect(p.mailsTo('ops@partner.example')).toEqual([]);
    const { alerts } = (await (await p.partner('/api/alerts')).json()) as {
      alerts: { kind: string; label: string; reinstatementId?: string; digest: string }[];
    };
    expect(alerts).toContainEqual(
      expect.objectContaining({
        kind: 'reinstated',
        label: 'Admin rights back',
        reinstatementId: id,
        digest: '',
      }),
    );
    expect(p.mailsTo('ada@contoso.com')).toHaveLength(3);
    state = (await (await p.partner(`/api/reinstatements?state=Reinstated`)).json()) as never;
    expect((state as unknown as { items: { id: string }[] }).items.map((i) => i.id)).toContain(id);
  });
});
