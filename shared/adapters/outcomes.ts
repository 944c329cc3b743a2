import { parseRetryAfter } from '../../lib/azure/inCallRetries';

/**
 * What a call to a Microsoft service came to, in the terms the workflow acts on: retry later
 * (throttled, with the wait the service asked for), try again (transient), or stop (permanent).
 */
export type Failure =
  | { kind: 'throttled'; retryAfterMs: number }
  | { kind: 'transient'; message: string; status?: number }
  | { kind: 'permanent'; message: string; status?: number };

/** Classifies an HTTP status (or a network failure, status undefined). */
export function failureFor(status: number | undefined, message: string, retryAfter?: string | null): Failure {
  if (status === 429) return { kind: 'throttled', retryAfterMs: parseRetryAfter(retryAfter) };
  if (status === undefined || status >= 500 || status === 408)
    return { kind: 'transient', message, ...(status ? { status } : {}) };
  return { kind: 'permanent', message, status };
}

/** A failure in one line for a person: what the service answered and what it said. */
export function describeFailure(failure: Failure): string {
  if (failure.kind === 'throttled') return `throttled, retry after ${failure.retryAfterMs} ms`;
  return `${failure.status ? `HTTP ${failure.status}: ` : ''}${failure.message}`;
}

/** Thrown out of activities so the orchestrator's retry policy runs; permanent ones are not retried. */
export class ServiceError extends Error {
  constructor(
    readonly failure: Failure,
    readonly service: string,
  ) {
    super(
      `${service}: ${failure.kind === 'throttled' ? `throttled, retry after ${failure.retryAfterMs} ms` : failure.message}`,
    );
    this.name = failure.kind === 'permanent' ? 'PermanentServiceError' : 'TransientServiceError';
  }
}
