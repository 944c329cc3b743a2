import * as df from 'durable-functions';
import type { InvocationContext, Timer } from '@azure/functions';
import { getContainer } from '../../shared/app/container';
import { getConfig } from '../../shared/config/appConfig';
import { recordOperationsSample, recordPartnerCenterBudgetUsage } from '../../shared/telemetry/metrics';
import { operationsSampleOf, runWatchdog } from '../../shared/workflow/watchdog';
import { workflowClient } from '../workflowClient';

/**
 * Repairs reinstatements whose orchestration stopped, and resumes unfinished bulk jobs and mail; what
 * it saw (reinstatements per state, the mail queue, the identity) and the Partner Center budget become the operations metrics.
 */
export async function watchdog(
  _timer: Timer,
  client: df.DurableClient,
  context: InvocationContext,
): Promise<void> {
  const app = await getContainer();
  const r = await runWatchdog(app, workflowClient(client));
  recordOperationsSample(operationsSampleOf(r.seen), app.now());
  recordPartnerCenterBudgetUsage(await app.partnerCenterBudget.usage());
  context.log(
    `watchdog: examined ${r.examined}, resumed ${r.resumed}, marked failed ${r.failed}, ` +
      `bulk jobs resumed ${r.bulkJobsResumed}${r.mailDispatcherWoken ? ', mail dispatcher woken' : ''}`,
  );
  if (!r.identity.healthy)
    context.warn(
      `watchdog: verification identity needs attention${r.identity.notified ? ' (partner team notified)' : ''}: ${r.identity.problem ?? 'its sign-in lapses soon'}`,
    );
}

// The schedule comes from the validated configuration, so its documented default applies.
df.app.client.timer('watchdog', { schedule: getConfig().schedule.watchdogSchedule, handler: watchdog });
