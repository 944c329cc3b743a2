import { randomUUID } from 'node:crypto';
import { buildCustomerScripts, scriptFile } from '../../shared/instructions/customerScripts';
import { PROCEDURES } from '../../shared/instructions/procedures';
import { parseScope } from '../../shared/model/scopes';
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
    const pagePath = page;
    // Post, redirect, get: the browser ends on the page, which says what the check did.
    const first = await p.anonymous(done, { method: 'POST' });
    expect(first.status).toBe(303);
    expect(first.headers.get('location')).toBe(`${pagePath}?checked=now`);
    const shown = await p.anonymous(`${pagePath}?checked=now`);
    expect(shown.status).toBe(200);
    const body = (await shown.text()).replace(/\s+/g, ' ');
    expect(body).toContain('We checked your role assignments just now.');
    expect(body).toContain('Verified so far: 0 of 1 scope.');
    const again = await p.anonymous(done, { method: 'POST' });
    expect(again.status).toBe(303);
    expect(again.headers.get('location')).toBe(`${pagePath}?checked=soon`);
    expect((await (await p.anonymous(`${pagePath}?checked=soon`)).text()).replace(/\s+/g, ' ')).toContain(
      'We checked less than a minute ago; you can ask again in 60 seconds.',
    );
    // The address of the button, opened again (a reload, a bookmark), leads to the page.
    const reopened = await p.anonymous(done);
    expect(reopened.status).toBe(303);
    expect(reopened.headers.get('location')).toBe(pagePath);
    // The invitation token cannot open the instructions page: purposes do not mix.
    const invitation = linkIn(p.mailsTo('ada@contoso.com')[0]?.plainText, /\/api\/c\//);
    const wrongPurpose = await p.anonymous(`${invitation}/instructions`);
    const bad = await p.anonymous('/api/c/v1.aaaa.bbbb/instructions');
    expect(wrongPurpose.status).toBe(404);
    expect(await wrongPurpose.text()).toBe(await bad.text());
  });
  it('serves each procedure as a file to download, and nothing for another token or name', async () => {
    const instructions = p.mailsTo('ada@contoso.com').find((m) => m.subject.includes('last step'));
    const base = linkIn(instructions?.plainText, /\/instructions/).replace(/\/instructions$/, '');
    expect((await view(id)).state).toBe('AwaitingRoleAssignment');
    const expected = buildCustomerScripts({
      customerTenantId: CUSTOMER_TENANT,
      scopes: [parseScope(sub)],
      partnerGroupObjectId: p.cloud.state.adminAgents.id,
    });
    for (const procedure of PROCEDURES) {
      const file = await p.anonymous(`${base}/scripts/${procedure.fileName}`);
      expect(file.status).toBe(200);
      expect(file.headers.get('content-disposition')).toBe(`attachment; filename="${procedure.fileName}"`);
      expect(file.headers.get('content-type')).toBe('text/plain; charset=utf-8');
      expect(file.headers.get('x-content-type-options')).toBe('nosniff');
      expect(Buffer.from(await file.arrayBuffer()).toString('utf8')).toBe(
        scriptFile(expected, procedure.id).body,
      );
    }
    for (const wrong of ['grant-owner.exe', '..%2Fgrant-owner.sh', 'constructor', 'grant-owner.sh%00'])
      expect((await p.anonymous(`${base}/scripts/${wrong}`)).status).toBe(404);
    const invitation = linkIn(p.mailsTo('ada@contoso.com')[0]?.plainText, /\/api\/c\//);
    expect((await p.anonymous(`${invitation}/scripts/grant-owner.sh`)).status).toBe(404);
  });

  it('a customer who granted Owner already reads so on opening the page, not the commands', async () => {
    await p.grantOwner(sub);
    // The page checks on opening within the same budget as the button: a minute after the last check.
    await p.advance('61s');
    const instructions = p.mailsTo('ada@contoso.com').find((m) => m.subject.includes('last step'));
    const opened = await p.anonymous(linkIn(instructions?.plainText, /\/instructions/));
    expect(opened.status).toBe(200);
    const body = (await opened.text()).replace(/\s+/g, ' ');
    expect(body).toContain('<h1>All done, thank you</h1>');
    expect(body).not.toMatch(/not granted yet|Run these commands|New-AzRoleAssignment -ObjectId/);
    await p.settle();
    const after = await view(id);
    expect(after.state).toBe('Reinstated');
    expect(after.audit.find((a) => a.what === 'scope-verified')?.actor).toBe('customer-link');
  });

  it("after cancelling, the customer's links say so: no forward to the admin center, no commands", async () => {
    const tenant = randomUUID();
    const subscription = randomUUID();
    p.cloud.state.addCustomer(tenant, [subscription], 'Northwind Traders');
    const started = await p.partner('/api/reinstatements', {
      method: 'POST',
      body: JSON.stringify({
        customerTenantId: tenant,
        customerName: 'Northwind Traders',
        contact: { name: 'Bo', email: 'bo@northwind.example' },
        scopes: [`/subscriptions/${subscription}`],
      }),
    });
    const other = ((await started.json()) as { id: string }).id;
    await p.settle();
    await p.cloud.partnerCenter.accept(tenant, false);
    await p.runVerificationTimer(); // the webhook is off in this file: reconciliation finds the acceptance
    await p.settle();
    const mails = p.mailsTo('bo@northwind.example');
    const invitation = linkIn(mails[0]?.plainText, /\/api\/c\//);
    const instructions = linkIn(
      mails.find((m) => m.subject.includes('last step'))?.plainText,
      /\/instructions/,
    );
    expect((await p.anonymous(invitation)).status).toBe(200); // accepted already: a page, not a forward
    const grant = instructions.replace(/\/instructions$/, '/grant/1');
    expect((await p.anonymous(grant)).status).toBe(200);
    expect((await p.partner(`/api/reinstatements/${other}/cancel`, { method: 'POST' })).status).toBeLessThan(
      300,
    );
    await p.settle();
    const withdrawn = (response: Response) => response.text().then((t) => t.replace(/\s+/g, ' '));
    const fromInvitation = await p.anonymous(invitation);
    expect(fromInvitation.status).toBe(200);
    expect(fromInvitation.headers.get('location')).toBeNull();
    expect(await withdrawn(fromInvitation)).toContain('<h1>This request was withdrawn</h1>');
    for (const path of [instructions, instructions.replace(/\/instructions$/, '/scripts/grant-owner.ps1')]) {
      const shown = await withdrawn(await p.anonymous(path));
      expect(shown).toContain('<h1>This request was withdrawn</h1>');
      expect(shown).not.toMatch(/New-AzRoleAssignment|az role assignment|I've done it/);
    }
    // "Deploy to Azure" for a withdrawn request finds no template.
    expect((await p.anonymous(grant)).status).toBe(404);
    const pressed = await p.anonymous(instructions.replace(/\/instructions$/, '/done'), { method: 'POST' });
    expect(pressed.status).toBe(303);
    expect(pressed.headers.get('location')).toBe(instructions);
  });
});
