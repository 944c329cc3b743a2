import type { OrchestrationContext, Task, TimerTask } from 'durable-functions';
import type { Lane } from '../email/pace';
import {
  proxyActivities,
  waitForEvent,
  type ActivityProxy,
  type EventName,
  type EventPayloads,
  type FinalOutcome,
  type ReinstatementInput,
  type StepOutcome,
} from './contract';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** No single durable timer longer than this (the documented JS limit is 6 days). */
const MAX_TIMER = 6 * DAY;

/** How a step that may be retried ended. */
export type Settled<T> =
  { kind: 'done'; value: T } | { kind: 'failed'; reason: string } | { kind: 'cancelled'; by: string };

/** How a wait for the customer ended. */
export type WaitEnd<T> =
  | { kind: 'arrived'; value: T }
  | { kind: 'cancelled'; by: string }
  | { kind: 'deadline' }
  | { kind: 'failed'; reason: string };

export type MailKind = 'invitation' | 'instructions';

/**
 * The mechanics of one reinstatement's orchestration, so that the orchestrator itself reads as the
 * procedure: retrying a step on durable timers until its deadline, waiting for the customer with
 * reminders and a deadline, sending a mail at the shared pace and waiting until it went. Everything
 * here is deterministic: time from the context, randomness from a hash, all I/O in activities.
 * Every wait also listens for the partner's Cancel, and the customer waits for Resend.
 */
export class ReinstatementFlow {
  readonly act: ActivityProxy;
  readonly id: string;

  constructor(
    private readonly context: OrchestrationContext,
    private readonly input: ReinstatementInput,
  ) {
    this.act = proxyActivities(context);
    this.id = input.reinstatementId;
  }

  get schedule() {
    return this.input.schedule;
  }

  now(): number {
    return this.context.df.currentUtcDateTime.getTime();
  }

  status(step: string, more: Record<string, unknown> = {}): void {
    this.context.df.setCustomStatus({ step, ...more });
  }

  /** When a wait that began at `since` (ISO) starts counting; a retried reinstatement starts afresh. */
  clockFrom(since: string | undefined): number {
    return this.input.retry || !since ? this.now() : Date.parse(since);
  }

  /**
   * Runs `attempt` until it is done or fails for good. Throttling and outages (an activity answering
   * `retry`, or throwing) are waited out on durable timers, the service's Retry-After honoured and
   * exponential backoff with jitter otherwise, for as long as the retry deadline allows.
   */
  *run<T>(
    step: string,
    attempt: () => Generator<Task, StepOutcome<T>, unknown>,
  ): Generator<Task, Settled<T>, unknown> {
    const giveUpAt = this.now() + this.schedule.transientRetryHours * HOUR;
    let troubled = false;
    for (let n = 1; ; n++) {
      let outcome: StepOutcome<T>;
      try {
        outcome = yield* attempt();
      } catch (error) {
        outcome = { kind: 'retry', reason: errorText(error) };
      }
      if (outcome.kind !== 'retry') {
        if (troubled) yield* this.act.noteTrouble({ reinstatementId: this.id, step, clear: true });
        return outcome.kind === 'done' ? outcome : { kind: 'failed', reason: outcome.reason };
      }
      const wait =
        outcome.afterMs !== undefined
          ? Math.max(1000, outcome.afterMs) * (1 + 0.1 * unitHash(`${this.id}|${step}|${n}`))
          : Math.min(10 * 60_000, 5_000 * 2 ** (n - 1)) * (0.8 + 0.4 * unitHash(`${this.id}|${step}|${n}`));
      const next = this.now() + Math.round(wait);
      if (next > giveUpAt)
        return {
          kind: 'failed',
          reason: `${step}: still failing after ${n} attempts over ${this.schedule.transientRetryHours} h (${outcome.reason})`,
        };
      troubled = true;
      const retrying = { attempt: n, reason: outcome.reason, nextAttemptAt: new Date(next).toISOString() };
      this.status(step, { retrying });
      yield* this.act.noteTrouble({ reinstatementId: this.id, step, ...retrying });
      const timer = this.context.df.createTimer(new Date(next));
      const cancel = waitForEvent(this.context, 'Cancel');
      if ((yield this.context.df.Task.any([timer, cancel.task])) === cancel.task) {
        timer.cancel();
        return { kind: 'cancelled', by: cancel.value().by };
      }
    }
  }

  /**
   * Queues one of the reinstatement's mails and waits until the dispatcher sent it (or gave it up),
   * or for `withinDays`. A mail already sent before (a restarted orchestration) is not sent again.
   */
  *sendAndWait(kind: MailKind, lane: Lane, withinDays: number): Generator<Task, Settled<string>, unknown> {
    const deadline = this.now() + withinDays * DAY;
    this.status(`sending the ${kind}`);
    const queued = yield* this.run(`queueing the ${kind}`, () =>
      this.act.queueMail({ reinstatementId: this.id, kind, sequence: 0, lane, waiting: true }),
    );
    if (queued.kind !== 'done') return queued;
    if (queued.value.state === 'accepted') return { kind: 'done', value: queued.value.sentAt ?? '' };
    if (queued.value.state !== 'queued' && queued.value.state !== 'sending')
      return {
        kind: 'failed',
        reason: `the ${kind} could not be sent: ${queued.value.failure ?? queued.value.state}`,
      };
    this.status(`waiting for the ${kind} to be sent`, { queuedAt: queued.value.queuedAt });
    for (;;) {
      const sent = waitForEvent(this.context, 'MailSent');
      const cancel = waitForEvent(this.context, 'Cancel');
      const timer = this.longTimer(deadline);
      const winner = yield this.context.df.Task.any([sent.task, cancel.task, timer]);
      if (winner === timer) {
        if (this.now() < deadline) continue;
        return {
          kind: 'failed',
          reason: `the ${kind} was not sent within ${withinDays} days: the email queue is too long`,
        };
      }
      timer.cancel();
      if (winner === cancel.task) return { kind: 'cancelled', by: cancel.value().by };
      const event = sent.value();
      if (event.kind !== kind || event.sequence !== 0) continue; // an older mail's news
      return event.ok
        ? { kind: 'done', value: event.at }
        : { kind: 'failed', reason: `the ${kind} could not be sent: ${event.reason ?? 'unknown'}` };
    }
  }

  /**
   * Waits for `event` from `from` on: a reminder at each reminder day (the same mail with the next
   * sequence number, so a replayed reminder is never sent twice), the deadline at the last day, and
   * at once a fresh copy in people's lane whenever the partner asks for a resend.
   */
  *waitForCustomer<K extends 'Accepted' | 'ScopeVerified'>(
    event: K,
    mail: MailKind,
    from: number,
    reminderDays: number[],
    deadlineDays: number,
    firstReminder = 1,
  ): Generator<Task, WaitEnd<EventPayloads[K]>, unknown> {
    const marks = [...reminderDays, deadlineDays].map((d) => from + d * DAY);
    let index = marks.findIndex((m) => m > this.now());
    if (index < 0) return { kind: 'deadline' };
    // Reminders already due when the wait begins (a resumed orchestration) are not sent late.
    let reminder = firstReminder + index;
    while (index < marks.length) {
      const target = marks[index] as number;
      const arrived = waitForEvent(this.context, event);
      const cancel = waitForEvent(this.context, 'Cancel');
      const resend = waitForEvent(this.context, 'Resend');
      const timer = this.longTimer(target);
      const winner = yield this.context.df.Task.any([arrived.task, cancel.task, resend.task, timer]);
      if (winner !== timer) timer.cancel();
      if (winner === arrived.task) return { kind: 'arrived', value: arrived.value() };
      if (winner === cancel.task) return { kind: 'cancelled', by: cancel.value().by };
      if (winner === resend.task) {
        const queued = yield* this.queue(`${mail}-resend`, resend.value().sequence, 'people');
        if (queued.kind !== 'done') return queued;
        continue;
      }
      if (this.now() < target) continue; // one chunk of a long wait
      index++;
      if (index < marks.length) {
        const queued = yield* this.queue(mail, reminder++, 'bulk');
        if (queued.kind !== 'done') return queued;
      }
    }
    return { kind: 'deadline' };
  }

  /** Ends the reinstatement: the final state with its reason, the partner's notice, the thanks. */
  *finish(outcome: FinalOutcome, reason?: string): Generator<Task, FinalOutcome, unknown> {
    this.status(outcome);
    const finished = yield* this.run('recording the outcome', () =>
      this.act.finish({ reinstatementId: this.id, outcome, ...(reason ? { reason } : {}) }),
    );
    if (finished.kind !== 'done')
      throw new Error(
        `could not record the outcome ${outcome}: ${'reason' in finished ? finished.reason : 'cancelled'}`,
      );
    return finished.value;
  }

  /** Ends the reinstatement for a step that did not settle as done. */
  *end(settled: Exclude<Settled<unknown>, { kind: 'done' }> | { kind: 'deadline'; reason: string }) {
    if (settled.kind === 'cancelled') return yield* this.finish('Cancelled', `cancelled by ${settled.by}`);
    if (settled.kind === 'deadline') return yield* this.finish('Expired', settled.reason);
    return yield* this.finish('Failed', settled.reason);
  }

  private *queue(kind: string, sequence: number, lane: Lane): Generator<Task, Settled<null>, unknown> {
    const queued = yield* this.run(`queueing the ${kind} mail`, () =>
      this.act.queueMail({ reinstatementId: this.id, kind, sequence, lane, waiting: false }),
    );
    return queued.kind === 'done' ? { kind: 'done', value: null } : queued;
  }

  /** A durable timer towards `at`, in chunks of at most six days. */
  private longTimer(at: number): TimerTask {
    return this.context.df.createTimer(new Date(Math.min(at, this.now() + MAX_TIMER)));
  }
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

function errorText(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/\s+/g, ' ').slice(0, 300);
}

export type { EventName };
