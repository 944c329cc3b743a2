import type { OrchestrationContext, OrchestrationHandler } from 'durable-functions';
import type { Progress, ReinstatementInput } from './contract';
import { ReinstatementFlow } from './reinstatementFlow';

/**
 * One reinstatement, as the procedure goes (docs/PROCEDURE.md numbers its steps): invite the
 * customer, wait for their Global admin to accept, look up the partner group, ask the customer for
 * the role assignment (unless they already made it), wait until every scope is verified. It starts
 * from wherever the record stands, so a retried or repaired reinstatement resumes at the step it
 * stopped at. ReinstatementFlow holds the mechanics (retries, waits with reminders, mail at the
 * pace); a step that cannot go on ends the flow, which records every end with its reason.
 */
export const reinstatementOrchestrator: OrchestrationHandler = function* (context: OrchestrationContext) {
  const flow = new ReinstatementFlow(context, context.df.getInput<ReinstatementInput>());
  const { act, id, schedule } = flow;

  return yield* flow.runToEnd(function* () {
    const record: Progress = flow.input.fresh
      ? { state: 'Requested' }
      : yield* flow.run('reading the reinstatement', () => act.loadProgress({ reinstatementId: id }));

    // 1-2. Request the reseller relationship: the invitation with Microsoft's link, in the lane of
    // whoever asked (a person's start goes ahead of a bulk job's queue).
    let invitedAt = record.invitationSentAt;
    if (record.state === 'Requested')
      invitedAt = yield* flow.send(
        'invitation',
        flow.input.invitationLane ?? 'bulk',
        schedule.invitationExpiryDays,
      );

    // 3. The customer's Global admin accepts in the Microsoft 365 admin center.
    if (record.state === 'Requested' || record.state === 'InvitationSent') {
      flow.status('waiting for acceptance');
      const accepted = yield* flow.waitForCustomer(
        'Accepted',
        'invitation',
        flow.clockFrom(invitedAt),
        schedule.invitationReminderDays,
        schedule.invitationExpiryDays,
      );
      if (!accepted)
        throw flow.expired(`the invitation was not accepted within ${schedule.invitationExpiryDays} days`);
      yield* flow.run('recording the acceptance', () =>
        act.recordAcceptance({ reinstatementId: id, ...accepted }),
      );
    }

    // 4. The partner's AdminAgents group, whose object id the customer grants Owner to.
    flow.status('looking up the partner group');
    yield* flow.run('looking up the partner group', () => act.lookupPartnerGroup({ reinstatementId: id }));

    // 5-8. The customer's role assignment: asked for only when it is not already there.
    let instructedAt = record.instructionsSentAt;
    if (record.state !== 'AwaitingRoleAssignment') {
      const already = yield* flow.run('checking whether Owner is already granted', () =>
        act.checkScopesNow({ reinstatementId: id }),
      );
      if (already.verified === already.total) return 'Reinstated';
      instructedAt = yield* flow.send('instructions', 'people', schedule.roleAssignmentDeadlineDays);
    }

    // The product's own last step: Owner for the partner group, verified at every scope.
    yield* flow.untilEveryScopeVerified(flow.clockFrom(instructedAt));
    return 'Reinstated';
  });
};
