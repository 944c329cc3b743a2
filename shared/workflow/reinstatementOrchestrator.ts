import * as df from 'durable-functions';
import type { OrchestrationContext, OrchestrationHandler, Task } from 'durable-functions';
import {
  Events,
  type AcceptedEvent,
  type FinalOutcome,
  type StepResult,
  type WorkflowInput,
} from './workflowTypes';

const DAY = 86_400_000;
/** No single durable timer longer than this (the documented JS limit is 6 days). */
const MAX_TIMER = 6 * DAY;

/** Activity names, shared with the registrations in functions/. */
export const Activity = {
  reserveEmailSlot: 'reserveEmailSlot',
  sendInvitation: 'sendInvitation',
  recordAcceptance: 'recordAcceptance',
  lookupPartnerGroup: 'lookupPartnerGroup',
  sendInstructions: 'sendInstructions',
  scopeProgress: 'scopeProgress',
  finish: 'finish',
} as const;

type Wait<T> = { kind: 'event'; value: T } | { kind: 'cancelled' } | { kind: 'deadline' };

/**
 * One reinstatement, as DESIGN.md describes the procedure: invite, wait for acceptance (with
 * reminders and an expiry), look up the partner group, send the instructions, wait until every
 * scope is verified (with reminders and a deadline), then report. Deterministic: time comes from
 * the context, all I/O from activities, and every wait also listens for a cancellation.
 */
export const reinstatementOrchestrator: OrchestrationHandler = function* (context: OrchestrationContext) {
  const { reinstatementId, schedule } = context.df.getInput() as WorkflowInput;
  const retry = new df.RetryOptions(5_000, 6);
  retry.backoffCoefficient = 2;
  retry.maxRetryIntervalInMilliseconds = 5 * 60_000;
  const call = (name: string, input?: unknown): Task => context.df.callActivityWithRetry(name, retry, input);
  const started = context.df.currentUtcDateTime.getTime();
  const step = (name: string) => context.df.setCustomStatus({ step: name });

  /** Waits for the shared email pace, then runs the send activity; false on a permanent failure. */
  function* mail(activity: string, sequence: number): Generator<Task, StepResult, unknown> {
    const slot = (yield call(Activity.reserveEmailSlot)) as string;
    if (Date.parse(slot) > context.df.currentUtcDateTime.getTime())
      yield context.df.createTimer(new Date(slot));
    return (yield call(activity, { reinstatementId, sequence })) as StepResult;
  }

  /**
   * Waits for `event`, sending a reminder at each reminder day and giving up at the last day. Timers
   * are chunked to at most six days, and the losing timer is always cancelled.
   */
  function* waitFor<T>(
    event: string,
    from: number,
    reminders: number[],
    deadlineDays: number,
    remind: (n: number) => Generator<Task, StepResult, unknown>,
  ): Generator<Task, Wait<T>, unknown> {
    const marks = [...reminders, deadlineDays].map((d) => from + d * DAY);
    let index = 0;
    while (index < marks.length) {
      const now = context.df.currentUtcDateTime.getTime();
      const target = marks[index] as number;
      const timer = context.df.createTimer(new Date(Math.min(target, now + MAX_TIMER)));
      const arrived = context.df.waitForExternalEvent(event);
      const cancel = context.df.waitForExternalEvent(Events.Cancel);
      const winner = yield context.df.Task.any([arrived, cancel, timer]);
      if (winner !== timer) {
        timer.cancel();
        return winner === cancel ? { kind: 'cancelled' } : { kind: 'event', value: arrived.result as T };
      }
      if (context.df.currentUtcDateTime.getTime() < target) continue; // a chunk of a long wait
      index++;
      if (index < marks.length) yield* remind(index);
    }
    return { kind: 'deadline' };
  }

  function* finish(outcome: FinalOutcome, reason?: string): Generator<Task, FinalOutcome, unknown> {
    step(outcome);
    yield call(Activity.finish, { reinstatementId, outcome, ...(reason ? { reason } : {}) });
    return outcome;
  }

  // 1. Invitation.
  step('sending invitation');
  const invited = yield* mail(Activity.sendInvitation, 0);
  if (!invited.ok) return yield* finish('Failed', invited.reason);

  // 2. Acceptance.
  step('waiting for acceptance');
  const acceptance = yield* waitFor<AcceptedEvent>(
    Events.Accepted,
    started,
    schedule.invitationReminderDays,
    schedule.invitationExpiryDays,
    (n) => mail(Activity.sendInvitation, n),
  );
  if (acceptance.kind === 'cancelled') return yield* finish('Cancelled', 'cancelled by the partner');
  if (acceptance.kind === 'deadline')
    return yield* finish(
      'Expired',
      `the invitation was not accepted within ${schedule.invitationExpiryDays} days`,
    );
  yield call(Activity.recordAcceptance, {
    reinstatementId,
    via: acceptance.value.via,
    eventId: acceptance.value.eventId,
  });

  // 3. The partner group.
  step('looking up the partner group');
  const group = (yield call(Activity.lookupPartnerGroup, { reinstatementId })) as StepResult<string>;
  if (!group.ok) return yield* finish('Failed', group.reason);

  // 4. Instructions.
  step('sending instructions');
  const instructed = yield* mail(Activity.sendInstructions, 0);
  if (!instructed.ok) return yield* finish('Failed', instructed.reason);

  // 5. Role assignments, scope by scope.
  const since = context.df.currentUtcDateTime.getTime();
  for (;;) {
    const progress = (yield call(Activity.scopeProgress, { reinstatementId })) as {
      verified: number;
      total: number;
    };
    if (progress.verified === progress.total) break;
    step(`waiting for role assignments (${progress.verified} of ${progress.total} verified)`);
    // After a partial verification the wait resumes: reminders already sent keep their numbers.
    const elapsedDays = (context.df.currentUtcDateTime.getTime() - since) / DAY;
    const passed = schedule.roleAssignmentReminderDays.filter((d) => d <= elapsedDays).length;
    const verification = yield* waitFor(
      Events.ScopeVerified,
      since,
      schedule.roleAssignmentReminderDays.slice(passed),
      schedule.roleAssignmentDeadlineDays,
      (n) => mail(Activity.sendInstructions, passed + n),
    );
    if (verification.kind === 'cancelled') return yield* finish('Cancelled', 'cancelled by the partner');
    if (verification.kind === 'deadline') {
      const final = (yield call(Activity.scopeProgress, { reinstatementId })) as {
        verified: number;
        total: number;
      };
      if (final.verified === final.total) break;
      return yield* finish(
        'Expired',
        `role assignments not granted within ${schedule.roleAssignmentDeadlineDays} days (${final.verified} of ${final.total} scopes verified)`,
      );
    }
  }

  // 6. Done.
  return yield* finish('Reinstated');
};
