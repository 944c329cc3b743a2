/**
 * The runtime's notion of "now". Durable timers, timer triggers and each orchestration episode's
 * `currentUtcDateTime` read it, so a test can move time forward and a workflow that waits 14 days
 * finishes in milliseconds, like Temporal's time-skipping test environment.
 */
export interface Clock {
  now(): Date;
  /** Calls `listener` whenever time jumps (manual clocks) so due work is looked at at once. */
  onAdvance(listener: () => void): () => void;
  /** Waits `ms` of this clock's time; a manual clock resolves when advanced past it. */
  sleep(ms: number): Promise<void>;
  readonly manual: boolean;
}

export class SystemClock implements Clock {
  readonly manual = false;
  now(): Date {
    return new Date();
  }
  onAdvance(): () => void {
    return () => {};
  }
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms).unref?.());
  }
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `500ms`, `30s`, `15m`, `3h`, `14d`, combinations such as `4m59s`, or a number of milliseconds. */
export function parseDuration(value: string | number): number {
  if (typeof value === 'number') return value;
  const text = value.trim();
  if (!/^(\d+(?:\.\d+)?(ms|s|m|h|d))+$/.test(text))
    throw new Error(`Not a duration: ${value} (use e.g. 30s, 15m, 3d)`);
  let total = 0;
  for (const m of text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g))
    total += Number(m[1]) * (UNITS[m[2] ?? ''] ?? NaN);
  return total;
}

export class ManualClock implements Clock {
  readonly manual = true;
  private current: number;
  private readonly listeners = new Set<() => void>();
  private sleepers: { until: number; resolve: () => void }[] = [];

  constructor(start: Date = new Date()) {
    this.current = start.getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  onAdvance(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.sleepers.push({ until: this.current + ms, resolve }));
  }

  advance(by: string | number): void {
    const ms = parseDuration(by);
    if (ms < 0) throw new Error('time only moves forward');
    this.current += ms;
    const due = this.sleepers.filter((s) => s.until <= this.current);
    this.sleepers = this.sleepers.filter((s) => s.until > this.current);
    for (const s of due) s.resolve();
    for (const listener of this.listeners) listener();
  }

  set(to: Date): void {
    this.advance(Math.max(0, to.getTime() - this.current));
  }
}
