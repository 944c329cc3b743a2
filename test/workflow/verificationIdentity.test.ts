import { randomUUID } from 'node:crypto';
import { request } from 'node:https';
import { startProduct, type Product } from '../support/productHarness';

/**
 * Verification's identity through the whole app, in the default Secure Application Model mode: the
 * readiness route, a revoked sign-in surfacing on the reinstatement and to the partner's team (once
 * a day), and the consent step through HTTP and the sandbox's sign-in, after which the same
 * reinstatement completes.
 */
let p: Product;
beforeAll(async () => {
  p = await startProduct({ WATCHDOG_SCHEDULE: '0 0 0 1 1 *' });
});
afterAll(() => p.stop());

interface Health {
  mode: string;
  healthy: boolean;
  connected: boolean;
  user?: string;
  problem?: { kind: string; explanation: string };
}
const readiness = async () => (await (await p.partner('/api/identity/readiness')).json()) as Health;
const act = (id: string, action: string) =>
  p.partner(`/api/reinstatements/${id}/${action}`, { method: 'POST' });

async function awaitingRoleAssignment(
  beforeAcceptance: (tenant: string) => Promise<void> = async () => {},
): Promise<{ id: string; scope: string }> {
  const tenant = randomUUID();
  const subscription = randomUUID();
  p.cloud.state.addCustomer(tenant, [subscription], 'Northwind');
  await beforeAcceptance(tenant);
  const scope = `/subscriptions/${subscription}`;
  const res = await p.partner('/api/reinstatements', {
    method: 'POST',
    body: JSON.stringify({
      customerTenantId: tenant,
      customerName: 'Northwind',
      contact: { name: 'Nia', email: `nia@${tenant.slice(0, 8)}.example` },
      scopes: [scope],
    }),
  });
  const { id } = (await res.json()) as { id: string };
  await p.settle();
  await act(id, 'acceptance');
  await p.settle();
  return { id, scope };
}

/** What a browser does with a redirect to the sandbox's sign-in: picks the partner admin, follows back. */
async function signInAtSandbox(location: string): Promise<string> {
  const url = new URL(location);
  url.searchParams.set('login_hint', p.cloud.state.partnerAdmin.userPrincipalName);
  return new Promise<string>((resolve, reject) => {
    request(url, { ca: p.cloud.pki.trustedRootsPem }, (res) => {
      res.resume();
      resolve(res.headers.location ?? '');
    })
      .on('error', reject)
      .end();
  });
}

/** A sandbox control, as a newcomer would call it with curl. */
function control(path: string, body: unknown = {}): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    request(
      `${p.cloud.url}${path}`,
      { method: 'POST', ca: p.cloud.pki.trustedRootsPem, headers: { 'content-type': 'application/json' } },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    )
      .on('error', reject)
      .end(JSON.stringify(body));
  });
}

describe('the verification identity, through HTTP', () => {
  it('is ready by default under the sandbox: a partner user of the partner group, connected', async () => {
    await awaitingRoleAssignment(); // any exchange records the user
    const { id, scope } = await awaitingRoleAssignment();
    p.cloud.state.grantOwnerToPartner(scope);
    expect(((await (await act(id, 'verify')).json()) as { verified: number }).verified).toBe(1);
    expect(await readiness()).toMatchObject({
      mode: 'secureApplicationModel',
      healthy: true,
      connected: true,
      user: p.cloud.state.partnerAdmin.userPrincipalName,
    });
  });

  it('a revoked sign-in: the reason on the reinstatement, in readiness and to the partner team once a day; the consent step mends it', async () => {
    const admin = p.cloud.state.partnerAdmin;
    await new Promise((resolve) => setTimeout(resolve, 1100)); // tokens so far are from earlier seconds
    expect(await control(`/sandbox/users/${admin.userPrincipalName}/revoke`)).toBe(200);
    // Cached access tokens stay valid until they expire, as Entra's do: a new tenant needs a new one.
    const { id, scope } = await awaitingRoleAssignment();
    p.cloud.state.grantOwnerToPartner(scope);
    const checked = (await (await act(id, 'verify')).json()) as {
      scopes: { finding: string; explanation: string }[];
    };
    expect(checked.scopes[0]).toMatchObject({ finding: 'partner-identity' });
    expect(checked.scopes[0]?.explanation).toContain('AADSTS50173');
    expect(await readiness()).toMatchObject({ healthy: false, problem: { kind: 'refresh-token-revoked' } });

    const notices = () =>
      p.mailsTo('ops@partner.example').filter((m) => m.subject.includes('verification cannot sign in'));
    await p.host.runTimerNow('watchdog');
    await p.settle();
    await p.advance('2m'); // people's mails take the next free slot
    expect(notices()).toHaveLength(1);
    expect(notices()[0]?.plainText).toContain('/api/identity/consent');
    await p.host.runTimerNow('watchdog');
    await p.settle();
    expect(notices()).toHaveLength(1);

    // The consent step, as the partner admin's browser goes through it.
    const begin = await p.partner('/api/identity/consent', { redirect: 'manual' });
    expect(begin.status).toBe(302);
    const back = await signInAtSandbox(begin.headers.get('location') ?? '');
    expect(back).toContain('/api/identity/consent/callback?');
    const callback = await p.anonymous(back.slice(back.indexOf('/api/')));
    expect(callback.status).toBe(200);
    expect(await callback.text()).toContain(admin.userPrincipalName);
    // A second use of the same redirect is refused.
    expect((await p.anonymous(back.slice(back.indexOf('/api/')))).status).toBe(400);

    expect(await readiness()).toMatchObject({ healthy: true, connected: true });
    expect(((await (await act(id, 'verify')).json()) as { verified: number }).verified).toBe(1);
    await p.settle();
    const view = (await (await p.partner(`/api/reinstatements/${id}`)).json()) as { state: string };
    expect(view.state).toBe('Reinstated');
  });

  it("a customer who withdrew the app's consent: its reinstatement waits with the reason, and completes once consent is back", async () => {
    // Withdrawn before the product first looks into the tenant (an access token it already holds
    // stays valid until it expires, as Entra's do).
    let tenant = '';
    const { id, scope } = await awaitingRoleAssignment(async (t) => {
      tenant = t;
      expect(await control(`/sandbox/customers/${t}/partner-access`, { partnerAppConsented: false })).toBe(
        200,
      );
    });
    p.cloud.state.grantOwnerToPartner(scope);
    const view = async () =>
      (await (await p.partner(`/api/reinstatements/${id}`)).json()) as {
        state: string;
        scopes: { lastCheck?: { finding: string; explanation: string } }[];
      };
    expect((await view()).state).toBe('AwaitingRoleAssignment');
    await act(id, 'verify');
    expect((await view()).scopes[0]?.lastCheck).toMatchObject({
      finding: 'partner-identity',
      explanation: expect.stringContaining('AADSTS65001'),
    });
    expect((await readiness()).healthy).toBe(true); // one customer's consent is not the identity's health
    expect(await control(`/sandbox/customers/${tenant}/partner-access`, { partnerAppConsented: true })).toBe(
      200,
    );
    await act(id, 'verify');
    await p.settle();
    expect((await view()).state).toBe('Reinstated');
  });
});
