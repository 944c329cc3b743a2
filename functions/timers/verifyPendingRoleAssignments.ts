import * as df from 'durable-functions';
import type { InvocationContext, Timer } from '@azure/functions';
import { getContainer } from '../../shared/app/container';
import { getConfig } from '../../shared/config/appConfig';
import { PartnerCenterInbox } from '../../shared/api/partnerCenterInbox';
import { ReinstatementService } from '../../shared/api/reinstatementService';
import { workflowClient } from '../workflowClient';

/** Checks every reinstatement awaiting a role assignment, and (when enabled) reconciles acceptances. */
export async function verifyPendingRoleAssignments(
  timer: Timer,
  client: df.DurableClient,
  context: InvocationContext,
): Promise<void> {
  const app = await getContainer();
  const workflow = workflowClient(client);
  const reconciled = await new PartnerCenterInbox(app, workflow).reconcile();
  const swept = await new ReinstatementService(app, workflow).verifyAllPending();
  context.log(
    `verification: checked ${swept.checked}, verified ${swept.verified}, still pending ${swept.stillPending}, ` +
      `throttled ${swept.throttled}, failed ${swept.failed} in ${swept.durationMs} ms` +
      `${swept.backOffMs !== undefined ? `, backing off ${swept.backOffMs} ms` : ''}; reconciled ${reconciled}` +
      `${timer.isPastDue ? ' (past due)' : ''}`,
  );
}

df.app.client.timer('verifyPendingRoleAssignments', {
  // The schedule comes from the validated configuration, so its documented default applies.
  schedule: getConfig().schedule.verifySchedule,
  handler: verifyPendingRoleAssignments,
});
