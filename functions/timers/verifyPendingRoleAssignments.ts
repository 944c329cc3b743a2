import * as df from 'durable-functions';
import type { InvocationContext, Timer } from '@azure/functions';
import { getContainer } from '../../shared/app/container';
import { ReinstatementService } from '../../shared/api/reinstatementService';
import { workflowClient } from '../workflowClient';

/** Checks every reinstatement awaiting a role assignment, and (when enabled) reconciles acceptances. */
df.app.client.timer('verifyPendingRoleAssignments', {
  schedule: '%VERIFY_SCHEDULE%',
  handler: async (timer: Timer, client: df.DurableClient, context: InvocationContext): Promise<void> => {
    const s = new ReinstatementService(await getContainer(), workflowClient(client));
    const reconciled = await s.reconcileAcceptances();
    const r = await s.verifyAllPending();
    context.log(
      `verification: checked ${r.checked}, verified ${r.verified}, still pending ${r.stillPending}, throttled ${r.throttled}, failed ${r.failed}, ` +
        `${r.durationMs} ms${r.backOffMs !== undefined ? `, backing off ${r.backOffMs} ms` : ''}; reconciled ${reconciled}${timer.isPastDue ? ' (past due)' : ''}`,
    );
  },
});
