import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { FunctionHost } from '../../runtime/functionHost';
import { SandboxCloud } from '../../sandbox/sandboxCloud';
import { freePort, startAzurite, uniqueTableName, type RunningAzurite } from '../support/azurite';
import { PARTNER_TENANT } from '../support/fixtures';
import { KEYS, SAMPLE_APP } from '../support/runtimeHarness';
import { sharedPki } from '../support/sandboxHarness';

/**
 * The runtime's App Service authentication, against the sandbox's Entra ID, with the app published
 * at an address other than the one the runtime listens on (PUBLIC_BASE_URL `http://localhost:PORT`,
 * as behind a dev tunnel): the sign-in, its redirects, its sealed cookies and sign-out. The sample
 * app's /api/principal shows what the app is told about the caller.
 */
jest.setTimeout(120_000);

let azurite: RunningAzurite;
let cloud: SandboxCloud;
let host: FunctionHost;
let port: number;
let publicBase: string;
let ca: string;
const hub = uniqueTableName('auth');

async function startHost(): Promise<void> {
  const { WEBSITE_AUTH_ENABLED, WEBSITE_AUTH_CLIENT_ID, WEBSITE_AUTH_OPENID_ISSUER } = cloud.appSettings();
  const caFile = join(mkdtempSync(join(tmpdir(), 'auth-')), 'ca.pem');
  writeFileSync(caFile, ca);
  host = await FunctionHost.start({
    appRoot: SAMPLE_APP,
    settings: {
      SAMPLE_HUB: hub,
      SAMPLE_TICK_SCHEDULE: '0 */5 * * * *',
      WEBSITE_AUTH_ENABLED,
      WEBSITE_AUTH_CLIENT_ID,
      WEBSITE_AUTH_OPENID_ISSUER,
      MICROSOFT_PROVIDER_AUTHENTICATION_SECRET: cloud.appSettings().MICROSOFT_PROVIDER_AUTHENTICATION_SECRET,
      TLS_CA_FILE: caFile,
      PUBLIC_BASE_URL: publicBase,
    },
    storageConnectionString: azurite.connectionString,
    port,
    keys: KEYS,
    log: () => {},
  });
}

beforeAll(async () => {
  azurite = await startAzurite();
  cloud = await SandboxCloud.start({
    partnerTenantId: PARTNER_TENANT,
    partnerAppClientId: randomUUID(),
    partnerAppSecret: randomUUID(),
    pki: await sharedPki(),
  });
  ca = cloud.pki.trustedRootsPem;
  port = await freePort();
  publicBase = `http://localhost:${port}`;
  // The app registration holds the public address only, as it would for a dev tunnel.
  cloud.state.partnerApp.redirectUris = [`${publicBase}/.auth/login/aad/callback`];
  await startHost();
});
afterAll(async () => {
  await host?.stop();
  await cloud?.stop();
  await azurite?.stop();
});

/** A request to the runtime, where it listens (the browser's address maps there). */
const local = (path: string, headers: Record<string, string> = {}) =>
  fetch(`http://127.0.0.1:${port}${path}`, { redirect: 'manual', headers });

function cookie(res: Response, name: string): string | undefined {
  for (const line of res.headers.getSetCookie()) {
    const [pair] = line.split(';');
    const eq = pair?.indexOf('=') ?? -1;
    if (pair && eq > 0 && pair.slice(0, eq) === name) return pair.slice(eq + 1);
  }
  return undefined;
}

/** GET on the sandbox cloud (its CA), without following redirects. */
function cloudGet(url: URL): Promise<{ status: number; location: string; body: string }> {
  return new Promise((resolve, reject) =>
    httpsRequest(url, { ca }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, location: String(res.headers.location ?? ''), body }),
      );
    })
      .on('error', reject)
      .end(),
  );
}

/** Signs a user in through the runtime and the sandbox's Entra ID, as a browser does. */
async function signIn(
  user = 'partner.admin@partner.example',
  after = '/api/principal',
): Promise<{ session: string; location: string; redirectUri: string | null }> {
  const login = await local(`/.auth/login/aad?post_login_redirect_uri=${encodeURIComponent(after)}`);
  expect(login.status).toBe(302);
  const state = cookie(login, 'Nonce');
  const authorize = new URL(login.headers.get('location') ?? '');
  authorize.searchParams.set('login_hint', user);
  const entra = await cloudGet(authorize);
  // AADSTS50011 (a redirect URI the registration does not hold) is a 400 page here.
  expect([entra.status, entra.body]).toEqual([302, '']);
  const back = new URL(entra.location);
  expect(back.origin).toBe(publicBase);
  const done = await local(`${back.pathname}${back.search}`, { cookie: `Nonce=${state}` });
  expect(done.status).toBe(302);
  return {
    session: cookie(done, 'AppServiceAuthSession') ?? '',
    location: done.headers.get('location') ?? '',
    redirectUri: authorize.searchParams.get('redirect_uri'),
  };
}

const principal = async (session: string) =>
  (await (await local('/api/principal', { cookie: `AppServiceAuthSession=${session}` })).json()) as Record<
    string,
    string
  >;

describe('sign-in on the public address (PUBLIC_BASE_URL)', () => {
  it('sends the callback on the public address, returns there, and shows the app the public URL', async () => {
    const { session, location, redirectUri } = await signIn();
    expect(redirectUri).toBe(`${publicBase}/.auth/login/aad/callback`);
    expect(location).toBe(`${publicBase}/api/principal`);
    expect((await principal(session))['x-ms-client-principal-name']).toBe('partner.admin@partner.example');
    const where = (await (await local('/api/where?x=1')).json()) as { url: string };
    expect(where.url).toBe(`${publicBase}/api/where?x=1`);
    // The durable API's management URLs are public addresses too.
    const res = await fetch(
      `http://127.0.0.1:${port}/runtime/webhooks/durabletask/orchestrators/sequence?code=${KEYS.masterKey}`,
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: '""' },
    );
    expect(res.status).toBe(202);
    const payload = (await res.json()) as { statusQueryGetUri: string };
    expect(
      payload.statusQueryGetUri.startsWith(`${publicBase}/runtime/webhooks/durabletask/instances/`),
    ).toBe(true);
    await host.whenIdle();
  });
});

/** The 400 a refused target gets: a problem document naming the parameter, and nothing set. */
async function expectRefused(res: Response, field: string): Promise<void> {
  expect(res.status).toBe(400);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(res.headers.getSetCookie()).toEqual([]);
  const body = (await res.json()) as { errors: { field: string }[] };
  expect(body.errors.map((e) => e.field)).toEqual([field]);
}

const ENDPOINTS = [
  { path: '/.auth/login/aad', field: 'post_login_redirect_uri' },
  { path: '/.auth/logout', field: 'post_logout_redirect_uri' },
];

describe('redirect targets stay on the app', () => {
  const leaving = [
    '/%09/evil.example', // the browser drops the tab: //evil.example
    '/\t/evil.example',
    '/\r/evil.example',
    '/\n/evil.example',
    '/\u000b/evil.example',
    '/\f/evil.example',
    '/\u3000/evil.example',
    '/\u00a0/evil.example',
    '/\u202e/evil.example',
    '/%2509/evil.example',
    '/%E3%80%80/evil.example',
    '/%c2%85/evil.example',
    '//evil.example',
    '/\\evil.example',
    '\\\\evil.example',
    'https://evil.example/',
    `http://localhost:${0}@evil.example/`,
    `http://127.0.0.1:${0}/api/principal`,
    'javascript:alert(1)',
    'data:text/html,<script>alert(1)</script>',
  ];

  it.each(ENDPOINTS)(
    '$path refuses targets that leave the site or hide characters, with a 400',
    async (e) => {
      for (const target of leaving.map((t) => t.replace(':0', `:${port}`))) {
        const res = await local(`${e.path}?${e.field}=${encodeURIComponent(target)}`);
        try {
          await expectRefused(res, e.field);
        } catch (error) {
          throw new Error(`${JSON.stringify(target)}: ${String(error)}`, { cause: error });
        }
      }
      // Raw in the query, as a hand-written link has them.
      for (const raw of ['/%09/evil.example', '/%0d%0aSet-Cookie:x=1', '/%0b/x', '/%0c/x', '/%E3%80%80/x'])
        await expectRefused(await local(`${e.path}?${e.field}=${raw}`), e.field);
    },
  );

  it.each(ENDPOINTS)('$path sends the browser to a page of the app, as an absolute public URL', async (e) => {
    for (const [target, expected] of [
      ['/api/console?page=2#top', `${publicBase}/api/console?page=2#top`],
      ['api/console', `${publicBase}/api/console`],
      [`${publicBase}/api/x`, `${publicBase}/api/x`],
      ['/a/../api/x', `${publicBase}/api/x`],
      ['', `${publicBase}/`],
    ] as const) {
      const res = await local(`${e.path}?${e.field}=${encodeURIComponent(target)}`);
      expect(res.status).toBe(302);
      if (e.path === '/.auth/logout') expect(res.headers.get('location')).toBe(expected);
      else expect(new URL(res.headers.get('location') ?? '').origin).toBe(cloud.url);
    }
  });

  it('never answers 5xx and never sends the browser off the site, whatever the target (property)', async () => {
    const pieces = [
      '/',
      '\\',
      '.',
      ':',
      '@',
      '?',
      '#',
      '%',
      '%09',
      '%0a',
      '%2f',
      '%5c',
      '%25',
      '09',
      'evil.example',
      'localhost',
      String(port),
      'http',
      'https',
      '\t',
      '\r',
      '\n',
      '\u000b',
      '\f',
      '\u3000',
      '\u00a0',
      ' ',
      '+',
      'a',
      '\u0000',
      '\u2028',
      'é',
      '\uFEFF',
    ];
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom(...pieces), { maxLength: 8 }), async (parts) => {
        const target = parts.join('');
        const res = await local(`/.auth/logout?post_logout_redirect_uri=${encodeURIComponent(target)}`);
        if (res.status === 400) return;
        expect(res.status).toBe(302);
        // Resolved as a browser resolves a Location, against the page it was served from.
        const location = res.headers.get('location') ?? '';
        expect(new URL(location, `${publicBase}/.auth/logout`).origin).toBe(publicBase);
      }),
      { numRuns: 300 },
    );
  });
});

describe('sealed cookies carry their purpose; sign-out ends the session on the server', () => {
  it('takes a sign-in state cookie sent as the session for no session, never a 500', async () => {
    const login = await local('/.auth/login/aad?post_login_redirect_uri=/api/principal');
    const state = cookie(login, 'Nonce') ?? '';
    expect(state).not.toBe('');
    const asSession = { cookie: `AppServiceAuthSession=${state}` };
    expect((await local('/api/hello/Ada', asSession)).status).toBe(200);
    expect(await (await local('/api/principal', asSession)).json()).toEqual({});
    expect((await local('/.auth/me', asSession)).status).toBe(401);
    // A session sent as sign-in state does not complete a sign-in either.
    const { session } = await signIn();
    const callback = await local('/.auth/login/aad/callback?code=x&state=y', { cookie: `Nonce=${session}` });
    expect(callback.status).toBe(401);
    // Nor does anything else that is not a sealed session.
    for (const junk of ['', 'x', 'AAAA', Buffer.alloc(40).toString('base64url'), `${session.slice(0, -2)}AA`])
      expect(await principal(junk)).toEqual({});
  });

  it('refuses a session cookie copied before sign-out, also after a restart; other sessions live on', async () => {
    const copied = (await signIn()).session;
    const other = (await signIn('reader@partner.example')).session;
    expect((await local('/.auth/me', { cookie: `AppServiceAuthSession=${copied}` })).status).toBe(200);
    // Several tabs sign out at once: each is sent on, none fails.
    const outs = await Promise.all(
      Array.from({ length: 8 }, () =>
        local('/.auth/logout?post_logout_redirect_uri=/api/hello/bye', {
          cookie: `AppServiceAuthSession=${copied}`,
        }),
      ),
    );
    expect(outs.map((r) => r.status)).toEqual(Array(8).fill(302));
    expect(cookie(outs[0] as Response, 'AppServiceAuthSession')).toBe('');
    expect((await local('/.auth/me', { cookie: `AppServiceAuthSession=${copied}` })).status).toBe(401);
    expect(await principal(copied)).toEqual({});
    expect((await principal(other))['x-ms-client-principal-name']).toBe('reader@partner.example');

    await host.stop();
    await startHost();
    expect((await local('/.auth/me', { cookie: `AppServiceAuthSession=${copied}` })).status).toBe(401);
    expect((await principal(other))['x-ms-client-principal-name']).toBe('reader@partner.example');
  });
});
