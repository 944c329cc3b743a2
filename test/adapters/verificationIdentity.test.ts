import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appCredentialCertificate } from '../../sandbox/certificates';
import { request } from 'node:https';
import { createCredentials } from '../../shared/adapters/identity/credentials';
import { PartnerUserTokens } from '../../shared/adapters/identity/partnerUserTokens';
import { ArmRoleAssignmentVerifier } from '../../shared/adapters/arm/roleAssignmentVerifier';
import { fingerprint } from '../../shared/adapters/identity/refreshTokenVault';
import { loadConfig } from '../../shared/config/appConfig';
import { startSandboxWorld, type SandboxWorld } from '../support/sandboxHarness';
import { validSettings } from '../support/settings';

/**
 * Verification's identity under the Secure Application Model, against the sandbox's Entra ID and
 * ARM, which hold Microsoft's rules: a partner user's refresh token redeemed at each customer
 * tenant, cached and rotated; every refusal surfacing as a reason the partner can act on.
 */
let world: SandboxWorld;
beforeAll(async () => {
  world = await startSandboxWorld();
});
afterAll(() => world.stop());

const DAY = 86_400_000;
const ARM = ['https://management.azure.com/.default'];

/** A customer with one subscription on which the customer granted Owner to AdminAgents. */
function grantedCustomer(options: { partnerAppConsented?: boolean; gdap?: boolean } = {}) {
  const tenantId = randomUUID();
  const subscription = randomUUID();
  world.cloud.state.addCustomer(tenantId, [subscription], 'Granted Co', options);
  world.cloud.state.grantOwnerToPartner(`/subscriptions/${subscription}`);
  return { tenantId, scope: `/subscriptions/${subscription}` };
}

const configWith = (settings: Record<string, string | undefined>) =>
  loadConfig(
    validSettings({
      ...world.cloud.appSettings(),
      TLS_CA_FILE: world.caFile,
      AzureWebJobsStorage: world.azurite.connectionString,
      ...settings,
    }),
  );

const claimsOf = (token: string) =>
  JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;

const tokenRequests = () => world.cloud.requests.get('entra') ?? 0;

describe('the Secure Application Model: a partner user, through the partner app, in each customer tenant', () => {
  it('verifies a ForeignGroup Owner grant with the partner user delegated token, one exchange per tenant, cached', async () => {
    const identity = await world.verificationIdentity();
    const a = grantedCustomer();
    const b = grantedCustomer();
    const verifier = new ArmRoleAssignmentVerifier(world.config, identity.tokensIn);
    const before = tokenRequests();
    expect((await verifier.verify(a.tenantId, a.scope, world.cloud.state.adminAgents.id)).kind).toBe(
      'verified',
    );
    expect((await verifier.verify(b.tenantId, b.scope, world.cloud.state.adminAgents.id)).kind).toBe(
      'verified',
    );
    expect((await verifier.verify(a.tenantId, a.scope, world.cloud.state.adminAgents.id)).kind).toBe(
      'verified',
    );
    expect(tokenRequests() - before).toBe(2);
    const token = await identity.partnerUser.accessToken(a.tenantId, ARM);
    const claims = claimsOf(token.token);
    expect(claims).toMatchObject({
      tid: a.tenantId,
      oid: world.cloud.state.partnerAdmin.id,
      scp: 'user_impersonation',
      appid: world.config.identity.clientId,
    });
  });

  it('keeps the rotated refresh token sealed, uses it once the setting is gone, and renews it daily', async () => {
    let now = Date.now();
    const { vault, partnerUser } = await world.verificationIdentity();
    const seed = world.config.identity.refreshToken as string;
    await partnerUser.accessToken(world.config.partner.tenantId, ARM);
    const first = await vault.read();
    expect(first.seedFingerprint).toBe(fingerprint(seed));
    expect(first.user).toBe(world.cloud.state.partnerAdmin.userPrincipalName);
    const stored = vault.open(first.sealed as string);
    expect(stored).toBeDefined();
    expect(stored).not.toBe(seed);
    // Sealed: the table holds no token in clear.
    expect(JSON.stringify(first)).not.toContain(stored as string);

    // Without the setting, the stored token is the identity.
    const withoutSeed = configWith({ PARTNER_REFRESH_TOKEN: '' });
    const later = new PartnerUserTokens(
      withoutSeed,
      createCredentials(withoutSeed).authenticate,
      vault,
      () => now,
    );
    const customer = grantedCustomer();
    await expect(later.accessToken(customer.tenantId, ARM)).resolves.toHaveProperty('token');
    expect((await vault.read()).sealed).toBe(first.sealed); // not a day old yet: kept

    now += 2 * DAY;
    await later.accessToken(grantedCustomer().tenantId, ARM);
    const rotated = await vault.read();
    expect(rotated.sealed).not.toBe(first.sealed);
    expect(Date.parse(rotated.issuedAt as string)).toBe(now);
    expect((await later.health()).inactivityDaysLeft).toBe(90);
  });

  it('a new PARTNER_REFRESH_TOKEN replaces the stored identity', async () => {
    const { vault, partnerUser, stateTable } = await world.verificationIdentity();
    await partnerUser.accessToken(world.config.partner.tenantId, ARM);
    const newSeed = world.cloud.entra.issueRefreshToken(
      world.cloud.state.partnerAdmin,
      world.config.identity.clientId,
    );
    const config = configWith({ PARTNER_REFRESH_TOKEN: newSeed });
    const renewed = await world.verificationIdentity(config, stateTable);
    await renewed.partnerUser.accessToken(world.config.partner.tenantId, ARM);
    expect((await vault.read()).seedFingerprint).toBe(fingerprint(newSeed));
  });
});

describe('refusals become reasons a partner can act on', () => {
  const group = () => world.cloud.state.adminAgents.id;

  it('a customer tenant where the partner app is not consented (AADSTS65001)', async () => {
    const verifier = new ArmRoleAssignmentVerifier(
      world.config,
      (await world.verificationIdentity()).tokensIn,
    );
    const c = grantedCustomer({ partnerAppConsented: false });
    const check = await verifier.verify(c.tenantId, c.scope, group());
    expect(check).toMatchObject({ kind: 'identity', problem: 'app-not-consented' });
    expect(check.explanation).toContain('AADSTS65001');
    expect(check.explanation).toContain("Partner Center's application consent");
  });

  it('a customer tenant without a GDAP relationship (AADSTS50020)', async () => {
    const verifier = new ArmRoleAssignmentVerifier(
      world.config,
      (await world.verificationIdentity()).tokensIn,
    );
    const c = grantedCustomer({ gdap: false });
    const check = await verifier.verify(c.tenantId, c.scope, group());
    expect(check).toMatchObject({ kind: 'identity', problem: 'no-partner-access' });
    expect(check.explanation).toMatch(/AADSTS50020.*GDAP relationship/);
  });

  it('a tenant that does not exist (AADSTS90002) is a scope not found', async () => {
    const verifier = new ArmRoleAssignmentVerifier(
      world.config,
      (await world.verificationIdentity()).tokensIn,
    );
    const check = await verifier.verify(randomUUID(), `/subscriptions/${randomUUID()}`, group());
    expect(check).toMatchObject({ kind: 'missing', finding: 'not-found' });
    expect(check.explanation).toContain('AADSTS90002');
  });

  it.each([
    ['an expired refresh token (AADSTS700082)', 'refresh-token-expired', 'AADSTS700082'],
    ['a revoked refresh token (AADSTS50173)', 'refresh-token-revoked', 'AADSTS50173'],
    ['a user who must sign in again (interaction required)', 'interaction-required', 'AADSTS50076'],
  ])('%s is recorded on the identity and reported by its health', async (_what, problem, code) => {
    const admin = world.cloud.state.partnerAdmin;
    const issuedAt = problem === 'refresh-token-expired' ? Date.now() - 91 * DAY : Date.now() - 60_000;
    const seed = world.cloud.entra.issueRefreshToken(admin, world.config.identity.clientId, issuedAt);
    const config = configWith({ PARTNER_REFRESH_TOKEN: seed });
    const identity = await world.verificationIdentity(config);
    if (problem === 'refresh-token-revoked') admin.tokensValidFrom = new Date().toISOString();
    if (problem === 'interaction-required') admin.interactionRequired = true;
    try {
      const c = grantedCustomer();
      const check = await new ArmRoleAssignmentVerifier(config, identity.tokensIn).verify(
        c.tenantId,
        c.scope,
        group(),
      );
      expect(check).toMatchObject({ kind: 'identity', problem });
      expect(check.explanation).toContain(code);
      const health = await identity.partnerUser.health();
      expect(health).toMatchObject({ healthy: false, problem: { kind: problem } });
      expect(health.problem?.explanation).toContain('/api/identity/consent');
    } finally {
      delete admin.tokensValidFrom;
      delete admin.interactionRequired;
    }
  });

  it('no partner user connected yet: not-connected, without a call to Entra', async () => {
    const config = configWith({ PARTNER_REFRESH_TOKEN: '' });
    const identity = await world.verificationIdentity(config);
    const before = tokenRequests();
    const c = grantedCustomer();
    const check = await new ArmRoleAssignmentVerifier(config, identity.tokensIn).verify(
      c.tenantId,
      c.scope,
      group(),
    );
    expect(check).toMatchObject({ kind: 'identity', problem: 'not-connected' });
    expect(tokenRequests()).toBe(before);
    expect(await identity.partnerUser.health()).toMatchObject({ connected: false, healthy: false });
  });
});

describe('app-only verification, where Microsoft allows it', () => {
  it("fails with AADSTS700016 in a customer tenant that has not consented to the partner's app", async () => {
    const config = configWith({ VERIFICATION_IDENTITY: 'appOnly' });
    const identity = await world.verificationIdentity(config);
    const c = grantedCustomer({ partnerAppConsented: false });
    const check = await new ArmRoleAssignmentVerifier(config, identity.tokensIn).verify(
      c.tenantId,
      c.scope,
      world.cloud.state.adminAgents.id,
    );
    expect(check).toMatchObject({ kind: 'identity', problem: 'app-not-consented' });
    expect(check.explanation).toContain('AADSTS700016');
  });

  it("never sees a ForeignGroup grant to AdminAgents: the app's own service principal is not in the group", async () => {
    const config = configWith({ VERIFICATION_IDENTITY: 'appOnly' });
    const identity = await world.verificationIdentity(config);
    const c = grantedCustomer();
    const check = await new ArmRoleAssignmentVerifier(config, identity.tokensIn).verify(
      c.tenantId,
      c.scope,
      world.cloud.state.adminAgents.id,
    );
    expect(check).toMatchObject({ kind: 'missing', finding: 'no-access' });
  });
});

describe('the consent step', () => {
  const redirectUri = 'https://partner-app.example/api/identity/consent/callback';
  beforeAll(() => {
    world.cloud.state.partnerApp.redirectUris = [redirectUri];
  });

  /** The browser's part: Entra's sign-in, as the partner admin, then the redirect back. */
  async function signIn(authorizeUrl: string): Promise<URL> {
    const url = new URL(authorizeUrl);
    url.searchParams.set('login_hint', world.cloud.state.partnerAdmin.userPrincipalName);
    const location = await new Promise<string>((resolve, reject) => {
      request(url, { ca: readFileSync(world.caFile) }, (res) => {
        res.resume();
        resolve(res.headers.location ?? `no redirect: ${res.statusCode}`);
      })
        .on('error', reject)
        .end();
    });
    return new URL(location);
  }

  it('connects the partner user who signs in, and the identity works without any setting', async () => {
    const config = configWith({ PARTNER_REFRESH_TOKEN: '' });
    const identity = await world.verificationIdentity(config);
    const authorize = await identity.partnerUser.startConsent(redirectUri);
    expect(authorize).toContain('code_challenge_method=S256');
    expect(authorize).toContain('offline_access');
    const back = await signIn(authorize);
    expect(`${back.origin}${back.pathname}`).toBe(redirectUri);
    const state = back.searchParams.get('state') as string;
    const connected = await identity.partnerUser.finishConsent(
      state,
      back.searchParams.get('code') as string,
      redirectUri,
    );
    expect(connected).toEqual({ user: world.cloud.state.partnerAdmin.userPrincipalName });
    expect(await identity.partnerUser.health()).toMatchObject({ connected: true, healthy: true });
    const c = grantedCustomer();
    expect(
      (
        await new ArmRoleAssignmentVerifier(config, identity.tokensIn).verify(
          c.tenantId,
          c.scope,
          world.cloud.state.adminAgents.id,
        )
      ).kind,
    ).toBe('verified');
    // The state is single-use.
    expect(
      await identity.partnerUser.finishConsent(state, back.searchParams.get('code') as string, redirectUri),
    ).toBeUndefined();
  });

  it('refuses a callback whose state this app did not start', async () => {
    const identity = await world.verificationIdentity();
    const back = await signIn(await identity.partnerUser.startConsent(redirectUri));
    expect(
      await identity.partnerUser.finishConsent(
        'x'.repeat(32),
        back.searchParams.get('code') as string,
        redirectUri,
      ),
    ).toBeUndefined();
  });

  it('keeps an idle identity alive: a week without use renews its refresh token', async () => {
    let now = Date.now();
    const identity = await world.verificationIdentity();
    const tokens = new PartnerUserTokens(
      world.config,
      createCredentials(world.config).authenticate,
      identity.vault,
      () => now,
    );
    await tokens.keepAlive();
    const first = await identity.vault.read();
    now += 8 * DAY;
    expect((await tokens.health()).inactivityDaysLeft).toBe(82);
    const health = await tokens.keepAlive();
    expect((await identity.vault.read()).sealed).not.toBe(first.sealed);
    expect(health).toMatchObject({ healthy: true, inactivityDaysLeft: 90 });
  });
});

describe("the partner app's certificate as its credential", () => {
  it('signs the assertions both modes send; an unregistered certificate is the app-credential problem', async () => {
    const registered = await appCredentialCertificate();
    const stranger = await appCredentialCertificate('CN=Not registered');
    world.cloud.state.partnerApp.certificates = [registered.certPem];
    const dir = mkdtempSync(join(tmpdir(), 'app-cert-'));
    const file = (issued: { certPem: string; keyPem: string }, name: string) => {
      const path = join(dir, name);
      writeFileSync(path, `${issued.certPem.trim()}\n${issued.keyPem}`);
      return path;
    };
    const withCertificate = (path: string, mode: string) =>
      configWith({
        PARTNER_APP_CREDENTIAL: 'clientCertificate',
        PARTNER_APP_CLIENT_SECRET: '',
        PARTNER_APP_CERTIFICATE_PATH: path,
        VERIFICATION_IDENTITY: mode,
      });
    const c = grantedCustomer();
    const group = world.cloud.state.adminAgents.id;
    const good = withCertificate(file(registered, 'good.pem'), 'secureApplicationModel');
    const sam = await world.verificationIdentity(good);
    expect(
      (await new ArmRoleAssignmentVerifier(good, sam.tokensIn).verify(c.tenantId, c.scope, group)).kind,
    ).toBe('verified');
    // App-only, through @azure/identity's own certificate credential (MSAL's assertion).
    const appOnly = createCredentials(withCertificate(file(registered, 'good.pem'), 'appOnly'));
    await expect(
      appOnly.forTenant(world.config.partner.tenantId).getToken('https://graph.microsoft.com/.default'),
    ).resolves.toHaveProperty('token');

    const bad = withCertificate(file(stranger, 'bad.pem'), 'secureApplicationModel');
    const refused = await world.verificationIdentity(bad);
    const check = await new ArmRoleAssignmentVerifier(bad, refused.tokensIn).verify(
      c.tenantId,
      c.scope,
      group,
    );
    expect(check).toMatchObject({ kind: 'identity', problem: 'app-credential' });
    expect(check.explanation).toContain('AADSTS700027');
  });
});
