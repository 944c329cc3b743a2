import type { AccessToken, TokenCredential } from '@azure/identity';
import { useShortInCallRetries } from '../../../lib/azure/inCallRetries';
import { createHash, randomBytes } from 'node:crypto';
import {
  createDefaultHttpClient,
  createHttpHeaders,
  createPipelineFromOptions,
  createPipelineRequest,
  RestError,
  type HttpClient,
  type Pipeline,
} from '@azure/core-rest-pipeline';
import { scopeFor } from '../../../lib/azure/clouds';
import type { AppConfig } from '../../config/appConfig';
import { addMicrosoftApiTelemetry } from '../../telemetry/microsoftApiSpans';
import { tlsOptions } from '../../../lib/azure/tls';
import type { ClientAuthentication } from './clientAuthentication';
import {
  aadstsCode,
  explainProblem,
  IDENTITY_WIDE_PROBLEMS,
  IdentityError,
  identityProblemOf,
  type EntraErrorBody,
  type IdentityProblem,
} from './entraErrors';
import { fingerprint, type PartnerUserRecord, type RefreshTokenVault } from './refreshTokenVault';

const DAY_MS = 86_400_000;
/**
 * Entra's refresh tokens for confidential clients lapse after 90 days without use; each redemption
 * returns a new one, and it is the new one that carries the window forward (a token kept and reused
 * lapses 90 days after it was issued, however often it was used).
 * https://learn.microsoft.com/entra/identity-platform/refresh-tokens#token-lifetime
 */
export const REFRESH_TOKEN_INACTIVITY_DAYS = 90;
/** The stored refresh token is replaced by the newest one Entra returned at most this often. */
const ROTATE_EVERY_MS = DAY_MS;
/** With no verification to do, the identity is exercised when its token is this old, to keep it alive. */
const KEEP_ALIVE_AFTER_MS = 7 * DAY_MS;
/** How long a started consent step may take. */
const CONSENT_WINDOW_MS = 10 * 60_000;
/** An access token is renewed this long before it expires. */
const RENEW_MARGIN_MS = 5 * 60_000;

/** The identity's state, for readiness and for the partner's team. */
export interface IdentityHealth {
  mode: 'secureApplicationModel' | 'appOnly';
  healthy: boolean;
  /** A refresh token is stored or set. */
  connected: boolean;
  user?: string;
  connectedAt?: string;
  lastExchangeAt?: string;
  tokenIssuedAt?: string;
  /** Days before the stored token lapses if it goes unused. */
  inactivityDaysLeft?: number;
  problem?: { kind: IdentityProblem; explanation: string; at: string };
  /** What this mode means, in a sentence. */
  note: string;
}

interface TokenResponse {
  access_token: string;
  expires_in: number;
  refresh_token?: string;
  id_token?: string;
}

/**
 * The Secure Application Model: the partner's multi-tenant app redeems a partner user's refresh
 * token at each customer tenant's token endpoint for an ARM token that acts as that user (a member of
 * the partner group), so the customer's Owner grant to the group is exactly what lets it read.
 * https://learn.microsoft.com/partner-center/developer/enable-secure-app-model
 * Access tokens are cached per tenant until shortly before they expire; the refresh token Entra
 * returns replaces the stored one (sealed in the vault) once a day, which keeps it from lapsing.
 */
export class PartnerUserTokens {
  private readonly cache = new Map<string, AccessToken>();
  private readonly pending = new Map<string, Promise<AccessToken>>();
  private readonly pipeline: Pipeline;
  private readonly http: HttpClient = createDefaultHttpClient();

  constructor(
    private readonly config: AppConfig,
    private readonly authenticate: ClientAuthentication,
    private readonly vault: RefreshTokenVault,
    /** Token lifetimes follow the issuer's clock, which is real time. */
    private readonly now: () => number = Date.now,
  ) {
    this.pipeline = addMicrosoftApiTelemetry(
      useShortInCallRetries(createPipelineFromOptions(tlsOptions(config.identity.caFile))),
      'Entra ID',
    );
  }

  /** A credential acting as the partner user in `tenantId`, for an Azure SDK client. */
  forTenant(tenantId: string): TokenCredential {
    return { getToken: (scopes) => this.accessToken(tenantId, Array.isArray(scopes) ? scopes : [scopes]) };
  }

  async accessToken(tenantId: string, scopes: string[]): Promise<AccessToken> {
    const key = `${tenantId.toLowerCase()} ${scopes.join(' ')}`;
    const cached = this.cache.get(key);
    if (cached && cached.expiresOnTimestamp - RENEW_MARGIN_MS > this.now()) return cached;
    let pending = this.pending.get(key);
    if (!pending) {
      pending = this.redeem(tenantId, scopes).finally(() => this.pending.delete(key));
      this.pending.set(key, pending);
    }
    const token = await pending;
    this.cache.set(key, token);
    return token;
  }

  /**
   * Starts the consent step: Entra's sign-in URL for the partner's app (authorization code with
   * PKCE); the verifier waits, sealed, under a single-use state for ten minutes.
   */
  async startConsent(redirectUri: string): Promise<string> {
    const verifier = randomBytes(32).toString('base64url');
    const state = randomBytes(24).toString('base64url');
    await this.vault.savePendingConsent(
      state,
      verifier,
      new Date(this.now() + CONSENT_WINDOW_MS).toISOString(),
    );
    return this.authorizeUrl(redirectUri, state, createHash('sha256').update(verifier).digest('base64url'));
  }

  /**
   * Ends the consent step with what Entra sent back; undefined when the state is not one this app
   * started in the last ten minutes (or was used already).
   */
  async finishConsent(
    state: string,
    code: string,
    redirectUri: string,
  ): Promise<{ user: string } | undefined> {
    const verifier = await this.vault.takePendingConsent(state, new Date(this.now()));
    return verifier ? this.connect(code, verifier, redirectUri) : undefined;
  }

  private authorizeUrl(redirectUri: string, state: string, codeChallenge: string): string {
    const query = new URLSearchParams({
      client_id: this.config.identity.clientId,
      response_type: 'code',
      redirect_uri: redirectUri,
      response_mode: 'query',
      scope: this.connectScopes(),
      state,
      code_challenge: codeChallenge,
      code_challenge_method: 'S256',
      prompt: 'select_account',
    });
    return `${this.authority(this.config.partner.tenantId)}/oauth2/v2.0/authorize?${query}`;
  }

  /** Redeems the authorization code of the consent step and keeps the user's refresh token. */
  private async connect(code: string, codeVerifier: string, redirectUri: string): Promise<{ user: string }> {
    const body = await this.tokenRequest(this.config.partner.tenantId, {
      grant_type: 'authorization_code',
      code,
      code_verifier: codeVerifier,
      redirect_uri: redirectUri,
      scope: this.connectScopes(),
    });
    if (!body.refresh_token)
      throw new Error('Entra returned no refresh token: the app must be allowed offline_access');
    const user = userOf(body.id_token ?? body.access_token) ?? 'unknown user';
    const at = new Date(this.now()).toISOString();
    const seed = this.config.identity.refreshToken;
    await this.vault.write({
      sealed: this.vault.seal(body.refresh_token),
      issuedAt: at,
      // A connection made here outranks the setting until the setting itself changes.
      seedFingerprint: seed ? fingerprint(seed) : '',
      user,
      connectedAt: at,
      lastExchangeAt: at,
    });
    await this.vault.clearProblem();
    this.cache.clear();
    return { user };
  }

  /**
   * Exercises the identity when it has not been used for a while, so that an idle product does not
   * lose its partner user after 90 days, and reports how it stands.
   */
  async keepAlive(): Promise<IdentityHealth> {
    if (this.config.identity.verification === 'secureApplicationModel') {
      const record = await this.vault.read();
      const idle = !record.issuedAt || this.now() - Date.parse(record.issuedAt) >= KEEP_ALIVE_AFTER_MS;
      const seedChanged =
        this.config.identity.refreshToken &&
        fingerprint(this.config.identity.refreshToken) !== record.seedFingerprint;
      if (idle || seedChanged)
        await this.redeem(this.config.partner.tenantId, [scopeFor(this.config.cloud.audiences.arm)]).catch(
          () => undefined, // recorded by redeem when it matters; reported below
        );
    }
    return this.health();
  }

  async health(): Promise<IdentityHealth> {
    if (this.config.identity.verification === 'appOnly')
      return {
        mode: 'appOnly',
        healthy: true,
        connected: true,
        note: "verification uses the partner app's own token in each customer's tenant: it finds only grants made to the app's service principal there (docs/IDENTITY.md)",
      };
    const record = await this.vault.read();
    const connected = Boolean(record.sealed || this.config.identity.refreshToken);
    const issued = record.issuedAt ? Date.parse(record.issuedAt) : undefined;
    const problem: IdentityHealth['problem'] = !connected
      ? {
          kind: 'not-connected',
          explanation: explainProblem('not-connected', this.context('')),
          at: new Date(this.now()).toISOString(),
        }
      : record.problem
        ? { kind: record.problem, explanation: record.problemExplanation ?? '', at: record.problemAt ?? '' }
        : undefined;
    return {
      mode: 'secureApplicationModel',
      healthy: !problem,
      connected,
      ...(record.user ? { user: record.user } : {}),
      ...(record.connectedAt ? { connectedAt: record.connectedAt } : {}),
      ...(record.lastExchangeAt ? { lastExchangeAt: record.lastExchangeAt } : {}),
      ...(record.issuedAt ? { tokenIssuedAt: record.issuedAt } : {}),
      ...(issued !== undefined
        ? {
            inactivityDaysLeft: Math.max(
              0,
              Math.floor((issued + REFRESH_TOKEN_INACTIVITY_DAYS * DAY_MS - this.now()) / DAY_MS),
            ),
          }
        : {}),
      ...(problem ? { problem } : {}),
      note: "verification acts as a partner user of the partner group, through the partner's app (Secure Application Model)",
    };
  }

  /** Records that the partner's team was told about the identity's state. */
  async noticeSent(at: string): Promise<void> {
    await this.vault.write({ noticeSentAt: at });
  }

  async lastNoticeAt(): Promise<string | undefined> {
    return (await this.vault.read()).noticeSentAt;
  }

  private async redeem(tenantId: string, scopes: string[]): Promise<AccessToken> {
    const record = await this.vault.read();
    const source = this.refreshToken(record);
    let body: TokenResponse;
    try {
      body = await this.tokenRequest(
        tenantId,
        {
          grant_type: 'refresh_token',
          refresh_token: source.token,
          scope: [...scopes, 'offline_access'].join(' '),
        },
        record.user,
      );
    } catch (error) {
      if (error instanceof IdentityError && IDENTITY_WIDE_PROBLEMS.has(error.problem))
        await this.vault.write({
          problem: error.problem,
          problemExplanation: error.explanation,
          problemAt: new Date(this.now()).toISOString(),
        });
      throw error;
    }
    await this.remember(record, source, body);
    return { token: body.access_token, expiresOnTimestamp: this.now() + body.expires_in * 1000 };
  }

  /** The refresh token to redeem: a changed setting wins, else the stored one, else the setting. */
  private refreshToken(record: PartnerUserRecord): { token: string; fromSetting: boolean } {
    const seed = this.config.identity.refreshToken;
    if (seed && fingerprint(seed) !== record.seedFingerprint) return { token: seed, fromSetting: true };
    const stored = record.sealed ? this.vault.open(record.sealed) : undefined;
    if (stored) return { token: stored, fromSetting: false };
    if (seed) return { token: seed, fromSetting: true };
    throw new IdentityError('not-connected', explainProblem('not-connected', this.context('')));
  }

  /** Keeps the newest refresh token (once a day), when it was used, and that the identity is well. */
  private async remember(
    record: PartnerUserRecord,
    source: { token: string; fromSetting: boolean },
    body: TokenResponse,
  ): Promise<void> {
    const now = this.now();
    const at = new Date(now).toISOString();
    const stale = !record.issuedAt || now - Date.parse(record.issuedAt) >= ROTATE_EVERY_MS;
    const changes: Partial<PartnerUserRecord> = {};
    if (body.refresh_token && (source.fromSetting || stale)) {
      changes.sealed = this.vault.seal(body.refresh_token);
      changes.issuedAt = at;
      changes.lastExchangeAt = at;
      if (source.fromSetting) {
        changes.seedFingerprint = fingerprint(source.token);
        changes.connectedAt = at;
        const user = userOf(body.access_token);
        if (user) changes.user = user;
      }
    } else if (!record.lastExchangeAt || now - Date.parse(record.lastExchangeAt) >= 10 * 60_000) {
      changes.lastExchangeAt = at;
    }
    if (Object.keys(changes).length) await this.vault.write(changes);
    if (record.problem) await this.vault.clearProblem();
  }

  private async tokenRequest(
    tenantId: string,
    fields: Record<string, string>,
    user?: string,
  ): Promise<TokenResponse> {
    const endpoint = `${this.authority(tenantId)}/oauth2/v2.0/token`;
    const form = new URLSearchParams({ ...fields, ...(await this.authenticate(endpoint)) });
    const response = await this.pipeline.sendRequest(
      this.http,
      createPipelineRequest({
        url: endpoint,
        method: 'POST',
        headers: createHttpHeaders({
          'Content-Type': 'application/x-www-form-urlencoded',
          Accept: 'application/json',
        }),
        body: form.toString(),
        timeout: 30_000,
      }),
    );
    const body = parseJson(response.bodyAsText ?? undefined);
    if (
      response.status === 200 &&
      typeof body?.access_token === 'string' &&
      typeof body.expires_in !== 'undefined'
    )
      return {
        access_token: body.access_token,
        expires_in: Number(body.expires_in),
        ...(typeof body.refresh_token === 'string' ? { refresh_token: body.refresh_token } : {}),
        ...(typeof body.id_token === 'string' ? { id_token: body.id_token } : {}),
      };
    const error: EntraErrorBody = {
      ...(typeof body?.error === 'string' ? { error: body.error } : {}),
      ...(typeof body?.error_description === 'string' ? { error_description: body.error_description } : {}),
      ...(Array.isArray(body?.error_codes)
        ? { error_codes: body.error_codes.filter((c): c is number => typeof c === 'number') }
        : {}),
      ...(typeof body?.suberror === 'string' ? { suberror: body.suberror } : {}),
    };
    const problem = response.status < 500 && response.status !== 429 ? identityProblemOf(error) : undefined;
    const code = aadstsCode(error);
    if (problem)
      throw new IdentityError(
        problem,
        explainProblem(problem, this.context(tenantId, user), code),
        code !== undefined ? `AADSTS${code}` : undefined,
      );
    if (response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429)
      throw new IdentityError(
        'token-refused',
        `Entra refused a token for the customer's tenant ${tenantId}: ${(error.error_description ?? error.error ?? `HTTP ${response.status}`).split('\n')[0]?.slice(0, 300)}`,
        code !== undefined ? `AADSTS${code}` : undefined,
      );
    throw new RestError(`Entra's token endpoint answered ${response.status}`, {
      statusCode: response.status,
      response,
    });
  }

  private authority(tenantId: string): string {
    return `${this.config.cloud.authorityHost.replace(/\/+$/, '')}/${tenantId}`;
  }

  private connectScopes(): string {
    return `${scopeFor(this.config.cloud.audiences.arm)} offline_access openid profile`;
  }

  private context(tenantId: string, user?: string) {
    return {
      tenantId,
      clientId: this.config.identity.clientId,
      partnerGroupName: this.config.partner.groupName,
      ...(user ? { user } : {}),
    };
  }
}

function parseJson(text: string | undefined): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text ?? '');
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The user a token names (UPN, else object id); its signature is not checked, it came from Entra over TLS. */
export function userOf(jwt: string): string | undefined {
  const claims = parseJson(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8'));
  const name = claims?.upn ?? claims?.preferred_username ?? claims?.unique_name ?? claims?.oid;
  return typeof name === 'string' ? name : undefined;
}
