import type { OrchestrationContext, OrchestrationHandler } from 'durable-functions';
import { proxyActivities, type BulkStartInput } from './contract';

/**
 * A bulk start, after the partner's request was answered: the job's stored pages are started one
 * after the other. A crash midway resumes at the page that was running; each row's reinstatement id
 * is fixed by the job and the row, so nothing is started twice.
 */
export const bulkStartOrchestrator: OrchestrationHandler = function* (context: OrchestrationContext) {
  const act = proxyActivities(context);
  const { jobId, pages } = context.df.getInput<BulkStartInput>();
  const totals = { started: 0, existing: 0, failed: 0 };
  for (let page = 0; page < pages; page++) {
    context.df.setCustomStatus({ page, pages, ...totals });
    let outcome;
    for (let attempt = 1; ; attempt++) {
      try {
        outcome = yield* act.startBulkPage({ jobId, page });
      } catch (error) {
        outcome = { kind: 'retry' as const, reason: error instanceof Error ? error.message : String(error) };
      }
      if (outcome.kind !== 'retry') break;
      const wait = Math.min(300_000, 2_000 * 2 ** Math.min(attempt, 8));
      yield context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + wait));
    }
    if (outcome.kind === 'done') {
      totals.started += outcome.value.started;
      totals.existing += outcome.value.existing;
      totals.failed += outcome.value.failed;
    }
  }
  context.df.setCustomStatus({ page: pages, pages, ...totals });
  return totals;
};
