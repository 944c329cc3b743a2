import type { TableClient } from '@azure/data-tables';
import { isConflict, isNotFound, isPreconditionFailed } from '../../../lib/tables/tableErrors';
import { recordPartnerCenterBudgetRefused } from '../../telemetry/metrics';

/**
 * Partner Center throttles per partner tenant; its documented limit for the customer APIs this
 * product calls is 500 requests a minute per partner tenant, and a throttled call is answered 429
 * with Retry-After. https://learn.microsoft.com/partner-center/developer/api-throttling-guidance
 */
export const PARTNER_CENTER_REQUESTS_PER_MINUTE = 500;

/**
 * Requests are counted per whole second over a window of 61 seconds rather than 60: a request decided
 * in one second may reach Partner Center in the next, and any two requests less than 60 s apart then
 * still fall in one counted window.
 */
const WINDOW_S = 61;
const MAX_ATTEMPTS = 32;
const PARTITION = 'pc-budget';

export type Grant = { granted: true } | { granted: false; waitMs: number; reason: string };

export interface BudgetUsage {
  limit: number;
  usedLastMinute: number;
  /** Partner Center asked to wait (429 Retry-After) until then; nothing is sent before. */
  pausedUntil?: string;
}

interface BudgetState {
  /** [second since epoch, requests in that second], oldest first, none older than the window. */
  seconds: [number, number][];
  pausedUntil: number;
}

/**
 * One Partner Center request budget per partner tenant, shared by every caller on every app instance:
 * a row in Table storage that records the requests sent per second over the last minute and any wait
 * Partner Center asked for. Each request takes a place first, by a conditional write decided from the
 * row as it stands (a conflicting writer re-reads and decides again), so no two callers overspend
 * it; a caller refused is told how long to wait, and a durable caller (the scan) waits on a durable
 * timer.
 */
export class PartnerCenterBudget {
  constructor(
    private readonly table: TableClient,
    private readonly partnerTenantId: string,
    private readonly now: () => Date,
    readonly limit = PARTNER_CENTER_REQUESTS_PER_MINUTE,
  ) {}

  /** Takes a place for one request now, or answers how long until one is free. */
  async take(): Promise<Grant> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const at = this.now().getTime();
      const { state, etag } = await this.read();
      const grant = this.decide(state, at);
      if (!grant.granted) {
        recordPartnerCenterBudgetRefused(state.pausedUntil > at ? 'retry-after' : 'limit');
        return grant;
      }
      try {
        await this.write(record(state, at), etag);
        return grant;
      } catch (error) {
        if (!isPreconditionFailed(error) && !isConflict(error)) throw error;
        await backOff(attempt);
      }
    }
    recordPartnerCenterBudgetRefused('busy');
    return { granted: false, waitMs: 1_000, reason: 'the request budget is busy' };
  }

  /** Partner Center answered 429: nobody sends before its Retry-After has passed. */
  async throttled(retryAfterMs: number): Promise<void> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const until = this.now().getTime() + Math.max(0, retryAfterMs);
      const { state, etag } = await this.read();
      if (state.pausedUntil >= until) return;
      try {
        await this.write({ ...state, pausedUntil: until }, etag);
        return;
      } catch (error) {
        if (!isPreconditionFailed(error) && !isConflict(error)) throw error;
        await backOff(attempt);
      }
    }
  }

  async usage(): Promise<BudgetUsage> {
    const at = this.now().getTime();
    const { state } = await this.read();
    return {
      limit: this.limit,
      usedLastMinute: inWindow(state.seconds, at).reduce((sum, [, n]) => sum + n, 0),
      ...(state.pausedUntil > at ? { pausedUntil: new Date(state.pausedUntil).toISOString() } : {}),
    };
  }

  private decide(state: BudgetState, at: number): Grant {
    if (state.pausedUntil > at)
      return {
        granted: false,
        waitMs: state.pausedUntil - at,
        reason: 'Partner Center asked to wait (429 Retry-After)',
      };
    const counted = inWindow(state.seconds, at);
    let excess = counted.reduce((sum, [, n]) => sum + n, 0) - this.limit + 1;
    if (excess <= 0) return { granted: true };
    for (const [second, n] of counted) {
      excess -= n;
      // That second leaves the window when the current second reaches second + WINDOW_S.
      if (excess <= 0)
        return {
          granted: false,
          waitMs: Math.max(1, (second + WINDOW_S) * 1000 - at),
          reason: `${this.limit} requests a minute are used`,
        };
    }
    return { granted: false, waitMs: 1_000, reason: `${this.limit} requests a minute are used` };
  }

  private async read(): Promise<{ state: BudgetState; etag?: string }> {
    try {
      const e = await this.table.getEntity<{ seconds?: string; pausedUntil?: number }>(
        PARTITION,
        this.partnerTenantId,
      );
      return { state: parseState(e.seconds, e.pausedUntil), etag: e.etag };
    } catch (error) {
      if (isNotFound(error)) return { state: { seconds: [], pausedUntil: 0 } };
      throw error;
    }
  }

  private async write(state: BudgetState, etag: string | undefined): Promise<void> {
    const entity = {
      partitionKey: PARTITION,
      rowKey: this.partnerTenantId,
      seconds: JSON.stringify(state.seconds),
      pausedUntil: state.pausedUntil,
    };
    if (etag) await this.table.updateEntity(entity, 'Replace', { etag });
    else await this.table.createEntity(entity);
  }
}

/** A moment's jittered pause after losing a write, so that writers who collided spread out. */
const backOff = (attempt: number) =>
  new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * Math.min(attempt + 1, 8)));

function inWindow(seconds: [number, number][], at: number): [number, number][] {
  const now = Math.floor(at / 1000);
  return seconds.filter(([s]) => s > now - WINDOW_S);
}

function record(state: BudgetState, at: number): BudgetState {
  const second = Math.floor(at / 1000);
  const seconds = inWindow(state.seconds, at).map(([s, n]): [number, number] => [s, n]);
  const last = seconds[seconds.length - 1];
  if (last && last[0] === second) last[1]++;
  else seconds.push([second, 1]);
  return { ...state, seconds };
}

function parseState(seconds: string | undefined, pausedUntil: number | undefined): BudgetState {
  let parsed: unknown;
  try {
    parsed = JSON.parse(seconds ?? '[]');
  } catch {
    parsed = [];
  }
  const valid = Array.isArray(parsed)
    ? parsed.filter(
        (p): p is [number, number] =>
          Array.isArray(p) && p.length === 2 && Number.isInteger(p[0]) && Number.isInteger(p[1]),
      )
    : [];
  return { seconds: valid, pausedUntil: Number(pausedUntil ?? 0) || 0 };
}
