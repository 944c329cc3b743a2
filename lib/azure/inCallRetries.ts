import {
  retryPolicy,
  type Pipeline,
  type PipelineResponse,
  type RetryStrategy,
} from '@azure/core-rest-pipeline';

/**
 * The longest wait a call makes inside itself before answering. A service that asks for longer
 * (Retry-After of minutes is common when Graph, Partner Center or Entra throttle) gets its answer
 * handed back to the caller as throttling, with the wait, so that an orchestration waits it out on
 * a durable timer instead of an activity sleeping for it.
 */
export const MAX_IN_CALL_WAIT_MS = 5_000;

/** Retry-After is seconds or an HTTP date (RFC 9110 section 10.2.3); 1 s when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number {
  if (!value) return 1000;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? 1000 : Math.max(0, at - now);
}

const TRANSIENT_STATUSES = new Set([408, 500, 502, 503, 504]);

function askedWait(response: PipelineResponse | undefined): number | undefined {
  const header = response?.headers.get('retry-after');
  return header ? parseRetryAfter(header) : undefined;
}

/**
 * Short retries inside one call: throttling whose Retry-After is short, and transient faults
 * (network errors, 408, 5xx) with a jittered backoff up to MAX_IN_CALL_WAIT_MS. Anything longer is
 * the caller's to wait out.
 */
const shortRetries: RetryStrategy = {
  name: 'shortInCallRetries',
  retry({ retryCount, response, responseError }) {
    const status = response?.status;
    const asked = status === 429 || status === 503 ? askedWait(response) : undefined;
    if (asked !== undefined)
      return asked <= MAX_IN_CALL_WAIT_MS ? { retryAfterInMs: asked } : { skipStrategy: true };
    if (status === 429) return { skipStrategy: true };
    const transient =
      (status !== undefined && TRANSIENT_STATUSES.has(status)) || (responseError && !response);
    if (!transient) return { skipStrategy: true };
    const ceiling = Math.min(MAX_IN_CALL_WAIT_MS, 200 * 2 ** retryCount);
    return { retryAfterInMs: Math.round(ceiling / 2 + (Math.random() * ceiling) / 2) };
  },
};

/** Replaces a pipeline's default retries (which sleep for any Retry-After) with short ones. */
export function useShortInCallRetries(pipeline: Pipeline, maxRetries = 2): Pipeline {
  pipeline.removePolicy({ name: 'defaultRetryPolicy' });
  pipeline.addPolicy(retryPolicy([shortRetries], { maxRetries }), { phase: 'Retry' });
  return pipeline;
}
