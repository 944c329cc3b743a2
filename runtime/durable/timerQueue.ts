export interface DueTimer {
  fireAt: number;
  instanceId: string;
  rowKey: string;
  /** What firing delivers, kept from when the timer was created (its row holds the same). */
  executionId: string;
  eventId: number;
  fireAtText: string;
}

const keyOf = (t: { instanceId: string; rowKey: string }) => `${t.instanceId}\u0000${t.rowKey}`;

/**
 * The durable timers waiting in memory, soonest first. Storage holds the truth (a timer row); this
 * only says when to look. Cancelled timers are dropped lazily, as they reach the front, so a
 * cancellation costs nothing with thousands of timers pending.
 */
export class TimerQueue {
  private readonly timers: DueTimer[] = [];
  private readonly cancelled = new Set<string>();

  add(timer: DueTimer): void {
    this.cancelled.delete(keyOf(timer));
    let low = 0;
    let high = this.timers.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((this.timers[mid] as DueTimer).fireAt <= timer.fireAt) low = mid + 1;
      else high = mid;
    }
    this.timers.splice(low, 0, timer);
  }

  cancel(instanceId: string, rowKey: string): void {
    this.cancelled.add(keyOf({ instanceId, rowKey }));
  }

  /** The soonest live timer, if any. */
  peek(): DueTimer | undefined {
    while (this.timers.length && this.cancelled.delete(keyOf(this.timers[0] as DueTimer)))
      this.timers.shift();
    return this.timers[0];
  }

  /** Removes and answers every live timer due at `now`. */
  takeDue(now: number): DueTimer[] {
    const due: DueTimer[] = [];
    for (let next = this.peek(); next && next.fireAt <= now; next = this.peek())
      due.push(this.timers.shift() as DueTimer);
    return due;
  }
}
