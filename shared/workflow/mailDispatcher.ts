import type { OrchestrationContext, OrchestrationHandler } from 'durable-functions';
import { proxyActivities, waitForEvent } from './contract';
import { errorMessage } from '../../lib/errors';

/** Dispatch runs per generation before the history starts afresh (continue-as-new). */
const RUNS_PER_GENERATION = 20;

/**
 * The one sender of mail (a singleton instance, `mail-dispatcher`): it sends what the pace allows,
 * sleeps on a durable timer until the pace, ACS's Retry-After or a backoff allows more, and sleeps
 * until woken when the queue is empty. It never waits on a timer and an event at once, so its
 * continue-as-new never meets the Task.any pitfalls of durable-functions; a Wake that comes during
 * a timer is only a hint, and each generation starts by looking at the queue anyway.
 */
export const mailDispatcher: OrchestrationHandler = function* (context: OrchestrationContext) {
  const act = proxyActivities(context);
  for (let run = 0; run < RUNS_PER_GENERATION; run++) {
    let result;
    try {
      result = yield* act.dispatchMail({});
    } catch (error) {
      // Storage or a bug: try again in a minute rather than stop sending mail altogether.
      context.df.setCustomStatus({
        failing: errorMessage(error).slice(0, 300),
      });
      yield context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + 60_000));
      continue;
    }
    context.df.setCustomStatus({ last: result });
    if (result.kind === 'idle') yield waitForEvent(context, 'Wake').task;
    else if (Date.parse(result.until) > context.df.currentUtcDateTime.getTime())
      yield context.df.createTimer(new Date(result.until));
  }
  context.df.continueAsNew(null);
};
