import { mapWithConcurrency } from '../../lib/concurrency';
import { isOneOf } from '../../lib/isOneOf';
import type { RoleAssignmentVerifier, ScopeCheck } from '../adapters/arm/roleAssignmentVerifier';
import { IDENTITY_WIDE_PROBLEMS } from '../adapters/identity/entraErrors';
import type { AuditActor } from '../model/audit';
import type { Reinstatement, ScopeCheckResult } from '../model/reinstatement';
import type { ReinstatementRepository } from '../storage/reinstatementRepository';
import { recordVerificationFinding } from '../telemetry/metrics';
import { inScopeCheckSpan } from '../telemetry/reinstatementTrace';

export interface VerificationDeps {
  repository: ReinstatementRepository;
  verifier: RoleAssignmentVerifier;
  now: () => Date;
}

/** One scope's check, as the API answers it. */
export interface ScopeOutcome extends ScopeCheckResult {
  reinstatementId: string;
  scope: string;
}

export interface VerificationSummary {
  checked: number;
  verified: number;
  stillPending: number;
  throttled: number;
  failed: number;
  durationMs: number;
  /** Every scope checked, with what was found, in words. */
  scopes: ScopeOutcome[];
  /** Reinstatements with at least one scope newly verified: their orchestrations get the event. */
  advanced: string[];
  /** Set when ARM throttled: the longest wait it asked for (that customer's other scopes were skipped). */
  backOffMs?: number;
}

const CHECKED_IN = ['Accepted', 'AwaitingRoleAssignment'] as const;

/** A finding is written again at most this often when it does not change (checks every 15 min). */
const REWRITE_UNCHANGED_MS = 3_600_000;

/**
 * Checks the pending scopes of the given reinstatements with bounded concurrency, and records on
 * each scope what the check found: verified once and for good, or why not yet. ARM throttles per
 * subscription and caller, so a 429 skips the rest of that customer's scopes in this run (they are
 * checked at the next one) while the other customers' checks go on; the wait it asked for is reported.
 */
export async function verifyScopes(
  deps: VerificationDeps,
  reinstatements: Reinstatement[],
  concurrency: number,
  actor: AuditActor,
  /** The person or tool that asked for the check, named in its audit rows. */
  by?: string,
): Promise<VerificationSummary> {
  const started = Date.now();
  const work = reinstatements.flatMap((reinstatement) => {
    const groupId = reinstatement.partnerGroupObjectId;
    // Accepted: checked once before the instructions go, in case the customer granted Owner already.
    if (!isOneOf(reinstatement.state, CHECKED_IN) || !groupId) return [];
    return reinstatement.scopes
      .filter(({ status }) => status === 'Pending')
      .map(({ scope }) => ({ reinstatement, scope, groupId }));
  });
  let backOffMs: number | undefined;
  const throttledTenants = new Set<string>();
  // A problem of the identity itself (a lapsed sign-in) is the same for every customer: found once.
  let identityDown: ScopeCheck | undefined;
  const checks = await mapWithConcurrency(
    work,
    concurrency,
    async ({
      reinstatement,
      scope,
      groupId,
    }): Promise<{ outcome: ScopeOutcome; kind: ScopeCheck['kind'] | 'skipped' }> => {
      const at = deps.now().toISOString();
      if (throttledTenants.has(reinstatement.customerTenantId))
        return {
          kind: 'skipped',
          outcome: {
            reinstatementId: reinstatement.id,
            scope,
            at,
            finding: 'could-not-check',
            explanation: 'not checked this time: Azure asked to slow down for this customer',
          },
        };
      const check =
        identityDown ??
        (await inScopeCheckSpan(reinstatement, () =>
          deps.verifier.verify(reinstatement.customerTenantId, scope, groupId),
        ));
      if (check.kind === 'identity' && IDENTITY_WIDE_PROBLEMS.has(check.problem)) identityDown = check;
      if (check.kind === 'throttled') {
        throttledTenants.add(reinstatement.customerTenantId);
        backOffMs = Math.max(backOffMs ?? 0, check.retryAfterMs);
      }
      const result: ScopeCheckResult = { at, finding: findingOf(check), explanation: check.explanation };
      recordVerificationFinding(result.finding);
      await record(deps, reinstatement.id, scope, result, check, actor, by);
      return { kind: check.kind, outcome: { reinstatementId: reinstatement.id, scope, ...result } };
    },
  );
  const count = (...kinds: (ScopeCheck['kind'] | 'skipped')[]) =>
    checks.filter((c) => kinds.includes(c.kind)).length;
  const outcomes = checks.map((c) => c.outcome);
  return {
    checked: outcomes.length,
    verified: count('verified'),
    stillPending: count('missing'),
    throttled: count('throttled', 'skipped'),
    failed: count('error', 'identity'),
    durationMs: Date.now() - started,
    scopes: outcomes,
    advanced: [...new Set(outcomes.filter((o) => o.finding === 'verified').map((o) => o.reinstatementId))],
    ...(backOffMs !== undefined ? { backOffMs } : {}),
  };
}

function findingOf(check: ScopeCheck): ScopeCheckResult['finding'] {
  if (check.kind === 'verified') return 'verified';
  if (check.kind === 'missing') return check.finding;
  if (check.kind === 'identity') return 'partner-identity';
  return 'could-not-check';
}

/** Records a check on its scope: verification with an audit row, other findings when they change. */
async function record(
  deps: VerificationDeps,
  id: string,
  scope: string,
  result: ScopeCheckResult,
  check: ScopeCheck,
  actor: AuditActor,
  by: string | undefined,
): Promise<void> {
  const asked = by ? { by } : {};
  await deps.repository.update(id, (current) => {
    const entry = current.scopes.find((s) => s.scope === scope);
    if (!entry || entry.status === 'Verified') return null;
    const previous = entry.lastCheck;
    current.counters.verificationChecks++;
    entry.lastCheck = result;
    if (check.kind === 'verified') {
      entry.status = 'Verified';
      entry.verifiedAt = result.at;
      return {
        next: current,
        audit: {
          what: 'scope-verified',
          actor,
          details: { scope, assignmentId: check.assignmentId, ...asked },
        },
      };
    }
    const changed = previous?.finding !== result.finding || previous.explanation !== result.explanation;
    if (!changed && Date.parse(result.at) - Date.parse(previous?.at ?? '1970-01-01') < REWRITE_UNCHANGED_MS)
      return null;
    return changed
      ? {
          next: current,
          audit: {
            what: 'scope-checked',
            actor,
            details: { scope, finding: result.finding, explanation: result.explanation, ...asked },
          },
        }
      : { next: current };
  });
}
