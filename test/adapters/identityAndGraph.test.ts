import { GraphPartnerGroupLookup } from '../../shared/adapters/graph/partnerGroupLookup';
import { createCredentials } from '../../shared/adapters/identity/credentials';
import { loadConfig } from '../../shared/config/appConfig';
import { CUSTOMER_TENANT, PARTNER_TENANT, SUBSCRIPTION } from '../support/fixtures';
import { startSandboxWorld, type SandboxWorld } from '../support/sandboxHarness';

let world: SandboxWorld;
beforeAll(async () => {
  world = await startSandboxWorld();
  world.cloud.state.addCustomer(CUSTOMER_TENANT, [SUBSCRIPTION]);
});
afterAll(() => world.stop());
afterEach(() => world.cloud.faults.clear());

describe('identity: the partner app through @azure/identity against the simulated Entra ID', () => {
  it('gets tokens for the partner tenant and for customer tenants, cached per tenant and scope', async () => {
    const credentials = createCredentials(world.config);
    const before = world.cloud.requests.get('entra') ?? 0;
    const a = await credentials.forTenant(PARTNER_TENANT).getToken('https://graph.microsoft.com/.default');
    const b = await credentials.forTenant(CUSTOMER_TENANT).getToken('https://management.azure.com/.default');
    const claims = (t: string) =>
      JSON.parse(Buffer.from(t.split('.')[1] as string, 'base64url').toString()) as {
        tid: string;
        aud: string;
      };
    expect(claims(a!.token)).toMatchObject({ tid: PARTNER_TENANT, aud: 'https://graph.microsoft.com' });
    expect(claims(b!.token)).toMatchObject({ tid: CUSTOMER_TENANT, aud: 'https://management.azure.com' });
    const afterFirst = world.cloud.requests.get('entra') ?? 0;
    await credentials.forTenant(PARTNER_TENANT).getToken('https://graph.microsoft.com/.default');
    await credentials.forTenant(CUSTOMER_TENANT).getToken('https://management.azure.com/.default');
    expect(world.cloud.requests.get('entra')).toBe(afterFirst);
    expect(afterFirst).toBeGreaterThan(before);
  });

  it('fails clearly with a wrong secret, and the error never contains the secret', async () => {
    const secret = 'definitely-not-the-secret-0123456789';
    const wrong = loadConfig(settingsWith({ PARTNER_APP_CLIENT_SECRET: secret }));
    const error = await createCredentials(wrong)
      .forTenant(PARTNER_TENANT)
      .getToken('https://graph.microsoft.com/.default')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).name).toMatch(/Authentication/);
    expect(String((error as Error).message)).toMatch(/AADSTS7000215|invalid_client/);
    expect(JSON.stringify(error)).not.toContain(secret);
    expect(String((error as Error).message)).not.toContain(secret);
  });
});

function settingsWith(overrides: Record<string, string>): Record<string, string> {
  const c = world.config;
  return {
    AzureWebJobsStorage:
      c.storage.connection.kind === 'connectionString' ? c.storage.connection.connectionString : '',
    PARTNER_TENANT_ID: c.partner.tenantId,
    PARTNER_OPS_EMAIL: c.partner.opsEmail,
    PARTNER_NAME: c.partner.displayName,
    PARTNER_SUPPORT_EMAIL: c.partner.supportEmail,
    EMAIL_SENDER_ADDRESS: c.email.senderAddress,
    ACS_CONNECTION_STRING: c.email.acs.kind === 'connectionString' ? c.email.acs.connectionString : '',
    PUBLIC_BASE_URL: c.links.publicBaseUrl,
    LINK_SIGNING_KEY: c.links.signingKeys.current.toString('base64'),
    PARTNER_APP_CLIENT_ID: c.identity.clientId,
    PARTNER_APP_CLIENT_SECRET:
      c.identity.credential.kind === 'clientSecret' ? c.identity.credential.secret : '',
    AUTHORITY_HOST: c.cloud.authorityHost,
    GRAPH_ENDPOINT: c.cloud.graph,
    ARM_ENDPOINT: c.cloud.arm,
    PARTNER_CENTER_ENDPOINT: c.cloud.partnerCenter,
    PARTNER_CENTER_CERT_HOST: c.cloud.webhookCertificateHost,
    TLS_CA_FILE: world.caFile,
    ...overrides,
  };
}

describe('AdminAgents lookup through Microsoft Graph', () => {
  const lookup = async (overrides: Record<string, string> = {}) => {
    const config = loadConfig(settingsWith(overrides));
    return new GraphPartnerGroupLookup(config, createCredentials(config), await world.table('cache'));
  };

  it('finds exactly one group, then answers from the Table storage cache', async () => {
    const l = await lookup();
    const first = await l.lookup();
    expect(first).toEqual({
      kind: 'found',
      groupId: world.cloud.state.adminAgents.id,
      displayName: 'AdminAgents',
      cached: false,
    });
    const calls = world.cloud.requests.get('graph');
    expect(await l.lookup()).toMatchObject({ kind: 'found', cached: true });
    expect(world.cloud.requests.get('graph')).toBe(calls);
  });

  it('reports none and several as clear, permanent answers', async () => {
    expect(await (await lookup({ PARTNER_GROUP_NAME: 'HelpDeskAgents' })).lookup()).toEqual({
      kind: 'notFound',
      displayName: 'HelpDeskAgents',
    });
    world.cloud.state.groups.set('dup-1', {
      id: '5b9a1c3e-0000-4000-8000-000000000001',
      displayName: "Ops O'Brien",
      tenantId: PARTNER_TENANT,
    });
    world.cloud.state.groups.set('dup-2', {
      id: '5b9a1c3e-0000-4000-8000-000000000002',
      displayName: "Ops O'Brien",
      tenantId: PARTNER_TENANT,
    });
    expect(
      await (await lookup({ PARTNER_GROUP_NAME: "Ops O'Brien" }).catch(() => undefined))?.lookup(),
    ).toBeUndefined();
  });

  it('turns 429 into throttled with the wait Graph asked for, 5xx and timeouts into transient, malformed bodies into transient', async () => {
    const l = await lookup({ ADMIN_AGENTS_CACHE_HOURS: '0' });
    world.cloud.faults.set('graph', { rate429: 1, retryAfterSeconds: 0 });
    expect(await l.lookup()).toEqual({ kind: 'failed', failure: { kind: 'throttled', retryAfterMs: 0 } });
    world.cloud.faults.set('graph', { rate429: 0, rate5xx: 1 });
    expect(await l.lookup()).toMatchObject({ kind: 'failed', failure: { kind: 'transient', status: 503 } });
    world.cloud.faults.set('graph', { rate5xx: 0, malformedRate: 1 });
    expect(await l.lookup()).toMatchObject({ kind: 'failed', failure: { kind: 'transient' } });
    world.cloud.faults.set('graph', { malformedRate: 0, dropRate: 1 });
    expect(await l.lookup()).toMatchObject({ kind: 'failed', failure: { kind: 'transient' } });
  });

  it('gives up on a call that outlasts its timeout, as a transient failure', async () => {
    const config = loadConfig(settingsWith({ ADMIN_AGENTS_CACHE_HOURS: '0' }));
    const l = new GraphPartnerGroupLookup(
      config,
      createCredentials(config),
      await world.table('cache'),
      () => new Date(),
      150,
    );
    await l.lookup(); // token first, so only Graph is slow
    world.cloud.faults.set('graph', { latencyMs: 400 });
    expect(await l.lookup()).toMatchObject({ kind: 'failed', failure: { kind: 'transient' } });
  });

  it('treats 403 from Graph as a permanent failure', async () => {
    const other = loadConfig(
      settingsWith({ PARTNER_TENANT_ID: CUSTOMER_TENANT, ADMIN_AGENTS_CACHE_HOURS: '0' }),
    );
    const l = new GraphPartnerGroupLookup(other, createCredentials(other), await world.table('cache'));
    expect(await l.lookup()).toMatchObject({ kind: 'failed', failure: { kind: 'permanent', status: 403 } });
  });
});
