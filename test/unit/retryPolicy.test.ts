import fc from 'fast-check';
import { ManualClock } from '../../runtime/clock';
import { nextRetry, RetryPolicies, unitHash, type RetryPolicy } from '../../lib/retryPolicy';

const policy: RetryPolicy = { initialMs: 5_000, maxMs: 600_000, minMs: 1_000 };
const at = (attempt: number, jitter: number, extra: { retryAfterMs?: number; now?: number } = {}) =>
  nextRetry(policy, { attempt, firstAttemptAt: 0, now: extra.now ?? 0, jitter, ...extra });
const waitOf = (decision: ReturnType<typeof nextRetry>) => (decision.kind === 'wait' ? decision.ms : NaN);

describe('the one retry policy', () => {
  it('backs off exponentially with full jitter: each wait is drawn up to initial x 2^(n-1), capped', () => {
    expect(waitOf(at(1, 0.999999))).toBe(5_000);
    expect(waitOf(at(2, 0.999999))).toBe(10_000);
    expect(waitOf(at(4, 0.999999))).toBe(40_000);
    expect(waitOf(at(20, 0.999999))).toBeGreaterThanOrEqual(599_999);
    expect(waitOf(at(20, 0.999999))).toBeLessThanOrEqual(600_000);
    // The lowest draw is the floor, whatever the attempt: callers that failed together spread out.
    expect(waitOf(at(1, 0))).toBe(1_000);
    expect(waitOf(at(9, 0))).toBe(1_000);
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 200 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (n, j) => {
          const ms = waitOf(at(n, j));
          return ms >= policy.minMs && ms <= Math.min(policy.maxMs, policy.initialMs * 2 ** (n - 1)) + 1;
        },
      ),
    );
  });

  it("keeps the server's Retry-After, however short the backoff would be, spread over at most 10 % more", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        fc.integer({ min: 1_000, max: 3_600_000 }),
        (n, j, retryAfterMs) => {
          const ms = waitOf(at(n, j, { retryAfterMs }));
          return ms >= retryAfterMs && ms <= Math.ceil(retryAfterMs * 1.1);
        },
      ),
    );
    // Longer than the cap: kept; the service knows when it will take requests again.
    expect(waitOf(at(1, 0, { retryAfterMs: 3_600_000 }))).toBe(3_600_000);
    // Zero (retry at once) still waits the floor.
    expect(waitOf(at(1, 0, { retryAfterMs: 0 }))).toBe(1_000);
  });

  it('gives up once the next attempt would fall after the deadline', () => {
    const withDeadline = { ...policy, giveUpAfterMs: 60_000 };
    expect(
      nextRetry(withDeadline, { attempt: 3, firstAttemptAt: 0, now: 40_000, jitter: 0.5 }),
    ).toMatchObject({
      kind: 'wait',
    });
    expect(nextRetry(withDeadline, { attempt: 3, firstAttemptAt: 0, now: 59_500, jitter: 0.5 })).toEqual({
      kind: 'give-up',
    });
    expect(
      nextRetry(withDeadline, { attempt: 1, firstAttemptAt: 0, now: 0, jitter: 0, retryAfterMs: 61_000 }),
    ).toEqual({ kind: 'give-up' });
  });

  it('on a simulated clock, a step that fails for an hour is retried until the deadline and no later', async () => {
    const clock = new ManualClock(new Date('2026-12-01T00:00:00Z'));
    const started = clock.now().getTime();
    const step = { ...RetryPolicies.step, giveUpAfterMs: 3_600_000 };
    const attempts: number[] = [];
    for (let attempt = 1; ; attempt++) {
      attempts.push(clock.now().getTime() - started);
      const decision = nextRetry(step, {
        attempt,
        firstAttemptAt: started,
        now: clock.now().getTime(),
        jitter: unitHash(`step|${attempt}`),
      });
      if (decision.kind === 'give-up') break;
      clock.set(new Date(decision.until));
    }
    // Attempts grow apart, never closer than the floor, all within the hour.
    const gaps = attempts.slice(1).map((t, i) => t - (attempts[i] ?? 0));
    expect(gaps.every((g) => g >= step.minMs && g <= step.maxMs)).toBe(true);
    expect(attempts.at(-1)).toBeLessThanOrEqual(3_600_000);
    expect(attempts.length).toBeGreaterThan(5);
    expect(attempts.length).toBeLessThan(40);
  });

  it('draws the same jitter for the same step on replay, and different ones for different steps', () => {
    expect(unitHash('r-1|step|3')).toBe(unitHash('r-1|step|3'));
    const draws = new Set(Array.from({ length: 1000 }, (_, i) => Math.floor(unitHash(`r-${i}|step|1`) * 10)));
    expect(draws.size).toBe(10);
  });
});
