import type { DueTimer } from './timerQueue';
import type { WorkItem } from './instanceStore';

/**
 * What the parts of the durable engine tell its scheduler: an instance has an event to apply, a
 * work row (activity, sub-orchestration, parent notification) to run, a timer to wait for or to
 * forget. The scheduler only decides what to look at next; storage holds the truth.
 */
export interface Scheduler {
  markReady(instanceId: string): void;
  /** Run the instance again once its current episode ends (a new execution began). */
  runAgain(instanceId: string): void;
  /** `item` is the row's content when known (this process wrote it, or just read it). */
  queueWork(instanceId: string, rowKey: string, item?: WorkItem): void;
  addTimer(timer: DueTimer): void;
  cancelTimer(instanceId: string, rowKey: string): void;
  readonly stopped: boolean;
}
