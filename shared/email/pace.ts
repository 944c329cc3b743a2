/**
 * How fast mail may go, decided from what was sent. ACS limits a subscription's sends in any
 * 60-second window and in any 60-minute window (custom domain defaults: 30 and 100;
 * https://learn.microsoft.com/azure/communication-services/concepts/service-limits#email).
 *
 * - Both windows are enforced exactly, from the record of past sends (kept per second). Counting
 *   whole seconds, each window spans two seconds more than ACS's own: any two sends less than 61 s
 *   (or 3,601 s) apart fall in one counted window, so a send that reaches ACS up to a second late
 *   is still counted where it was decided.
 * - Two lanes share them. People's mails (instructions, resends, notices) take any free place at
 *   once. Bulk mails (invitations, reminders) are also spread evenly at the hourly rate, so the
 *   windows always free a place within one spacing for the next person's mail instead of being
 *   filled by a burst of invitations.
 */
export type Lane = 'people' | 'bulk';

export interface PaceLimits {
  perMinute: number;
  perHour: number;
}

/** What the pace remembers: sends per second over the last hour, and the bulk lane's schedule. */
export interface PaceState {
  /** [second since epoch, sends in that second], oldest first, none older than the hour window. */
  seconds: [number, number][];
  /** Generic cell rate algorithm: the theoretical time (ms) of the bulk lane's next send. */
  bulkNextAt: number;
}

export const EMPTY_PACE: PaceState = { seconds: [], bulkNextAt: 0 };

const MINUTE_WINDOW_S = 62;
const HOUR_WINDOW_S = 3602;

export class Pace {
  /** The bulk lane's spacing (ms): its sends never come closer than this on average. */
  readonly bulkSpacingMs: number;
  /** How many bulk sends may go back to back after a quiet spell (1 at the default quota). */
  readonly bulkBurst: number;

  constructor(readonly limits: PaceLimits) {
    this.bulkSpacingMs = Math.max(
      (MINUTE_WINDOW_S * 1000) / limits.perMinute,
      (HOUR_WINDOW_S * 1000) / limits.perHour,
    );
    this.bulkBurst = Math.max(1, Math.floor(limits.perHour / 100));
  }

  /** The earliest time (ms, not before `now`) at which a mail of `lane` may be sent. */
  earliest(state: PaceState, lane: Lane, now: number): number {
    let at = Math.max(
      now,
      windowOpensAt(state.seconds, this.limits.perMinute, MINUTE_WINDOW_S, now),
      windowOpensAt(state.seconds, this.limits.perHour, HOUR_WINDOW_S, now),
    );
    if (lane === 'bulk') at = Math.max(at, state.bulkNextAt - (this.bulkBurst - 1) * this.bulkSpacingMs);
    return Math.ceil(at);
  }

  /** The state after one send of `lane` at `now` (which `earliest` allowed). */
  record(state: PaceState, lane: Lane, now: number): PaceState {
    const second = Math.floor(now / 1000);
    const seconds = state.seconds
      .filter(([s]) => s > second - HOUR_WINDOW_S)
      .map(([s, n]): [number, number] => [s, n]);
    const last = seconds[seconds.length - 1];
    if (last && last[0] === second) last[1]++;
    else seconds.push([second, 1]);
    return {
      seconds,
      bulkNextAt: lane === 'bulk' ? Math.max(state.bulkNextAt, now) + this.bulkSpacingMs : state.bulkNextAt,
    };
  }

  /** Sends counted in the window of `windowS` seconds that ends at `now`. */
  sentWithin(state: PaceState, windowS: number, now: number): number {
    const second = Math.floor(now / 1000);
    return state.seconds.filter(([s]) => s > second - windowS).reduce((sum, [, n]) => sum + n, 0);
  }
}

/**
 * When a send may next go without the window of `windowS` seconds (ending at the send's second)
 * holding more than `limit` sends: now, or the moment enough of the oldest seconds leave it.
 */
function windowOpensAt(seconds: [number, number][], limit: number, windowS: number, now: number): number {
  const second = Math.floor(now / 1000);
  const inWindow = seconds.filter(([s]) => s > second - windowS);
  let excess = inWindow.reduce((sum, [, n]) => sum + n, 0) - limit + 1;
  if (excess <= 0) return now;
  for (const [s, n] of inWindow) {
    excess -= n;
    // Second s leaves the window when the send's own second reaches s + windowS.
    if (excess <= 0) return (s + windowS) * 1000;
  }
  return now;
}
