import type { OrchestrationContext, OrchestrationHandler } from 'durable-functions';
import type { Progress } from './activities';
import type { ReinstatementInput } from './contract';
import { ReinstatementFlow } from './reinstatementFlow';

/**
 * One reinstatement, as the procedure goes: invite the customer, wait for their Global admin to
 * accept, look up the partner group, send the role-assignment instructions, wait until every scope
 * is verified, and report. It starts from wherever the record stands, so a retried or repaired
 * reinstatement resumes at the step it stopped at. The waiting, retrying and mail mechanics are in
 * ReinstatementFlow; every end, expected or not, is recorded with its reason.
 */
export const reinstatementOrchestrator: OrchestrationHandler = function* (context: OrchestrationContext) {
  const input = context.df.getInput<ReinstatementInput>();
  const flow = new ReinstatementFlow(context, input);
  const { act, id, schedule } = flow;
  // A new reinstatement is Requested; a resumed one (a retry, a repair) starts where its record stands.
  const loaded = input.fresh
    ? ({ kind: 'done', value: { state: 'Requested' } } as const)
    : yield* flow.run('reading the reinstatement', () => act.loadProgress({ reinstatementId: id }));
  if (loaded.kind !== 'done') return yield* flow.end(loaded);
  const record: Progress = loaded.value;
  try {
    // 1. The reseller relationship invitation, with the bulk of the mail at the shared pace.
    let invitedAt = record.invitationSentAt;
    if (record.state === 'Requested') {
      const sent = yield* flow.sendAndWait('invitation', 'bulk', schedule.invitationExpiryDays);
      if (sent.kind !== 'done') return yield* flow.end(sent);
      invitedAt = sent.value;
    }

    // 2. The customer's Global admin accepts in the Microsoft 365 admin center.
    if (record.state === 'Requested' || record.state === 'InvitationSent') {
      flow.status('waiting for acceptance');
      const accepted = yield* flow.waitForCustomer(
        'Accepted',
        'invitation',
        flow.clockFrom(invitedAt),
        schedule.invitationReminderDays,
        schedule.invitationExpiryDays,
      );
      if (accepted.kind === 'deadline')
        return yield* flow.end({
          kind: 'deadline',
          reason: `the invitation was not accepted within ${schedule.invitationExpiryDays} days`,
        });
      if (accepted.kind !== 'arrived') return yield* flow.end(accepted);
      const recorded = yield* flow.run('recording the acceptance', () =>
        act.recordAcceptance({ reinstatementId: id, ...accepted.value }),
      );
      if (recorded.kind !== 'done') return yield* flow.end(recorded);
    }

    // 3. The partner's AdminAgents group, whose object id the customer grants Owner to.
    flow.status('looking up the partner group');
    const group = yield* flow.run('looking up the partner group', () =>
      act.lookupPartnerGroup({ reinstatementId: id }),
    );
    if (group.kind !== 'done') return yield* flow.end(group);

    // 4. The role-assignment instructions: someone waits for them, so they go in people's lane.
    let instructedAt = record.instructionsSentAt;
    if (record.state !== 'AwaitingRoleAssignment') {
      const sent = yield* flow.sendAndWait('instructions', 'people', schedule.roleAssignmentDeadlineDays);
      if (sent.kind !== 'done') return yield* flow.end(sent);
      instructedAt = sent.value;
    }

    // 5. Owner for the partner group as ForeignGroup on every scope, verified scope by scope.
    const since = flow.clockFrom(instructedAt);
    for (;;) {
      const progress = yield* flow.run('checking the scopes', () =>
        act.scopeProgress({ reinstatementId: id }),
      );
      if (progress.kind !== 'done') return yield* flow.end(progress);
      const { verified, total } = progress.value;
      if (verified === total) break;
      flow.status(`waiting for role assignments (${verified} of ${total} verified)`);
      const wait = yield* flow.waitForCustomer(
        'ScopeVerified',
        'instructions',
        since,
        schedule.roleAssignmentReminderDays,
        schedule.roleAssignmentDeadlineDays,
      );
      if (wait.kind === 'arrived') continue;
      if (wait.kind !== 'deadline') return yield* flow.end(wait);
      const last = yield* flow.run('checking the scopes', () => act.scopeProgress({ reinstatementId: id }));
      if (last.kind === 'done' && last.value.verified === last.value.total) break;
      const missing = last.kind === 'done' ? last.value.pendingSummary : 'the scopes could not be read';
      return yield* flow.end({
        kind: 'deadline',
        reason: `role assignments not granted within ${schedule.roleAssignmentDeadlineDays} days (${missing})`,
      });
    }

    // 6. Done: the partner can manage the customer's subscriptions again.
    return yield* flow.finish('Reinstated');
  } catch (error) {
    return yield* flow.finish(
      'Failed',
      `unexpected error: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
};
