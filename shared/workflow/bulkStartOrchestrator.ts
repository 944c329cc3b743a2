import type { OrchestrationContext, OrchestrationHandler } from 'durable-functions';
import { errorMessage } from '../../lib/errors';
import { nextRetry, RetryPolicies, unitHash } from '../../lib/retryPolicy';
import { proxyActivities, type BulkStartInput, type StepOutcome, type BulkPageCounts } from './contract';

/**
 * A bulk start, after the partner's request was answered: the job's stored pages are started one
 * after the other. A crash midway resumes at the page that was running; each row's reinstatement id
 * is fixed by the job and the row, so nothing is started twice.
 */
export const bulkStartOrchestrator: OrchestrationHandler = function* (context: OrchestrationContext) {
  const act = proxyActivities(context);
  const { jobId, pages, lane } = context.df.getInput<BulkStartInput>();
  const totals = { started: 0, existing: 0, invalid: 0, failed: 0 };
  for (let page = 0; page < pages; page++) {
    context.df.setCustomStatus({ page, pages, ...totals });
    let outcome: StepOutcome<BulkPageCounts>;
    // A page is retried until it is done: each row stands for a partner's request, none is dropped.
    const firstAttemptAt = context.df.currentUtcDateTime.getTime();
    for (let attempt = 1; ; attempt++) {
      try {
        outcome = yield* act.startBulkPage({ jobId, page, ...(lane ? { lane } : {}) });
      } catch (error) {
        outcome = { kind: 'retry', reason: errorMessage(error) };
      }
      if (outcome.kind !== 'retry') break;
      const next = nextRetry(RetryPolicies.bulkPage, {
        attempt,
        firstAttemptAt,
        now: context.df.currentUtcDateTime.getTime(),
        jitter: unitHash(`${jobId}|${page}|${attempt}`),
        ...(outcome.afterMs !== undefined ? { retryAfterMs: outcome.afterMs } : {}),
      });
      if (next.kind === 'wait') yield context.df.createTimer(new Date(next.until));
    }
    if (outcome.kind === 'done') {
      totals.started += outcome.value.started;
      totals.existing += outcome.value.existing;
      totals.invalid += outcome.value.invalid;
      totals.failed += outcome.value.failed;
    }
  }
  context.df.setCustomStatus({ page: pages, pages, ...totals });
  return totals;
};
