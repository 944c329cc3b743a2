import { Cron } from 'croner';
import type { Clock } from '../clock';

export interface ScheduledTimer {
  functionName: string;
  schedule: string;
  runOnStartup: boolean;
}

export interface TimerFire {
  functionName: string;
  /** The Timer trigger payload as the host sends it (PascalCase; @azure/functions camel-cases it). */
  payload: {
    Schedule: { AdjustForDST: boolean };
    ScheduleStatus: { Last: string; Next: string; LastUpdated: string };
    IsPastDue: boolean;
  };
}

/** How late an occurrence may run before the host calls it past due. */
const PAST_DUE_AFTER_MS = 1000;

/**
 * Runs timer triggers on their six-field NCRONTAB schedules (croner reads the seconds field first,
 * as NCRONTAB does), in UTC, against the runtime's clock. An occurrence missed while the clock
 * jumped (or the process was down) runs once, marked past due, as the host does.
 */
export class TimerScheduler {
  private readonly entries: { timer: ScheduledTimer; cron: Cron; next: Date; last: Date }[] = [];
  private handle: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly unsubscribe: () => void;

  constructor(
    timers: ScheduledTimer[],
    private readonly clock: Clock,
    private readonly fire: (fire: TimerFire) => Promise<void>,
  ) {
    const now = clock.now();
    for (const timer of timers) {
      if (timer.schedule.trim().split(/\s+/).length !== 6) {
        throw new Error(
          `Timer ${timer.functionName}: "${timer.schedule}" is not a six-field NCRONTAB expression`,
        );
      }
      const cron = new Cron(timer.schedule, { paused: true, timezone: 'UTC' });
      const next = cron.nextRun(now);
      if (!next) throw new Error(`Timer ${timer.functionName}: "${timer.schedule}" never fires`);
      this.entries.push({ timer, cron, next, last: now });
    }
    this.unsubscribe = clock.onAdvance(() => void this.tick());
  }

  async start(): Promise<void> {
    for (const entry of this.entries) {
      if (entry.timer.runOnStartup) await this.run(entry, false);
    }
    await this.tick();
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe();
    if (this.handle) clearTimeout(this.handle);
  }

  /** When the next timer is due (for status displays and tests). */
  nextOccurrences(): { functionName: string; next: string }[] {
    return this.entries.map((e) => ({ functionName: e.timer.functionName, next: e.next.toISOString() }));
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    const now = this.clock.now();
    for (const entry of this.entries) {
      if (entry.next.getTime() <= now.getTime()) {
        const pastDue = now.getTime() - entry.next.getTime() > PAST_DUE_AFTER_MS;
        await this.run(entry, pastDue);
      }
    }
    if (!this.clock.manual && !this.stopped && this.entries.length) {
      if (this.handle) clearTimeout(this.handle);
      const soonest = Math.min(...this.entries.map((e) => e.next.getTime()));
      this.handle = setTimeout(() => void this.tick(), Math.min(Math.max(soonest - Date.now(), 0), 60_000));
      this.handle.unref();
    }
  }

  private async run(entry: (typeof this.entries)[number], pastDue: boolean): Promise<void> {
    const now = this.clock.now();
    const scheduled = entry.next;
    entry.next = entry.cron.nextRun(now) ?? new Date(8.64e15);
    const payload: TimerFire['payload'] = {
      Schedule: { AdjustForDST: true },
      ScheduleStatus: {
        Last: entry.last.toISOString(),
        Next: entry.next.toISOString(),
        LastUpdated: scheduled.toISOString(),
      },
      IsPastDue: pastDue,
    };
    entry.last = now;
    await this.fire({ functionName: entry.timer.functionName, payload });
  }
}
