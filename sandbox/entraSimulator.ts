import { constants, createHash, randomBytes, randomUUID, verify, X509Certificate } from 'node:crypto';
import type { TokenClaims, TokenSigner } from './jwt';
import type { SandboxState, SimulatedApp, SimulatedUser } from './state';
import { escapeHtml, htmlPage, json, type SimRequest } from './httpUtil';

/**
 * Microsoft Entra ID's v2.0 endpoints, as MSAL (inside @azure/identity) and the product call them:
 * tenant discovery, the authorization endpoint, and the token endpoint's client-credentials,
 * refresh-token and authorization-code grants.
 *   https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow
 *   https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow
 * It holds the rules that decide whether a token exists at all, because the product meets them:
 *  - An app gets a token in a tenant only where it has a service principal: its home tenant, or a
 *    tenant that consented to it (AADSTS700016 otherwise for app-only; AADSTS65001 for a user).
 *  - A partner user enters a customer's tenant only through a delegated-admin (GDAP) relationship;
 *    without one, AADSTS50020 (the user does not exist in that tenant).
 *  - A refresh token is bound to the app it was issued to, lapses 90 days after it was issued
 *    (AADSTS700082: each redemption returns a new one, which carries the window forward), and dies
 *    with a revocation of the user's sessions (AADSTS50173).
 *    https://learn.microsoft.com/entra/identity-platform/refresh-tokens
 *  - An authorization code is redeemed once, within ten minutes, with the PKCE verifier of its
 *    challenge and the same redirect URI.
 * Error bodies are Entra's: `error`, `error_description` starting `AADSTS<n>:`, `error_codes`.
 * https://learn.microsoft.com/entra/identity-platform/reference-error-codes
 */
const OIDC_SCOPES = ['openid', 'profile', 'email', 'offline_access'];
const REFRESH_AUDIENCE = 'urn:sandbox:refresh-token';
const REFRESH_TOKEN_INACTIVITY_S = 90 * 86_400;
const CODE_LIFETIME_MS = 10 * 60_000;
const ACCESS_TOKEN_LIFETIME_S = 3600;

interface AuthorizationCode {
  clientId: string;
  userId: string;
  tenant: string;
  redirectUri: string;
  scope: string;
  codeChallenge?: string;
  /** Echoed into the ID token, so the client knows the token answers its own sign-in. */
  nonce?: string;
  expiresAt: number;
  redeemed: boolean;
}

type Fail = (status: number, error: string, description: string, suberror?: string) => void;

export class EntraSimulator {
  private readonly codes = new Map<string, AuthorizationCode>();

  constructor(
    private readonly state: SandboxState,
    private readonly signer: TokenSigner,
  ) {}

  /** A refresh token for `user` and the partner's app, as the consent step would give (tests may date it). */
  issueRefreshToken(user: SimulatedUser, clientId: string, issuedAtMs = Date.now()): string {
    const iat = Math.floor(issuedAtMs / 1000);
    return this.signer.sign({
      aud: REFRESH_AUDIENCE,
      iss: `sandbox/${user.tenantId}/v2.0`,
      tid: user.tenantId,
      oid: user.id,
      appid: clientId,
      // Every refresh token Entra issues is a new one, even within the same second.
      jti: randomUUID(),
      iat,
      nbf: iat,
      exp: iat + REFRESH_TOKEN_INACTIVITY_S,
    });
  }

  handle(sim: SimRequest): boolean {
    const discovery = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/.exec(sim.path);
    if (discovery && sim.method === 'GET') return (this.discovery(sim, discovery[1] ?? ''), true);
    if (sim.path === '/common/discovery/instance' && sim.method === 'GET') {
      json(sim.res, 200, {
        tenant_discovery_endpoint: `${sim.origin}/common/v2.0/.well-known/openid-configuration`,
        'api-version': '1.1',
        metadata: [],
      });
      return true;
    }
    const keys = /^\/([^/]+)\/discovery\/v2\.0\/keys$/.exec(sim.path);
    if (keys && sim.method === 'GET') {
      // The tenant's signing keys (JWKS), by which a client checks an ID token's signature.
      json(sim.res, 200, {
        keys: [
          {
            ...this.signer.publicKey.export({ format: 'jwk' }),
            kid: this.signer.kid,
            use: 'sig',
            kty: 'RSA',
          },
        ],
      });
      return true;
    }
    const authorize = /^\/([^/]+)\/oauth2\/v2\.0\/authorize$/.exec(sim.path);
    if (authorize && sim.method === 'GET')
      return (this.authorize(sim, (authorize[1] ?? '').toLowerCase()), true);
    const token = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(sim.path);
    if (!token || sim.method !== 'POST') return false;
    this.token(sim, (token[1] ?? '').toLowerCase());
    return true;
  }

  private discovery(sim: SimRequest, tenant: string): void {
    const base = `${sim.origin}/${tenant}`;
    json(sim.res, 200, {
      token_endpoint: `${base}/oauth2/v2.0/token`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      jwks_uri: `${base}/discovery/v2.0/keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      issuer: `${sim.origin}/${tenant}/v2.0`,
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
      end_session_endpoint: `${base}/oauth2/v2.0/logout`,
      tenant_region_scope: 'EU',
      cloud_instance_name: 'sandbox',
    });
  }

  /**
   * The sign-in page. With `login_hint` naming a user of the tenant, that user signs in at once
   * (the sandbox has no passwords); otherwise a page lists the tenant's users to choose from.
   */
  private authorize(sim: SimRequest, tenant: string): void {
    const q = sim.url.searchParams;
    const page = (status: number, text: string): void =>
      htmlPage(sim.res, status, status === 200 ? 'Sign in (sandbox)' : 'Sign-in error (sandbox)', text);
    const app = this.state.apps.get(q.get('client_id') ?? '');
    if (!app)
      return page(
        400,
        errorPage(
          `AADSTS700016: Application with identifier '${q.get('client_id')}' was not found in the directory.`,
        ),
      );
    const redirectUri = q.get('redirect_uri') ?? '';
    if (!(app.redirectUris ?? []).includes(redirectUri))
      return page(
        400,
        errorPage(
          `AADSTS50011: The redirect URI '${redirectUri}' specified in the request does not match the redirect URIs configured for the application '${app.clientId}'.`,
        ),
      );
    const back = (params: Record<string, string>) => {
      const target = new URL(redirectUri);
      for (const [k, v] of Object.entries(params)) target.searchParams.set(k, v);
      const state = q.get('state');
      if (state !== null) target.searchParams.set('state', state);
      sim.res.writeHead(302, { Location: target.toString() }).end();
    };
    if (q.get('response_type') !== 'code')
      return back({
        error: 'unsupported_response_type',
        error_description: 'AADSTS70005: response_type is not supported.',
      });
    const challenge = q.get('code_challenge') ?? undefined;
    if (challenge && q.get('code_challenge_method') !== 'S256')
      return back({
        error: 'invalid_request',
        error_description: 'AADSTS501491: Invalid code_challenge_method.',
      });
    const users = [...this.state.users.values()].filter((u) => u.tenantId.toLowerCase() === tenant);
    const hint = q.get('login_hint');
    const user = hint
      ? users.find((u) => u.userPrincipalName.toLowerCase() === hint.toLowerCase())
      : undefined;
    if (!user) {
      const links = users
        .map((u) => {
          const next = new URL(sim.url.toString());
          next.searchParams.set('login_hint', u.userPrincipalName);
          return `<li><a href="${escapeHtml(next.pathname + next.search)}">${escapeHtml(u.displayName)} (${escapeHtml(u.userPrincipalName)})</a></li>`;
        })
        .join('');
      return page(
        200,
        `<h1>Pick an account</h1><p>The sandbox's Entra ID signs in without a password.</p><ul>${links}</ul>`,
      );
    }
    const code = randomBytes(24).toString('base64url');
    this.codes.set(code, {
      clientId: app.clientId,
      userId: user.id,
      tenant,
      redirectUri,
      scope: q.get('scope') ?? '',
      ...(challenge ? { codeChallenge: challenge } : {}),
      ...(q.get('nonce') ? { nonce: q.get('nonce') as string } : {}),
      expiresAt: Date.now() + CODE_LIFETIME_MS,
      redeemed: false,
    });
    back({ code });
  }

  private token(sim: SimRequest, tenant: string): void {
    const form = new URLSearchParams(sim.body.toString('utf8'));
    const fail: Fail = (status, error, description, suberror) =>
      json(sim.res, status, {
        error,
        error_description: `${description}\r\nTrace ID: ${randomUUID()}\r\nTimestamp: ${new Date().toISOString()}`,
        error_codes: [Number(/AADSTS(\d+)/.exec(description)?.[1] ?? 0)],
        timestamp: new Date().toISOString(),
        trace_id: randomUUID(),
        ...(suberror ? { suberror } : {}),
      });
    const grant = form.get('grant_type');
    if (grant !== 'client_credentials' && grant !== 'refresh_token' && grant !== 'authorization_code')
      return fail(400, 'unsupported_grant_type', 'AADSTS70003: The app requested an unsupported grant type.');
    const knownTenant = tenant === this.state.partnerTenantId || this.state.customers.has(tenant);
    if (!knownTenant)
      return fail(
        400,
        'invalid_request',
        `AADSTS90002: Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
      );
    const app = this.state.apps.get(form.get('client_id') ?? '');
    if (!app)
      return fail(
        400,
        'unauthorized_client',
        `AADSTS700016: Application with identifier '${form.get('client_id')}' was not found in the directory '${tenant}'.`,
      );
    const refused = this.clientRefusal(sim, tenant, app, form);
    if (refused) return fail(401, 'invalid_client', refused);
    if (grant === 'client_credentials') return this.clientCredentials(sim, tenant, app, form, fail);
    if (grant === 'refresh_token') return this.refreshToken(sim, tenant, app, form, fail);
    return this.authorizationCode(sim, tenant, app, form, fail);
  }

  /**
   * Why the app's proof of itself is refused, if it is: a client secret, or a client assertion
   * (RFC 7523) signed with a certificate registered on the app, RS256 with `x5t` or PS256 with
   * `x5t#S256`, for this token endpoint, within its validity.
   * https://learn.microsoft.com/entra/identity-platform/certificate-credentials
   */
  private clientRefusal(
    sim: SimRequest,
    tenant: string,
    app: SimulatedApp,
    form: URLSearchParams,
  ): string | undefined {
    const assertion = form.get('client_assertion');
    if (!assertion) {
      if (!form.get('client_secret'))
        return "AADSTS7000218: The request body must contain the following parameter: 'client_assertion' or 'client_secret'.";
      return form.get('client_secret') === app.secret
        ? undefined
        : `AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${app.clientId}'.`;
    }
    if (form.get('client_assertion_type') !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer')
      return "AADSTS50027: JWT token is invalid or malformed. The client_assertion_type must be 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'.";
    const [h, b, s] = assertion.split('.');
    const header = parseSegment(h);
    const claims = parseSegment(b);
    if (!header || !claims || !s) return 'AADSTS50027: JWT token is invalid or malformed.';
    const sha256 = header.alg === 'PS256';
    const thumbprint = sha256 ? header['x5t#S256'] : header.x5t;
    const certificate = (app.certificates ?? [])
      .map((pem) => new X509Certificate(pem))
      .find(
        (c) =>
          createHash(sha256 ? 'sha256' : 'sha1')
            .update(c.raw)
            .digest('base64url') === thumbprint,
      );
    if (!certificate)
      return `AADSTS700027: The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '${String(thumbprint)}']`;
    const signed = Buffer.from(`${h}.${b}`);
    const signature = Buffer.from(s, 'base64url');
    const valid =
      header.alg === 'RS256'
        ? verify('sha256', signed, certificate.publicKey, signature)
        : header.alg === 'PS256' &&
          verify(
            'sha256',
            signed,
            { key: certificate.publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 },
            signature,
          );
    if (!valid) return 'AADSTS700027: Client assertion failed signature validation.';
    if (claims.aud !== `${sim.origin}/${tenant}/oauth2/v2.0/token`)
      return `AADSTS700212: No matching federated identity record found for presented assertion audience '${String(claims.aud)}'.`;
    if (claims.iss !== app.clientId || claims.sub !== app.clientId)
      return "AADSTS700021: Client assertion application identifier doesn't match 'client_id' parameter.";
    const now = Math.floor(Date.now() / 1000);
    if (
      typeof claims.exp !== 'number' ||
      claims.exp <= now ||
      (typeof claims.nbf === 'number' && claims.nbf > now + 300)
    )
      return 'AADSTS700024: Client assertion is not within its valid time range.';
    return undefined;
  }

  private clientCredentials(
    sim: SimRequest,
    tenant: string,
    app: SimulatedApp,
    form: URLSearchParams,
    fail: Fail,
  ): void {
    const servicePrincipal = this.servicePrincipalIn(tenant, app);
    if (!servicePrincipal)
      return fail(
        400,
        'unauthorized_client',
        `AADSTS700016: Application with identifier '${app.clientId}' was not found in the directory '${tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.`,
      );
    const resource = resourceOf(form.get('scope') ?? '', true);
    if (!resource)
      return fail(
        400,
        'invalid_scope',
        'AADSTS1002012: The provided value for scope is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier.',
      );
    json(
      sim.res,
      200,
      this.accessTokenBody(sim, {
        tenant,
        resource,
        oid: servicePrincipal,
        appid: app.clientId,
        idtyp: 'app',
      }),
    );
  }

  private refreshToken(
    sim: SimRequest,
    tenant: string,
    app: SimulatedApp,
    form: URLSearchParams,
    fail: Fail,
  ): void {
    const claims = this.signer.signed(form.get('refresh_token') ?? '');
    if (!claims || claims.aud !== REFRESH_AUDIENCE)
      return fail(400, 'invalid_grant', 'AADSTS9002313: Invalid request. Request is malformed or invalid.');
    if (claims.appid !== app.clientId)
      return fail(400, 'invalid_grant', 'AADSTS70000: Provided grant is invalid or malformed.');
    const issued = new Date(claims.iat * 1000).toISOString();
    if (claims.exp <= Math.floor(Date.now() / 1000))
      return fail(
        400,
        'invalid_grant',
        `AADSTS700082: The refresh token has expired due to inactivity. The token was issued on ${issued} and was inactive for 90.00:00:00.`,
      );
    const user = this.state.users.get(claims.oid);
    if (!user) return fail(400, 'invalid_grant', 'AADSTS50057: The user account is disabled.');
    // Whole seconds, as a token's `iat` has: one issued in the second of the revocation survives it.
    if (user.tokensValidFrom && claims.iat < Math.floor(Date.parse(user.tokensValidFrom) / 1000))
      return fail(
        400,
        'invalid_grant',
        `AADSTS50173: The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password. The grant was issued on '${issued}' and the TokensValidFrom date (before which tokens are not valid) for this user is '${user.tokensValidFrom}'.`,
      );
    this.delegated(sim, tenant, app, user, form.get('scope') ?? '', fail);
  }

  private authorizationCode(
    sim: SimRequest,
    tenant: string,
    app: SimulatedApp,
    form: URLSearchParams,
    fail: Fail,
  ): void {
    const code = this.codes.get(form.get('code') ?? '');
    if (!code || code.clientId !== app.clientId || code.tenant !== tenant)
      return fail(400, 'invalid_grant', 'AADSTS9002313: Invalid request. Request is malformed or invalid.');
    if (code.redeemed)
      return fail(
        400,
        'invalid_grant',
        'AADSTS54005: OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.',
      );
    if (code.expiresAt < Date.now())
      return fail(
        400,
        'invalid_grant',
        'AADSTS70008: The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.',
      );
    if (form.get('redirect_uri') !== code.redirectUri)
      return fail(
        400,
        'invalid_grant',
        `AADSTS50011: The redirect URI '${form.get('redirect_uri')}' specified in the request does not match the redirect URI of the authorization request.`,
      );
    if (code.codeChallenge) {
      const verifier = form.get('code_verifier') ?? '';
      if (createHash('sha256').update(verifier).digest('base64url') !== code.codeChallenge)
        return fail(
          400,
          'invalid_grant',
          'AADSTS501481: The Code_Verifier does not match the code_challenge supplied in the authorization request.',
        );
    }
    code.redeemed = true;
    const user = this.state.users.get(code.userId);
    if (!user) return fail(400, 'invalid_grant', 'AADSTS50057: The user account is disabled.');
    this.delegated(sim, tenant, app, user, form.get('scope') ?? code.scope, fail, code.nonce);
  }

  /** A user's token in `tenant` through `app`: home tenant, or a customer's through GDAP and consent. */
  private delegated(
    sim: SimRequest,
    tenant: string,
    app: SimulatedApp,
    user: SimulatedUser,
    scope: string,
    fail: Fail,
    nonce?: string,
  ): void {
    if (user.interactionRequired)
      return fail(
        400,
        'interaction_required',
        "AADSTS50076: Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '797f4846-ba00-4fd7-ba43-dac1f8f63013'.",
        'basic_action',
      );
    const home = user.tenantId.toLowerCase() === tenant;
    if (!home) {
      const customer = this.state.customers.get(tenant);
      if (!customer?.gdap)
        return fail(
          400,
          'invalid_grant',
          `AADSTS50020: User account '${user.userPrincipalName}' from identity provider 'https://sts.windows.net/${user.tenantId}/' does not exist in tenant '${customer?.name ?? tenant}' and cannot access the application '${app.clientId}' in that tenant. The account needs to be added as an external user in the tenant first.`,
        );
    }
    if (!this.servicePrincipalIn(tenant, app))
      return fail(
        400,
        'invalid_grant',
        `AADSTS65001: The user or administrator has not consented to use the application with ID '${app.clientId}'. Send an interactive authorization request for this user and resource.`,
        'consent_required',
      );
    // Asking only for OpenID Connect scopes (sign-in) gets an ID token and a Graph token, as Entra gives.
    const signInOnly = scope.split(' ').every((s) => OIDC_SCOPES.includes(s));
    const resource = signInOnly ? 'https://graph.microsoft.com' : resourceOf(scope, false);
    if (!resource)
      return fail(400, 'invalid_scope', 'AADSTS70011: The provided request must include a resource scope.');
    const scopes = scope.split(' ');
    json(sim.res, 200, {
      ...this.accessTokenBody(sim, {
        tenant,
        resource,
        oid: user.id,
        appid: app.clientId,
        scp: 'user_impersonation',
        upn: user.userPrincipalName,
        name: user.displayName,
        ...(home ? {} : { idp: `https://sts.windows.net/${user.tenantId}/` }),
      }),
      scope: `${resource}/user_impersonation${scopes.includes('offline_access') ? ' offline_access' : ''}`,
      refresh_token: this.issueRefreshToken(user, app.clientId),
      ...(scopes.includes('openid')
        ? {
            id_token: this.signer.sign(
              this.claims(sim, {
                tenant,
                resource: app.clientId,
                oid: user.id,
                appid: app.clientId,
                preferred_username: user.userPrincipalName,
                name: user.displayName,
                // App roles assigned to the user on this app, as Entra puts them in the ID token.
                // https://learn.microsoft.com/entra/identity-platform/howto-add-app-roles-in-apps
                ...(home && user.appRoles?.length ? { roles: user.appRoles } : {}),
                ...(nonce ? { nonce } : {}),
              }),
            ),
          }
        : {}),
    });
  }

  /** The app's service principal in `tenant`: its own in its home tenant, or the one consent made. */
  private servicePrincipalIn(tenant: string, app: SimulatedApp): string | undefined {
    if (app.homeTenantId.toLowerCase() === tenant) return app.objectId;
    return this.state.customers.get(tenant)?.servicePrincipals[app.clientId];
  }

  private claims(
    sim: SimRequest,
    c: { tenant: string; resource: string; oid: string; appid: string; [claim: string]: unknown },
  ): TokenClaims {
    const now = Math.floor(Date.now() / 1000);
    const { tenant, resource, ...rest } = c;
    return {
      ...rest,
      aud: resource,
      iss: `${sim.origin}/${tenant}/v2.0`,
      tid: tenant,
      iat: now,
      nbf: now,
      exp: now + ACCESS_TOKEN_LIFETIME_S,
    };
  }

  private accessTokenBody(
    sim: SimRequest,
    c: { tenant: string; resource: string; oid: string; appid: string; [claim: string]: unknown },
  ) {
    return {
      token_type: 'Bearer',
      expires_in: ACCESS_TOKEN_LIFETIME_S - 1,
      ext_expires_in: ACCESS_TOKEN_LIFETIME_S - 1,
      access_token: this.signer.sign(this.claims(sim, c)),
    };
  }
}

/** The resource a scope list asks for: `https://x/.default` or `https://x/user_impersonation` → `https://x`. */
function resourceOf(scope: string, appOnly: boolean): string | undefined {
  for (const s of scope.split(' ')) {
    const m = /^(https?:\/\/.+)\/(\.default|[A-Za-z_.]+)$/.exec(s);
    if (m && (!appOnly || m[2] === '.default')) return m[1];
  }
  return undefined;
}

function parseSegment(segment: string | undefined): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment ?? '', 'base64url').toString('utf8'));
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const errorPage = (message: string) =>
  `<h1>Sorry, but we're having trouble signing you in.</h1><p>${escapeHtml(message)}</p>`;
