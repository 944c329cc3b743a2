import type { OrchestrationContext, OrchestrationHandler, Task } from 'durable-functions';
import { nextRetry, RetryPolicies, unitHash } from '../../lib/retryPolicy';
import { proxyActivities, type ScanInput, type StepOutcome } from './contract';

/**
 * Partner Center allows 500 requests a minute per partner tenant: the scan spaces its pages so that
 * its calls stay within it. https://learn.microsoft.com/partner-center/developer/api-throttling-guidance
 */
export const PARTNER_CENTER_REQUESTS_PER_MINUTE = 500;

/**
 * A scan of the partner's customers: Partner Center's customer list a page at a time, each page's
 * customers classified, paced to Partner Center's limit on durable timers; throttling and outages are
 * waited out (Retry-After, else backoff) until the step's deadline, after which what still fails is
 * recorded as could-not-check with why. A crash resumes at the page that was running.
 */
export const scanOrchestrator: OrchestrationHandler = function* (context: OrchestrationContext) {
  const act = proxyActivities(context);
  const { scanId, transientRetryHours } = context.df.getInput<ScanInput>();
  const now = () => context.df.currentUtcDateTime.getTime();
  const until = (at: number) => context.df.createTimer(new Date(at));

  /** Runs a step until it is done, waiting out retries; after the deadline, once more giving up. */
  function* persist<T>(
    name: string,
    step: (giveUp: boolean) => Generator<Task, StepOutcome<T>, unknown>,
  ): Generator<Task, StepOutcome<T>, unknown> {
    const firstAttemptAt = now();
    let giveUp = false;
    for (let attempt = 1; ; attempt++) {
      const outcome = yield* step(giveUp);
      if (outcome.kind !== 'retry') return outcome;
      if (giveUp) return { kind: 'failed', reason: outcome.reason };
      const next = nextRetry(
        { ...RetryPolicies.step, giveUpAfterMs: transientRetryHours * 3_600_000 },
        {
          attempt,
          firstAttemptAt,
          now: now(),
          jitter: unitHash(`${scanId}|${name}|${attempt}`),
          ...(outcome.afterMs !== undefined ? { retryAfterMs: outcome.afterMs } : {}),
        },
      );
      // Past the deadline, one last attempt in its give-up form records what still fails.
      if (next.kind === 'give-up') giveUp = true;
      else yield until(next.until);
    }
  }

  let continuationToken: string | undefined;
  let stoppedBecause: string | undefined;
  for (let page = 0; ; page++) {
    const pageStarted = now();
    context.df.setCustomStatus({ page });
    // Listing has no give-up form: without the page there is nothing to record, so the scan ends.
    const listed = yield* persist(`list ${page}`, () =>
      act.listScanPage({ scanId, page, ...(continuationToken ? { continuationToken } : {}) }),
    );
    if (listed.kind !== 'done') {
      stoppedBecause = listed.reason;
      break;
    }
    const scanned = yield* persist(`scan ${page}`, (giveUp) =>
      act.scanCustomers({ scanId, page, ...(giveUp ? { giveUp } : {}) }),
    );
    const calls = listed.value.calls + (scanned.kind === 'done' ? scanned.value.calls : 0);
    const earliestNext = pageStarted + (calls * 60_000) / PARTNER_CENTER_REQUESTS_PER_MINUTE;
    if (earliestNext > now()) yield until(earliestNext);
    if (!listed.value.next) break;
    continuationToken = listed.value.next;
  }
  const finished = yield* act.finishScan({ scanId, ...(stoppedBecause ? { stoppedBecause } : {}) });
  return finished.kind === 'done' ? finished.value : null;
};
