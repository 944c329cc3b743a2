import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createPublicKey,
  hkdfSync,
  randomBytes,
  verify,
  type JsonWebKey,
} from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { z } from 'zod';
import { sameSiteRedirect } from './redirectTarget';
import { sendProblem } from './rpcHttp';
import type { SignOuts } from './signOuts';

/**
 * App Service authentication ("Easy Auth") with the Microsoft identity provider, as the platform
 * runs it in front of a function app, so that people sign in to the console under `npm start` the
 * way they will in Azure:
 *   https://learn.microsoft.com/azure/app-service/overview-authentication-authorization
 *   https://learn.microsoft.com/azure/app-service/configure-authentication-user-identities
 *  - `/.auth/login/aad?post_login_redirect_uri=/path` sends the browser to Entra's authorization
 *    endpoint (code flow, PKCE, nonce); `/.auth/login/aad/callback` redeems the code with the app's
 *    secret, checks the ID token (signature against the tenant's keys, issuer, audience, expiry,
 *    nonce) and sets the session cookie `AppServiceAuthSession` (8 hours, the platform's default).
 *    The redirect target must be a page of the app (see redirectTarget.ts); any other is a 400.
 *  - `/.auth/me` answers the signed-in user's claims (401 when nobody is signed in);
 *    `/.auth/logout` ends the session, in the browser and on the server (signOuts.ts): a copy of
 *    the cookie taken before is refused after.
 *  - Each sealed cookie carries its purpose (its own key): the sign-in state is never read as a
 *    session, nor a session as sign-in state. A cookie that does not unseal, or unseals to the wrong
 *    shape, is simply no session.
 *  - Every request the app receives carries `X-MS-CLIENT-PRINCIPAL` (base64 JSON of the claims)
 *    and its -ID, -NAME, -IDP companions when a session is valid, and never a copy a client sent:
 *    "External requests aren't allowed to set these headers, so they're present only if set by
 *    App Service."
 * Settings are the platform's: WEBSITE_AUTH_ENABLED, WEBSITE_AUTH_CLIENT_ID,
 * WEBSITE_AUTH_OPENID_ISSUER and MICROSOFT_PROVIDER_AUTHENTICATION_SECRET (TLS_CA_FILE to trust a
 * sandbox's certificate). Unauthenticated requests are let through (AllowAnonymous): each route
 * decides, as the deployment's authsettingsV2 configures.
 */
export const SESSION_COOKIE = 'AppServiceAuthSession';
const LOGIN_COOKIE = 'Nonce';
const SESSION_LIFETIME_S = 8 * 3600;
const LOGIN_LIFETIME_S = 10 * 60;
const CALLBACK_PATH = '/.auth/login/aad/callback';
const ROLE_TYPE = 'http://schemas.microsoft.com/ws/2008/06/identity/claims/role';
const NAME_TYPE = 'name';

/** Headers only the platform sets: removed from every incoming request. */
export function stripPlatformHeaders(headers: IncomingMessage['headers']): void {
  for (const name of Object.keys(headers))
    if (name.startsWith('x-ms-client-principal') || name.startsWith('x-ms-token-')) delete headers[name];
}

export interface AuthSettings {
  clientId: string;
  issuer: string;
  clientSecret: string;
  ca?: string;
}

/** The sign-in settings, when the settings turn App Service authentication on. */
export function authSettingsFrom(settings: Record<string, string | undefined>): AuthSettings | undefined {
  if (settings.WEBSITE_AUTH_ENABLED?.toLowerCase() !== 'true') return undefined;
  const clientId = settings.WEBSITE_AUTH_CLIENT_ID;
  const issuer = settings.WEBSITE_AUTH_OPENID_ISSUER;
  const clientSecret = settings.MICROSOFT_PROVIDER_AUTHENTICATION_SECRET;
  if (!clientId || !issuer || !clientSecret)
    throw new Error(
      'WEBSITE_AUTH_ENABLED is true: WEBSITE_AUTH_CLIENT_ID, WEBSITE_AUTH_OPENID_ISSUER and MICROSOFT_PROVIDER_AUTHENTICATION_SECRET must be set',
    );
  const ca = settings.TLS_CA_FILE ? readFileSync(settings.TLS_CA_FILE, 'utf8') : undefined;
  return { clientId, issuer: issuer.replace(/\/+$/, ''), clientSecret, ...(ca ? { ca } : {}) };
}

const claimSchema = z.object({ typ: z.string(), val: z.string() });
type Claim = z.infer<typeof claimSchema>;

const sessionSchema = z.object({
  /** The session's id: what sign-out ends on the server. */
  sid: z.string().regex(/^[A-Za-z0-9_-]{22}$/),
  claims: z.array(claimSchema),
  /** Seconds since the epoch. */
  exp: z.number(),
});
type Session = z.infer<typeof sessionSchema>;

const loginStateSchema = z.object({
  state: z.string(),
  nonce: z.string(),
  verifier: z.string(),
  /** Where to go after sign-in: an absolute URL of the app, checked when the sign-in started. */
  redirect: z.string(),
  exp: z.number(),
});
type LoginState = z.infer<typeof loginStateSchema>;

/** What a sealed value is for: each purpose has a key of its own. */
type Purpose = 'session' | 'sign-in state';

interface OpenIdConfiguration {
  authorization_endpoint: string;
  token_endpoint: string;
  jwks_uri: string;
}

export class AppServiceAuth {
  private readonly keys: Record<Purpose, Buffer>;
  private metadata: OpenIdConfiguration | undefined;

  /**
   * `secret` seals the cookies (the host's master key: sessions survive a restart); `publicBase` is
   * the address people reach the app at (PUBLIC_BASE_URL), from which the callback and every
   * redirect are built.
   */
  constructor(
    private readonly settings: AuthSettings,
    secret: string,
    private readonly publicBase: () => string,
    private readonly signOuts: SignOuts,
  ) {
    const key = (purpose: Purpose) =>
      Buffer.from(hkdfSync('sha256', secret, 'app-service-auth', `${purpose} cookie`, 32));
    this.keys = { session: key('session'), 'sign-in state': key('sign-in state') };
  }

  /** The principal headers for a request with a valid session (none otherwise). */
  principalHeaders(req: IncomingMessage): Record<string, string> {
    const session = this.session(req);
    if (!session) return {};
    const claim = (typ: string) => session.claims.find((c) => c.typ === typ)?.val ?? '';
    const principal = { auth_typ: 'aad', claims: session.claims, name_typ: NAME_TYPE, role_typ: ROLE_TYPE };
    return {
      'x-ms-client-principal': Buffer.from(JSON.stringify(principal)).toString('base64'),
      'x-ms-client-principal-id': claim('http://schemas.microsoft.com/identity/claims/objectidentifier'),
      'x-ms-client-principal-name': claim('preferred_username') || claim(NAME_TYPE),
      'x-ms-client-principal-idp': 'aad',
    };
  }

  /** Serves `/.auth/...`. */
  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const path = url.pathname.toLowerCase().replace(/\/+$/, '');
    if (path === '/.auth/login/aad') return this.login(res, url);
    if (path === CALLBACK_PATH) return this.callback(req, res, url);
    if (path === '/.auth/me') return this.me(req, res);
    if (path === '/.auth/logout') return this.logout(req, res, url);
    res.writeHead(404).end();
  }

  /** The redirect target named by `field`, when it is a page of this app; otherwise answers 400. */
  private target(res: ServerResponse, url: URL, field: string): string | undefined {
    const check = sameSiteRedirect(url.searchParams.get(field), this.publicBase());
    if (check.ok) return check.location;
    sendProblem(res, 400, 'The redirect target is not valid', `${field} ${check.rule}.`, {
      errors: [{ field, rule: check.rule }],
    });
    return undefined;
  }

  private async logout(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const location = this.target(res, url, 'post_logout_redirect_uri');
    if (!location) return;
    res.setHeader('Set-Cookie', [this.cookie(SESSION_COOKIE, '', 0)]);
    const session = this.session(req);
    if (session) {
      try {
        await this.signOuts.end(session.sid, session.exp);
      } catch {
        return sendProblem(
          res,
          503,
          'Sign-out could not be recorded',
          'This browser is signed out, but the session could not be ended for good (storage did not answer). Sign out again.',
        );
      }
    }
    redirect(res, location);
  }

  private async login(res: ServerResponse, url: URL): Promise<void> {
    const redirectTo = this.target(res, url, 'post_login_redirect_uri');
    if (!redirectTo) return;
    const meta = await this.openIdConfiguration();
    const login: LoginState = {
      state: randomBytes(16).toString('base64url'),
      nonce: randomBytes(16).toString('base64url'),
      verifier: randomBytes(32).toString('base64url'),
      redirect: redirectTo,
      exp: now() + LOGIN_LIFETIME_S,
    };
    const target = new URL(meta.authorization_endpoint);
    const params = {
      client_id: this.settings.clientId,
      response_type: 'code',
      redirect_uri: this.callbackUri(),
      scope: 'openid profile email',
      state: login.state,
      nonce: login.nonce,
      code_challenge: createHash('sha256').update(login.verifier).digest('base64url'),
      code_challenge_method: 'S256',
    };
    for (const [name, value] of Object.entries(params)) target.searchParams.set(name, value);
    res.setHeader('Set-Cookie', [
      this.cookie(LOGIN_COOKIE, this.seal('sign-in state', login), LOGIN_LIFETIME_S),
    ]);
    redirect(res, target.toString());
  }

  /** The redirect URI registered on the app registration: on the address people reach the app at. */
  private callbackUri(): string {
    return `${this.publicBase().replace(/\/+$/, '')}${CALLBACK_PATH}`;
  }

  private async callback(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const login = this.unseal('sign-in state', cookieOf(req, LOGIN_COOKIE), loginStateSchema);
    const fail = (status: number, message: string) => {
      res.setHeader('Set-Cookie', [this.cookie(LOGIN_COOKIE, '', 0)]);
      res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' }).end(message);
    };
    if (!login || login.exp < now() || url.searchParams.get('state') !== login.state)
      return fail(401, 'The sign-in took too long or did not start here. Sign in again.');
    const error = url.searchParams.get('error');
    if (error) return fail(401, `Sign-in refused: ${url.searchParams.get('error_description') ?? error}`);
    const meta = await this.openIdConfiguration();
    const answer = await this.post(meta.token_endpoint, {
      grant_type: 'authorization_code',
      client_id: this.settings.clientId,
      client_secret: this.settings.clientSecret,
      code: url.searchParams.get('code') ?? '',
      redirect_uri: this.callbackUri(),
      code_verifier: login.verifier,
      scope: 'openid profile email',
    });
    const idToken = typeof answer.body.id_token === 'string' ? answer.body.id_token : undefined;
    if (answer.status !== 200 || !idToken)
      return fail(401, `Sign-in failed: ${String(answer.body.error_description ?? answer.status)}`);
    const claims = await this.validIdToken(idToken, login.nonce, meta.jwks_uri);
    if (!claims) return fail(401, 'Sign-in failed: the ID token is not valid for this app.');
    const session: Session = {
      sid: randomBytes(16).toString('base64url'),
      claims: mappedClaims(claims),
      exp: now() + SESSION_LIFETIME_S,
    };
    res.setHeader('Set-Cookie', [
      this.cookie(LOGIN_COOKIE, '', 0),
      this.cookie(SESSION_COOKIE, this.seal('session', session), SESSION_LIFETIME_S),
    ]);
    redirect(res, login.redirect);
  }

  private me(req: IncomingMessage, res: ServerResponse): void {
    const session = this.session(req);
    res.setHeader('Cache-Control', 'no-store');
    if (!session) return void res.writeHead(401).end();
    const id = session.claims.find((c) => c.typ.endsWith('/objectidentifier'))?.val;
    res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' }).end(
      JSON.stringify([
        {
          provider_name: 'aad',
          user_id: id,
          user_claims: session.claims,
          expires_on: new Date(session.exp * 1000).toISOString(),
        },
      ]),
    );
  }

  /** The request's session: sealed as a session, not expired, not signed out of. */
  private session(req: IncomingMessage): Session | undefined {
    const session = this.unseal('session', cookieOf(req, SESSION_COOKIE), sessionSchema);
    return session && session.exp > now() && !this.signOuts.isEnded(session.sid) ? session : undefined;
  }

  /** The ID token's claims when Entra signed it for this app and this sign-in; undefined otherwise. */
  private async validIdToken(
    token: string,
    nonce: string,
    jwksUri: string,
  ): Promise<Record<string, unknown> | undefined> {
    const [h, b, s] = token.split('.');
    const header = parseJson(h);
    const claims = parseJson(b);
    if (!header || !claims || !s || header.alg !== 'RS256') return undefined;
    const keys = (await this.get(jwksUri)).keys;
    const jwk = Array.isArray(keys)
      ? (keys as (JsonWebKey & { kid?: string })[]).find((k) => k.kid === header.kid)
      : undefined;
    if (!jwk) return undefined;
    const key = createPublicKey({ key: jwk, format: 'jwk' });
    if (!verify('sha256', Buffer.from(`${h}.${b}`), key, Buffer.from(s, 'base64url'))) return undefined;
    const fresh = typeof claims.exp === 'number' && claims.exp > now();
    const ours =
      claims.iss === this.settings.issuer && claims.aud === this.settings.clientId && claims.nonce === nonce;
    return fresh && ours ? claims : undefined;
  }

  private async openIdConfiguration(): Promise<OpenIdConfiguration> {
    this.metadata ??= (await this.get(
      `${this.settings.issuer}/.well-known/openid-configuration`,
    )) as unknown as OpenIdConfiguration;
    return this.metadata;
  }

  private cookie(name: string, value: string, maxAge: number): string {
    return `${name}=${value}; Path=/; Max-Age=${maxAge}; HttpOnly; SameSite=Lax${this.publicBase().startsWith('https:') ? '; Secure' : ''}`;
  }

  private seal(purpose: Purpose, value: Session | LoginState): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.keys[purpose], iv);
    const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
  }

  /** The value sealed for `purpose`; undefined for anything else (another purpose, tampered, old). */
  private unseal<T>(purpose: Purpose, sealed: string | undefined, schema: z.ZodType<T>): T | undefined {
    if (!sealed) return undefined;
    try {
      const bytes = Buffer.from(sealed, 'base64url');
      if (bytes.length < 28) return undefined;
      const decipher = createDecipheriv('aes-256-gcm', this.keys[purpose], bytes.subarray(0, 12));
      decipher.setAuthTag(bytes.subarray(12, 28));
      const text = Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString('utf8');
      const parsed = schema.safeParse(JSON.parse(text));
      return parsed.success ? parsed.data : undefined;
    } catch {
      return undefined;
    }
  }

  private async get(url: string): Promise<Record<string, unknown>> {
    return (await this.send(url, 'GET')).body;
  }

  private post(url: string, form: Record<string, string>) {
    return this.send(url, 'POST', new URLSearchParams(form).toString());
  }

  private send(
    url: string,
    method: string,
    body?: string,
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    return new Promise((resolve, reject) => {
      const request = httpsRequest(
        url,
        {
          method,
          ...(this.settings.ca ? { ca: this.settings.ca } : {}),
          headers: body ? { 'Content-Type': 'application/x-www-form-urlencoded' } : {},
          timeout: 30_000,
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (c: Buffer) => chunks.push(c));
          response.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            resolve({ status: response.statusCode ?? 0, body: parseJsonText(text) ?? {} });
          });
        },
      );
      request.on('timeout', () => request.destroy(new Error(`${url} did not answer in 30 s`)));
      request.on('error', reject);
      request.end(body);
    });
  }
}

/**
 * The claims the platform passes on, mapped as it maps them: `oid` becomes the objectidentifier
 * claim, each app role a `roles` claim (the principal's role_typ names the WS role type, its role
 * claims are typed `roles`: an app reading either finds them).
 */
function mappedClaims(token: Record<string, unknown>): Claim[] {
  const claims: Claim[] = [];
  const add = (typ: string, value: unknown) => {
    if (typeof value === 'string' && value) claims.push({ typ, val: value });
  };
  add('aud', token.aud);
  add('iss', token.iss);
  add('http://schemas.microsoft.com/identity/claims/objectidentifier', token.oid);
  add('http://schemas.microsoft.com/identity/claims/tenantid', token.tid);
  add(NAME_TYPE, token.name);
  add('preferred_username', token.preferred_username);
  for (const role of Array.isArray(token.roles) ? token.roles : []) add('roles', role);
  return claims;
}

const now = () => Math.floor(Date.now() / 1000);

function redirect(res: ServerResponse, location: string): void {
  res.writeHead(302, { Location: location, 'Cache-Control': 'no-store' }).end();
}

function cookieOf(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

function parseJsonText(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const parseJson = (segment: string | undefined) =>
  parseJsonText(Buffer.from(segment ?? '', 'base64url').toString('utf8'));
