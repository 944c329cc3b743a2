import type { AppConfig } from '../config/appConfig';
import type { MailDispatch } from '../email/dispatch';
import { activeKey } from '../model/activeKey';
import type { AuditActor } from '../model/audit';
import { isFinalState } from '../model/states';
import type { ReinstatementRepository } from '../storage/reinstatementRepository';
import type { FinalOutcome, WorkflowClient } from './contract';
import { composeReinstatementMail } from './reinstatementMails';
import { wakeMailDispatcher } from './wakeMailDispatcher';

/**
 * Ends a reinstatement, the one way: the final state with its reason (Failed remembers the state it
 * failed in, where a retry resumes), the claim on customer and scopes released, and the partner's
 * notice (and, when reinstated, the customer's thanks) queued in people's lane. Mails still queued
 * for it are withdrawn by the dispatcher when it reaches them. Safe to repeat; a record that is
 * already final keeps its state, which is answered.
 */
export async function endReinstatement(
  deps: { config: AppConfig; repository: ReinstatementRepository; mail: MailDispatch; now: () => Date },
  workflow: WorkflowClient,
  id: string,
  outcome: FinalOutcome,
  reason?: string,
  actor: AuditActor = 'system',
): Promise<FinalOutcome> {
  const reinstatement = await deps.repository.update(id, (current) => {
    if (isFinalState(current.state)) return null;
    if (outcome === 'Failed') current.failedIn = current.state;
    current.state = outcome;
    delete current.trouble;
    if (reason) current.stateReason = reason;
    return {
      next: current,
      audit: { what: outcome.toLowerCase(), actor, details: reason ? { reason } : {} },
    };
  });
  await deps.repository.releaseActive(
    activeKey(reinstatement.customerTenantId, reinstatement.scopes),
    reinstatement.id,
  );
  const notices = [
    { kind: 'partner-notice' as const, sequence: 0 },
    ...(reinstatement.state === 'Reinstated' ? [{ kind: 'thanks' as const, sequence: 0 }] : []),
  ];
  let wake = false;
  for (const notice of notices) {
    const queued = await deps.mail.enqueue({
      key: { stream: reinstatement.id, ...notice },
      lane: 'people',
      ...composeReinstatementMail(deps.config, reinstatement, notice.kind, notice.sequence, deps.now()),
    });
    wake ||= queued.wake;
  }
  if (wake) await wakeMailDispatcher(workflow);
  if (!isFinalState(reinstatement.state)) throw new Error(`reinstatement ${id} did not end`);
  return reinstatement.state;
}
