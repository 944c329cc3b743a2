/**
 * How long to wait before trying again, decided in one place for every retry in the product: the
 * reinstatement's steps, the scan's pages, the bulk job's pages and the mail dispatcher's sends.
 *
 * - Exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"):
 *   the n-th wait is drawn uniformly from [floor, min(cap, initial x 2^(n-1))], so many callers that
 *   failed together do not come back together.
 * - The server's `Retry-After` wins: when a service said how long to wait, that wait is kept (spread
 *   over at most 10 % more, for the same reason), never shortened by the backoff.
 * - A deadline: past it, the caller gives up (and says why) instead of retrying forever.
 *
 * Pure: the caller passes the time and a number in [0, 1) for the jitter, so orchestrations pass a
 * deterministic one and replay identically.
 */
export interface RetryPolicy {
  /** The first backoff's ceiling. */
  initialMs: number;
  /** No backoff longer than this (a server's Retry-After may be). */
  maxMs: number;
  /** No wait shorter than this. */
  minMs: number;
  /** How long after the first attempt retrying stops; undefined: never. */
  giveUpAfterMs?: number;
}

export interface RetryAttempt {
  /** 1 for the first failure, 2 for the second, ... */
  attempt: number;
  /** When the first attempt was made (ms since the epoch). */
  firstAttemptAt: number;
  /** Now (ms since the epoch). */
  now: number;
  /** The wait the service asked for (Retry-After), when it did. */
  retryAfterMs?: number;
  /** A number in [0, 1): Math.random() in activities, a hash of the step in orchestrations. */
  jitter: number;
}

export type RetryDecision = { kind: 'wait'; ms: number; until: number } | { kind: 'give-up' };

export function nextRetry(policy: RetryPolicy, at: RetryAttempt): RetryDecision {
  const jitter = Number.isFinite(at.jitter) ? Math.min(Math.max(at.jitter, 0), 1) : 0;
  const ms =
    at.retryAfterMs !== undefined
      ? Math.max(policy.minMs, at.retryAfterMs) * (1 + 0.1 * jitter)
      : policy.minMs +
        jitter *
          Math.max(
            0,
            Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(at.attempt - 1, 30)) - policy.minMs,
          );
  const until = at.now + Math.round(ms);
  if (policy.giveUpAfterMs !== undefined && until > at.firstAttemptAt + policy.giveUpAfterMs)
    return { kind: 'give-up' };
  return { kind: 'wait', ms: Math.round(ms), until };
}

/** A deterministic number in [0, 1) from a string (FNV-1a): jitter that replays identically. */
export function unitHash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) / 4294967296;
}

/** The retry policies of the product, named for what they retry. */
export const RetryPolicies = {
  /** A reinstatement's step or a scan's page: Microsoft's services throttled or down. */
  step: { initialMs: 5_000, maxMs: 10 * 60_000, minMs: 1_000 },
  /** A bulk job's page: storage busy or the app restarting. */
  bulkPage: { initialMs: 2_000, maxMs: 5 * 60_000, minMs: 1_000 },
  /** One mail that ACS refused once steps aside for this long while the others go on. */
  mailStepAside: { initialMs: 2_000, maxMs: 5 * 60_000, minMs: 1_000 },
  /** ACS failing mail after mail: the whole queue waits, longer the longer it lasts. */
  acsOutage: { initialMs: 10_000, maxMs: 5 * 60_000, minMs: 5_000 },
  /** A post to the partner's Teams or JSON webhook: tried for a day, then given up (and shown). */
  webhook: { initialMs: 60_000, maxMs: 60 * 60_000, minMs: 30_000, giveUpAfterMs: 24 * 3_600_000 },
} as const satisfies Record<string, RetryPolicy>;
