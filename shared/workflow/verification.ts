import { mapWithConcurrency } from '../../lib/concurrency';
import type { RoleAssignmentVerifier } from '../adapters/arm/roleAssignmentVerifier';
import type { AuditActor } from '../model/audit';
import type { Reinstatement } from '../model/reinstatement';
import type { ReinstatementRepository } from '../storage/reinstatementRepository';

export interface VerificationDeps {
  repository: ReinstatementRepository;
  verifier: RoleAssignmentVerifier;
  now: () => Date;
}

export interface ScopeOutcome {
  reinstatementId: string;
  scope: string;
  result: 'verified' | 'not-yet' | 'throttled' | 'error';
}

export interface VerificationSummary {
  checked: number;
  verified: number;
  stillPending: number;
  throttled: number;
  failed: number;
  durationMs: number;
  /** Reinstatements with at least one scope newly verified: their orchestrations get the event. */
  advanced: string[];
  /** Set when ARM throttled: the wait it asked for; the rest of the run was skipped. */
  backOffMs?: number;
}

/**
 * Checks the pending scopes of the given reinstatements with bounded concurrency and records each
 * newly verified scope (once: a scope already verified is left alone). Stops starting new checks
 * as soon as ARM throttles, and reports how long to back off.
 */
export async function verifyScopes(
  deps: VerificationDeps,
  reinstatements: Reinstatement[],
  concurrency: number,
  actor: AuditActor,
): Promise<VerificationSummary> {
  const started = Date.now();
  const work = reinstatements
    .filter((r) => r.state === 'AwaitingRoleAssignment' && r.partnerGroupObjectId)
    .flatMap((r) => r.scopes.filter((s) => s.status === 'Pending').map((s) => ({ r, scope: s.scope })));
  let backOffMs: number | undefined;
  const outcomes = await mapWithConcurrency(
    work,
    concurrency,
    async ({ r, scope }): Promise<ScopeOutcome> => {
      if (backOffMs !== undefined) return { reinstatementId: r.id, scope, result: 'throttled' };
      const check = await deps.verifier.verify(r.customerTenantId, scope, r.partnerGroupObjectId as string);
      if (check.kind === 'throttled') {
        backOffMs = Math.max(backOffMs ?? 0, check.retryAfterMs);
        return { reinstatementId: r.id, scope, result: 'throttled' };
      }
      if (check.kind !== 'verified')
        return { reinstatementId: r.id, scope, result: check.kind === 'notYet' ? 'not-yet' : 'error' };
      await deps.repository.update(r.id, (current) => {
        const entry = current.scopes.find((s) => s.scope === scope);
        if (!entry || entry.status === 'Verified') return null;
        entry.status = 'Verified';
        entry.verifiedAt = deps.now().toISOString();
        entry.lastOutcome = 'verified';
        current.counters.verificationChecks++;
        return {
          next: current,
          audit: { what: 'scope-verified', actor, details: { scope, assignmentId: check.assignmentId } },
        };
      });
      return { reinstatementId: r.id, scope, result: 'verified' };
    },
  );
  const count = (result: ScopeOutcome['result']) => outcomes.filter((o) => o.result === result).length;
  return {
    checked: outcomes.length,
    verified: count('verified'),
    stillPending: count('not-yet'),
    throttled: count('throttled'),
    failed: count('error'),
    durationMs: Date.now() - started,
    advanced: [...new Set(outcomes.filter((o) => o.result === 'verified').map((o) => o.reinstatementId))],
    ...(backOffMs !== undefined ? { backOffMs } : {}),
  };
}
