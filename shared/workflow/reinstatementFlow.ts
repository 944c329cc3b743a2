import type { OrchestrationContext, Task, TimerTask } from 'durable-functions';
import { errorMessage } from '../../lib/errors';
import { nextRetry, RetryPolicies, unitHash } from '../../lib/retryPolicy';
import type { Lane } from '../email/pace';
import type { AuditActor } from '../model/audit';
import {
  proxyActivities,
  waitForEvent,
  type ActivityProxy,
  type EventPayloads,
  type FinalOutcome,
  type FlowMailKind,
  type ReinstatementInput,
  type StepOutcome,
} from './contract';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** No single durable timer longer than this (the documented JS limit is 6 days). */
const MAX_TIMER = 6 * DAY;

/** How a reinstatement ends before its last step: cancelled, expired, or failed, with the reason. */
export interface Ending {
  outcome: Exclude<FinalOutcome, 'Reinstated'>;
  reason: string;
  actor?: AuditActor;
}

/**
 * Thrown by a step that cannot go on (the partner cancelled, a deadline passed, a step failed for
 * good): the one way a reinstatement's flow ends early. `ReinstatementFlow.runToEnd` records it.
 */
export class FlowEnd extends Error {
  constructor(readonly ending: Ending) {
    super(ending.reason);
    this.name = 'FlowEnd';
  }
}

/**
 * The mechanics of one reinstatement's orchestration, so that the orchestrator itself reads as the
 * procedure: retrying a step on durable timers until its deadline, waiting for the customer with
 * reminders and a deadline, sending a mail at the shared pace and moving on once it went. Every wait
 * also listens for the partner's Cancel, and the customer's waits for Resend. A step that cannot go
 * on throws FlowEnd. Everything here is deterministic: time from the context, randomness from a
 * hash, all I/O in activities.
 */
export class ReinstatementFlow {
  readonly act: ActivityProxy;
  readonly id: string;

  constructor(
    private readonly context: OrchestrationContext,
    readonly input: ReinstatementInput,
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
   * Runs the procedure to its end and records it: the outcome `steps` came to, or the ending a
   * step threw (FlowEnd), or Failed with the error of anything unexpected.
   */
  *runToEnd(steps: () => Generator<Task, FinalOutcome, unknown>): Generator<Task, FinalOutcome, unknown> {
    if (this.input.end) return yield* this.finish(this.input.end);
    let ending: Ending | undefined;
    try {
      const outcome = yield* steps();
      if (outcome !== 'Reinstated') ending = { outcome, reason: `ended ${outcome.toLowerCase()}` };
    } catch (error) {
      ending =
        error instanceof FlowEnd
          ? error.ending
          : { outcome: 'Failed', reason: `unexpected error: ${errorMessage(error)}` };
    }
    return yield* this.finish(ending ?? { outcome: 'Reinstated' });
  }

  /**
   * Runs `attempt` until it is done, and answers its value. Throttling and outages (an activity
   * answering `retry`, or throwing) are waited out on durable timers by the product's retry policy
   * (the service's Retry-After wins) until TRANSIENT_RETRY_HOURS; a permanent failure, or the
   * deadline, ends the flow as Failed with the reason.
   */
  *run<T>(
    step: string,
    attempt: () => Generator<Task, StepOutcome<T>, unknown>,
  ): Generator<Task, T, unknown> {
    const firstAttemptAt = this.now();
    let troubled = false;
    for (let n = 1; ; n++) {
      let outcome: StepOutcome<T>;
      try {
        outcome = yield* attempt();
      } catch (error) {
        outcome = { kind: 'retry', reason: oneLine(errorMessage(error)) };
      }
      if (outcome.kind === 'done') {
        if (troubled) yield* this.act.noteTrouble({ reinstatementId: this.id, step, clear: true });
        return outcome.value;
      }
      if (outcome.kind === 'failed') throw new FlowEnd({ outcome: 'Failed', reason: outcome.reason });
      const next = nextRetry(
        { ...RetryPolicies.step, giveUpAfterMs: this.schedule.transientRetryHours * HOUR },
        {
          attempt: n,
          firstAttemptAt,
          now: this.now(),
          jitter: unitHash(`${this.id}|${step}|${n}`),
          ...(outcome.afterMs !== undefined ? { retryAfterMs: outcome.afterMs } : {}),
        },
      );
      if (next.kind === 'give-up')
        throw new FlowEnd({
          outcome: 'Failed',
          reason: `${step}: still failing after ${n} attempts over ${this.schedule.transientRetryHours} h (${outcome.reason})`,
        });
      troubled = true;
      const retrying = {
        attempt: n,
        reason: outcome.reason,
        nextAttemptAt: new Date(next.until).toISOString(),
      };
      this.status(step, { retrying });
      yield* this.act.noteTrouble({ reinstatementId: this.id, step, ...retrying });
      yield* this.sleepUnlessCancelled(next.until);
    }
  }

  /**
   * Sends the reinstatement's first invitation or first instructions and moves the reinstatement on
   * once it went (InvitationSent, AwaitingRoleAssignment); answers when it went. A mail sent before
   * (a resumed orchestration) is not sent again. Not sent within `withinDays` (the queue is that
   * long) or given up by the dispatcher: the flow fails with why.
   */
  *send(kind: FlowMailKind, lane: Lane, withinDays: number): Generator<Task, string, unknown> {
    const deadline = this.now() + withinDays * DAY;
    this.status(`sending the ${kind}`);
    const queued = yield* this.run(`queueing the ${kind}`, () =>
      this.act.queueMail({ reinstatementId: this.id, kind, sequence: 0, lane, waiting: true }),
    );
    let sentAt = queued.sentAt;
    if (queued.state !== 'accepted') {
      if (queued.state !== 'queued' && queued.state !== 'sending')
        throw new FlowEnd({
          outcome: 'Failed',
          reason: `the ${kind} could not be sent: ${queued.failure ?? queued.state}`,
        });
      this.status(`waiting for the ${kind} to be sent`, { queuedAt: queued.queuedAt });
      sentAt = yield* this.untilSent(kind, deadline, withinDays);
    }
    const at = sentAt ?? new Date(this.now()).toISOString();
    yield* this.run(`recording that the ${kind} went`, () =>
      this.act.recordMailSent({ reinstatementId: this.id, kind, at }),
    );
    return at;
  }

  /**
   * Waits for `event` from `from` on: a reminder at each reminder day (the same mail with the next
   * sequence number, so a replayed reminder is never sent twice), and at once a fresh copy in
   * people's lane whenever the partner asks for a resend. Answers the event, or undefined once the
   * deadline day came without it.
   */
  *waitForCustomer<K extends 'Accepted' | 'ScopeVerified'>(
    event: K,
    mail: FlowMailKind,
    from: number,
    reminderDays: number[],
    deadlineDays: number,
  ): Generator<Task, EventPayloads[K] | undefined, unknown> {
    const marks = [...reminderDays, deadlineDays].map((d) => from + d * DAY);
    let index = marks.findIndex((m) => m > this.now());
    // Reminders already due when the wait begins (a resumed orchestration) are not sent late.
    let reminder = 1 + Math.max(index, 0);
    for (let target = marks[index]; target !== undefined; target = marks[index]) {
      const arrived = waitForEvent(this.context, event);
      const cancel = waitForEvent(this.context, 'Cancel');
      const resend = waitForEvent(this.context, 'Resend');
      const timer = this.longTimer(target);
      const winner = yield this.context.df.Task.any([arrived.task, cancel.task, resend.task, timer]);
      if (winner !== timer) timer.cancel();
      if (winner === arrived.task) return arrived.value();
      if (winner === cancel.task) throw cancelledBy(cancel.value().by);
      if (winner === resend.task) {
        yield* this.queue(`${mail}-resend`, resend.value().sequence, 'people');
        continue;
      }
      if (this.now() < target) continue; // one chunk of a long wait
      index++;
      if (index < marks.length) yield* this.queue(mail, reminder++, 'bulk');
    }
    return undefined;
  }

  /**
   * Waits until every scope is verified (the timer's checks, the partner's and the customer's "check
   * now" raise ScopeVerified), with the instructions' reminders; at the deadline one last look, then
   * the flow expires saying which scopes are still missing.
   */
  *untilEveryScopeVerified(since: number): Generator<Task, void, unknown> {
    const { roleAssignmentReminderDays, roleAssignmentDeadlineDays } = this.schedule;
    const progress = () =>
      this.run('checking the scopes', () => this.act.scopeProgress({ reinstatementId: this.id }));
    for (;;) {
      const { verified, total, pendingSummary } = yield* progress();
      if (verified === total) return;
      this.status(`waiting for role assignments (${verified} of ${total} verified)`);
      const arrived = yield* this.waitForCustomer(
        'ScopeVerified',
        'instructions',
        since,
        roleAssignmentReminderDays,
        roleAssignmentDeadlineDays,
      );
      if (arrived) continue;
      const last = yield* progress();
      if (last.verified === last.total) return;
      throw this.expired(
        `role assignments not granted within ${roleAssignmentDeadlineDays} days (${last.pendingSummary || pendingSummary})`,
      );
    }
  }

  /** The flow's end when a wait's deadline passed: throw it. */
  expired(reason: string): FlowEnd {
    return new FlowEnd({ outcome: 'Expired', reason });
  }

  /** Records the end of the reinstatement: its final state and reason, the notices that follow. */
  *finish(ending: Ending | { outcome: 'Reinstated' }): Generator<Task, FinalOutcome, unknown> {
    this.status(ending.outcome);
    const input = { reinstatementId: this.id, ...ending };
    try {
      return yield* this.run('recording the outcome', () => this.act.finish(input));
    } catch (error) {
      // Nothing else can record it: the orchestration fails, and the watchdog ends the record.
      throw new Error(`could not record the outcome ${ending.outcome}: ${errorMessage(error)}`, {
        cause: error,
      });
    }
  }

  /** Waits for the dispatcher's word that the mail went (or was given up), or the deadline. */
  private *untilSent(
    kind: FlowMailKind,
    deadline: number,
    withinDays: number,
  ): Generator<Task, string, unknown> {
    for (;;) {
      const sent = waitForEvent(this.context, 'MailSent');
      const cancel = waitForEvent(this.context, 'Cancel');
      const timer = this.longTimer(deadline);
      const winner = yield this.context.df.Task.any([sent.task, cancel.task, timer]);
      if (winner === timer) {
        if (this.now() < deadline) continue;
        throw new FlowEnd({
          outcome: 'Failed',
          reason: `the ${kind} was not sent within ${withinDays} days: the email queue is too long`,
        });
      }
      timer.cancel();
      if (winner === cancel.task) throw cancelledBy(cancel.value().by);
      const event = sent.value();
      if (event.kind !== kind || event.sequence !== 0) continue; // an older mail's news
      if (!event.ok)
        throw new FlowEnd({
          outcome: 'Failed',
          reason: `the ${kind} could not be sent: ${event.reason ?? 'unknown'}`,
        });
      return event.at;
    }
  }

  private *queue(kind: string, sequence: number, lane: Lane): Generator<Task, void, unknown> {
    yield* this.run(`queueing the ${kind} mail`, () =>
      this.act.queueMail({ reinstatementId: this.id, kind, sequence, lane, waiting: false }),
    );
  }

  /** A durable timer until `at`, or the partner's Cancel, whichever comes first. */
  private *sleepUnlessCancelled(at: number): Generator<Task, void, unknown> {
    const timer = this.context.df.createTimer(new Date(at));
    const cancel = waitForEvent(this.context, 'Cancel');
    if ((yield this.context.df.Task.any([timer, cancel.task])) === cancel.task) {
      timer.cancel();
      throw cancelledBy(cancel.value().by);
    }
  }

  /** A durable timer towards `at`, in chunks of at most six days. */
  private longTimer(at: number): TimerTask {
    return this.context.df.createTimer(new Date(Math.min(at, this.now() + MAX_TIMER)));
  }
}

const cancelledBy = (by: string) => new FlowEnd({ outcome: 'Cancelled', reason: `cancelled by ${by}` });

const oneLine = (text: string) => text.replace(/\s+/g, ' ').slice(0, 300);
