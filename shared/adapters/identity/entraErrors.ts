import { AuthenticationError, AuthenticationRequiredError } from '@azure/identity';

/**
 * What Microsoft Entra ID's token endpoint answers when it will not issue a token, in the terms a
 * partner can act on. Entra's error bodies carry `error` (the OAuth code), `error_description`
 * starting with an `AADSTS<n>` code, and `error_codes` (those numbers):
 * https://learn.microsoft.com/entra/identity-platform/reference-error-codes
 */
export type IdentityProblem =
  /** AADSTS700016 / AADSTS65001: the partner's app has no service principal or consent in that tenant. */
  | 'app-not-consented'
  /** AADSTS50020: the partner user may not enter the customer's tenant (no GDAP relationship). */
  | 'no-partner-access'
  /** AADSTS90002: no such tenant. */
  | 'tenant-not-found'
  /** AADSTS700082: the refresh token lapsed after its inactivity window (90 days by default). */
  | 'refresh-token-expired'
  /** AADSTS50173 and the like: revoked (password change, sessions revoked, user disabled). */
  | 'refresh-token-revoked'
  /** `interaction_required`: MFA or Conditional Access wants the user to sign in again. */
  | 'interaction-required'
  /** The app's own secret or certificate was refused. */
  | 'app-credential'
  /** No partner user has been connected yet. */
  | 'not-connected'
  /** Another refusal, named in its own words. */
  | 'token-refused';

/** Problems of the identity as a whole (every customer is affected), as against one customer's tenant. */
export const IDENTITY_WIDE_PROBLEMS: ReadonlySet<IdentityProblem> = new Set([
  'refresh-token-expired',
  'refresh-token-revoked',
  'interaction-required',
  'app-credential',
  'not-connected',
]);

/** Entra refused a token for a reason that waiting will not cure; someone must act. */
export class IdentityError extends Error {
  constructor(
    readonly problem: IdentityProblem,
    /** One sentence for the partner's team: what happened and what to do. */
    readonly explanation: string,
    /** The AADSTS code Entra gave, when it gave one. */
    readonly code?: string,
  ) {
    super(explanation);
    this.name = 'IdentityError';
  }
}

/** An Entra error body as the token endpoint sends it. */
export interface EntraErrorBody {
  error?: string;
  error_description?: string;
  error_codes?: number[];
  suberror?: string;
}

const CODES: Record<number, IdentityProblem> = {
  700016: 'app-not-consented',
  65001: 'app-not-consented',
  650052: 'app-not-consented',
  50020: 'no-partner-access',
  90002: 'tenant-not-found',
  700082: 'refresh-token-expired',
  70008: 'refresh-token-expired',
  50173: 'refresh-token-revoked',
  50132: 'refresh-token-revoked',
  50057: 'refresh-token-revoked',
  50076: 'interaction-required',
  50079: 'interaction-required',
  53003: 'interaction-required',
  50158: 'interaction-required',
  7000215: 'app-credential',
  7000222: 'app-credential',
  700027: 'app-credential',
};

/** The AADSTS number in an error, from `error_codes` or the description's prefix. */
export function aadstsCode(body: EntraErrorBody): number | undefined {
  const fromList = body.error_codes?.[0];
  if (typeof fromList === 'number' && fromList > 0) return fromList;
  const match = /AADSTS(\d+)/.exec(body.error_description ?? '');
  return match ? Number(match[1]) : undefined;
}

/**
 * The problem an Entra refusal means, or undefined when it is none of the known ones (the caller
 * then treats it as a failure of the call, retried later if the status says so).
 */
export function identityProblemOf(body: EntraErrorBody): IdentityProblem | undefined {
  const code = aadstsCode(body);
  const known = code !== undefined ? CODES[code] : undefined;
  if (known) return known;
  if (body.error === 'interaction_required' || body.suberror === 'consent_required')
    return body.suberror === 'consent_required' ? 'app-not-consented' : 'interaction-required';
  if (body.error === 'invalid_client') return 'app-credential';
  return undefined;
}

/** Who and where, for the sentences below. */
export interface ProblemContext {
  tenantId: string;
  clientId: string;
  partnerGroupName: string;
  /** The connected partner user, when known. */
  user?: string;
}

/** A sentence that says what happened and what to do, naming the AADSTS code as Entra gave it. */
export function explainProblem(problem: IdentityProblem, context: ProblemContext, code?: number): string {
  const aadsts = code !== undefined ? ` (AADSTS${code})` : '';
  const who = context.user ? `the partner user ${context.user}` : 'the partner user';
  switch (problem) {
    case 'app-not-consented':
      return `the partner's app ${context.clientId} is not consented in the customer's tenant ${context.tenantId}${aadsts}: consent it for Azure Resource Manager with Partner Center's application consent (see docs/IDENTITY.md)`;
    case 'no-partner-access':
      return `${who} cannot sign in to the customer's tenant ${context.tenantId}${aadsts}: a GDAP relationship with a security group nested in ${context.partnerGroupName} is needed`;
    case 'tenant-not-found':
      return `the customer's tenant ${context.tenantId} does not exist${aadsts}: check the tenant id`;
    case 'refresh-token-expired':
      return `${who}'s sign-in lapsed after going unused for too long${aadsts}: connect a partner user again (GET /api/identity/consent)`;
    case 'refresh-token-revoked':
      return `${who}'s sign-in was revoked${aadsts} (a password change, revoked sessions or a disabled account): connect a partner user again (GET /api/identity/consent)`;
    case 'interaction-required':
      return `${who} must sign in again interactively${aadsts} (multi-factor authentication or Conditional Access): connect again (GET /api/identity/consent)`;
    case 'app-credential':
      return `Entra refused the partner app's own credential${aadsts}: renew its secret or certificate and update the settings`;
    case 'not-connected':
      return 'no partner user is connected for verification yet: connect one (GET /api/identity/consent, see docs/IDENTITY.md)';
    case 'token-refused':
      return `Entra refused a token for the customer's tenant ${context.tenantId}${aadsts}`;
  }
}

/**
 * The same reading of a refusal that @azure/identity's credentials report (the app-only mode): an
 * AuthenticationError carries Entra's error body; MSAL's refusals arrive as an
 * AuthenticationRequiredError whose message holds Entra's description.
 */
export function identityErrorFrom(error: unknown, context: ProblemContext): IdentityError | undefined {
  if (error instanceof IdentityError) return error;
  let body: EntraErrorBody;
  if (error instanceof AuthenticationError) {
    if (error.statusCode >= 500 || error.statusCode === 429) return undefined;
    body = {
      error: error.errorResponse.error,
      error_description: error.errorResponse.errorDescription,
      ...(error.errorResponse.errorCodes ? { error_codes: error.errorResponse.errorCodes } : {}),
    };
  } else if (error instanceof AuthenticationRequiredError) {
    body = { error_description: error.message };
  } else return undefined;
  const problem = identityProblemOf(body);
  const code = aadstsCode(body);
  return problem
    ? new IdentityError(
        problem,
        explainProblem(problem, context, code),
        code !== undefined ? `AADSTS${code}` : undefined,
      )
    : undefined;
}
