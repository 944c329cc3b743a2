import type { TableClient } from '@azure/data-tables';
import { isConflict, isNotFound, isPreconditionFailed } from '../../../lib/tables/tableErrors';

export interface PacerLimits {
  perMinute: number;
  perHour: number;
}

export interface Backlog {
  /** Mails with a reserved slot not yet reached. */
  queued: number;
  /** When the last reserved slot comes. */
  expectedFinish: string;
  spacingMs: number;
}

/**
 * Paces sends to the configured ACS quota across every instance of the app: each mail reserves a
 * slot in one Table storage row (ETag-guarded), slots are spaced evenly so that neither the
 * per-minute nor the per-hour limit is ever exceeded, and the workflow waits for its slot on a
 * durable timer instead of being throttled. ACS defaults for a custom domain: 30/min and 100/hour
 * (https://learn.microsoft.com/azure/communication-services/concepts/service-limits#email).
 */
export class SendPacer {
  readonly spacingMs: number;

  constructor(
    private readonly table: TableClient,
    limits: PacerLimits,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.spacingMs = Math.max(60_000 / limits.perMinute, 3_600_000 / limits.perHour);
  }

  private waiting: ((slot: Date) => void)[] = [];
  private failing: ((error: Error) => void)[] = [];
  private flushing = false;

  /**
   * Reserves the next free slot; returns when this mail may be sent. Concurrent callers in one
   * process are served by one storage write (group commit), so the shared row sees one writer per
   * process instead of one per mail.
   */
  reserve(): Promise<Date> {
    return new Promise<Date>((resolve, reject) => {
      this.waiting.push(resolve);
      this.failing.push(reject);
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    while (this.waiting.length) {
      const resolvers = this.waiting.splice(0);
      const rejecters = this.failing.splice(0);
      try {
        const first = await this.reserveBlock(resolvers.length);
        resolvers.forEach((resolve, i) => resolve(new Date(first + i * this.spacingMs)));
      } catch (error) {
        for (const reject of rejecters) reject(error instanceof Error ? error : new Error(String(error)));
      }
    }
    this.flushing = false;
  }

  /** Reserves `count` consecutive slots in the shared row; returns the first slot's time. */
  private async reserveBlock(count: number): Promise<number> {
    for (let attempt = 0; attempt < 100; attempt++) {
      const now = this.now().getTime();
      const row = await this.read();
      const next = Math.max(now, row ? Date.parse(row.nextSlotAt) : now);
      const entity = {
        partitionKey: 'email-pacer',
        rowKey: 'slots',
        nextSlotAt: new Date(next + count * this.spacingMs).toISOString(),
        reserved: (row?.reserved ?? 0) + count,
      };
      try {
        if (row) await this.table.updateEntity(entity, 'Replace', { etag: row.etag });
        else await this.table.createEntity(entity);
        return next;
      } catch (error) {
        if (!isPreconditionFailed(error) && !isConflict(error)) throw error;
        // Jittered exponential backoff: other processes contend for the same row.
        await new Promise((resolve) =>
          setTimeout(resolve, Math.random() * Math.min(200, 5 * 2 ** Math.min(attempt, 6))),
        );
      }
    }
    throw new Error('could not reserve an email slot: too much contention');
  }

  async backlog(): Promise<Backlog> {
    const now = this.now().getTime();
    const row = await this.read();
    const last = row ? Date.parse(row.nextSlotAt) : now;
    return {
      queued: Math.max(0, Math.ceil((last - now) / this.spacingMs)),
      expectedFinish: new Date(Math.max(now, last - this.spacingMs)).toISOString(),
      spacingMs: this.spacingMs,
    };
  }

  private async read(): Promise<{ nextSlotAt: string; reserved: number; etag: string } | undefined> {
    try {
      return await this.table.getEntity<{ nextSlotAt: string; reserved: number }>('email-pacer', 'slots');
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }
}
