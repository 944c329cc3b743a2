import type { OrchestrationContext, Task } from 'durable-functions';
import type { DispatchResult } from '../email/dispatch';
import type { MailState } from '../email/outbox';
import type { Lane } from '../email/pace';
import type { AuditActor } from '../model/audit';
import type { FinalState, ReinstatementState } from '../model/states';
import type { ScanCounts } from '../storage/scanRepository';

/**
 * The seam between the orchestrations and everything else, declared once and first: the activities'
 * names, inputs and outputs are the interfaces below, which the implementations (built by the
 * composition root from their dependencies) must satisfy, and which the orchestrations call through
 * `proxyActivities` (Temporal's `proxyActivities<typeof activities>()` idea). An orchestrator that
 * reads a result as the wrong type does not compile, and neither does a registration that misses one.
 */

/** Orchestration function names (and the dispatcher's fixed instance id). */
export const Orchestrations = {
  reinstatement: 'reinstatement',
  mailDispatcher: 'mailDispatcher',
  bulkStart: 'bulkStart',
  scan: 'scan',
} as const;
export const MAIL_DISPATCHER_INSTANCE = 'mail-dispatcher';

/** External events the orchestrations listen for. */
export const Events = {
  /** The customer accepted the reseller relationship (webhook, partner call or reconciliation). */
  Accepted: 'Accepted',
  /** A scope was found granted (timer, on-demand check or the customer's "I've done it"). */
  ScopeVerified: 'ScopeVerified',
  Cancel: 'Cancel',
  /** The partner asked for the current step's mail again. */
  Resend: 'Resend',
  /** A mail the orchestration waits for was sent, or given up. */
  MailSent: 'MailSent',
  /** A mail was queued while the dispatcher slept. */
  Wake: 'Wake',
} as const;

export interface AcceptedEvent {
  via: Extract<AuditActor, 'webhook' | 'partner' | 'reconciliation'>;
  /** De-duplication id: deliveries are at least once. */
  eventId: string;
}

export interface ActorEvent {
  /** Who asked (the signed-in person, or the key's caller). */
  by: string;
}

export interface MailSentEvent {
  kind: string;
  sequence: number;
  ok: boolean;
  at: string;
  reason?: string;
}

export interface ResendEvent extends ActorEvent {
  /** The resend's number: two requests for the same number send one mail. */
  sequence: number;
}

/** Each event's payload, declared once. */
export interface EventPayloads {
  Accepted: AcceptedEvent;
  ScopeVerified: ActorEvent;
  Cancel: ActorEvent;
  Resend: ResendEvent;
  MailSent: MailSentEvent;
  Wake: Record<string, never>;
}
export type EventName = keyof EventPayloads & keyof typeof Events;

/** A durable event wait whose result has the event's declared payload type. */
export interface EventTask<K extends EventName> {
  task: Task;
  /** The payload, once the task completed (the JSON seam, typed by EventPayloads). */
  value(): EventPayloads[K];
}

export function waitForEvent<K extends EventName>(context: OrchestrationContext, name: K): EventTask<K> {
  const task = context.df.waitForExternalEvent(Events[name]);
  return { task, value: () => task.result as EventPayloads[K] };
}

/** The schedule a reinstatement runs on, fixed at start (orchestrators never read configuration). */
export interface WorkflowSchedule {
  invitationReminderDays: number[];
  invitationExpiryDays: number;
  roleAssignmentReminderDays: number[];
  roleAssignmentDeadlineDays: number;
  /** How long a step keeps retrying throttling and outages before the reinstatement fails. */
  transientRetryHours: number;
}

export interface ReinstatementInput {
  reinstatementId: string;
  schedule: WorkflowSchedule;
  /** A new reinstatement is Requested; a resumed one (retry, repair) reads where its record stands. */
  fresh?: true;
  /** Set when an operator retries a failed reinstatement: waits start again from now. */
  retry?: boolean;
  /**
   * The mail lane of the first invitation: `people` when a person asked for this one (a single
   * start, a few customers at once), so it goes ahead of bulk jobs' invitations; `bulk` otherwise.
   */
  invitationLane?: Lane;
  /**
   * Set to end a reinstatement whose orchestration is gone (it failed, was terminated, or never
   * started): the orchestration does nothing but record this end, so that every move of a
   * reinstatement's state is still its orchestration's.
   */
  end?: { outcome: 'Cancelled' | 'Failed'; reason: string; actor: AuditActor };
}

export interface ScanInput {
  scanId: string;
  /** How long a page keeps retrying throttling and outages before what fails is recorded as such. */
  transientRetryHours: number;
}

export interface BulkStartInput {
  jobId: string;
  pages: number;
  /** The lane of the job's invitations (a job of a few rows is a person's request). */
  lane?: Lane;
}

/**
 * What an activity came to. Activities answer outages and throttling as `retry` (with the wait the
 * service asked for, when it did) rather than throwing, so the orchestration waits them out on a
 * durable timer; `failed` is a permanent answer that retrying would not change.
 */
export type StepOutcome<T = null> =
  | { kind: 'done'; value: T }
  | { kind: 'retry'; reason: string; afterMs?: number }
  | { kind: 'failed'; reason: string };

export const done = <T>(value: T): StepOutcome<T> => ({ kind: 'done', value });

/** How a reinstatement ends: one of its final states. */
export type FinalOutcome = FinalState;

/** The durable client operations the app needs (df.getClient in the functions layer). */
export interface WorkflowClient {
  /** Starts an orchestration; false when that instance is already running. */
  start(name: string, instanceId: string, input: unknown): Promise<boolean>;
  /** Raises an event; false when no such instance exists (a finished one drops it silently). */
  raise(instanceId: string, event: string, data: unknown): Promise<boolean>;
  status(instanceId: string): Promise<InstanceStatus | undefined>;
  /** Every instance in one of these runtime statuses (all pages). */
  list(statuses: InstanceStatus['runtimeStatus'][]): Promise<(InstanceStatus & { instanceId: string })[]>;
}

export interface InstanceStatus {
  runtimeStatus:
    'Pending' | 'Running' | 'Completed' | 'ContinuedAsNew' | 'Failed' | 'Terminated' | 'Suspended';
  output?: unknown;
  customStatus?: unknown;
}

/** Whether an instance is still going (it can take events, and cannot be started again). */
export function isRunning(status: InstanceStatus | undefined): boolean {
  return (
    status !== undefined &&
    ['Pending', 'Running', 'ContinuedAsNew', 'Suspended'].includes(status.runtimeStatus)
  );
}

/** What each activity invocation gets besides its input: the durable client of that invocation. */
export interface ActivityEnv {
  workflow: WorkflowClient;
}

/** Names one reinstatement: the input of most of its activities. */
export interface ReinstatementRef {
  reinstatementId: string;
}

/** Where a reinstatement stands, for an orchestration that (re)starts. */
export interface Progress {
  state: ReinstatementState;
  invitationSentAt?: string;
  instructionsSentAt?: string;
}

/** The reinstatement's mails its orchestration sends (reminders and resends are their next sequences). */
export type FlowMailKind = 'invitation' | 'instructions';

export interface QueueMailInput extends ReinstatementRef {
  kind: string;
  sequence: number;
  lane: Lane;
  /** The orchestration waits for this mail: the dispatcher tells it when the mail went. */
  waiting: boolean;
}

export interface QueuedMailState {
  state: MailState;
  queuedAt: string;
  sentAt?: string;
  failure?: string;
}

export interface ScopeProgress {
  verified: number;
  total: number;
  /** In words, what the scopes not yet verified are waiting for. */
  pendingSummary: string;
}

export type TroubleNote =
  | (ReinstatementRef & { step: string; clear: true })
  | (ReinstatementRef & { step: string; attempt: number; reason: string; nextAttemptAt: string });

export interface FinishInput extends ReinstatementRef {
  outcome: FinalOutcome;
  reason?: string;
  /** Who ended it (the audit row's actor); the system unless a watchdog or a person did. */
  actor?: AuditActor;
}

export interface BulkPageCounts {
  started: number;
  existing: number;
  /** Rows refused when their turn came (Partner Center does not list the customer or a subscription as theirs). */
  invalid: number;
  failed: number;
}

/**
 * The reinstatement's activities. Every move of a reinstatement's state is made by one of these, on
 * its orchestration's behalf: `recordMailSent` (InvitationSent, AwaitingRoleAssignment),
 * `recordAcceptance` (Accepted), `checkScopesNow` and `finish` (the final states).
 */
export interface ReinstatementActivities {
  loadProgress(input: ReinstatementRef): Promise<StepOutcome<Progress>>;
  /** Composes and queues one of the reinstatement's mails. */
  queueMail(input: QueueMailInput, env: ActivityEnv): Promise<StepOutcome<QueuedMailState>>;
  /** The first invitation or the first instructions went at `at`: the reinstatement moves on. */
  recordMailSent(input: ReinstatementRef & { kind: FlowMailKind; at: string }): Promise<StepOutcome>;
  recordAcceptance(input: ReinstatementRef & AcceptedEvent): Promise<StepOutcome>;
  /** The partner group's object id, recorded on the reinstatement. */
  lookupPartnerGroup(input: ReinstatementRef): Promise<StepOutcome<string>>;
  /** Checks every pending scope now (before the instructions are mailed); answers the progress. */
  checkScopesNow(input: ReinstatementRef): Promise<StepOutcome<ScopeProgress>>;
  scopeProgress(input: ReinstatementRef): Promise<StepOutcome<ScopeProgress>>;
  /** Shows operators that a step is being retried, and why; clears it once the step succeeded. */
  noteTrouble(input: TroubleNote): Promise<StepOutcome>;
  /** Ends the reinstatement; answers the final state its record is in. */
  finish(input: FinishInput, env: ActivityEnv): Promise<StepOutcome<FinalOutcome>>;
}

export interface MailActivities {
  /** Sends what the pace allows now; the dispatcher orchestration calls it. */
  dispatchMail(input: Record<string, never>, env: ActivityEnv): Promise<DispatchResult>;
}

export interface BulkActivities {
  /** Starts the rows of one page of a bulk job; a retried page starts each row exactly once. */
  startBulkPage(
    input: { jobId: string; page: number; lane?: Lane },
    env: ActivityEnv,
  ): Promise<StepOutcome<BulkPageCounts>>;
}

export interface ScanActivities {
  listScanPage(input: {
    scanId: string;
    page: number;
    continuationToken?: string;
  }): Promise<StepOutcome<{ customers: number; next?: string; calls: number }>>;
  scanCustomers(input: {
    scanId: string;
    page: number;
    /** The step's deadline passed: what still fails is recorded as could not check, with why. */
    giveUp?: boolean;
  }): Promise<StepOutcome<{ scanned: number; calls: number }>>;
  finishScan(input: { scanId: string; stoppedBecause?: string }): Promise<StepOutcome<ScanCounts>>;
}

export type Activities = ReinstatementActivities & MailActivities & BulkActivities & ScanActivities;
export type ActivityName = keyof Activities;
export type ActivityInput<K extends ActivityName> = Parameters<Activities[K]>[0];
export type ActivityOutput<K extends ActivityName> = Awaited<ReturnType<Activities[K]>>;

export const ACTIVITY_NAMES = [
  'loadProgress',
  'queueMail',
  'recordMailSent',
  'recordAcceptance',
  'lookupPartnerGroup',
  'checkScopesNow',
  'scopeProgress',
  'noteTrouble',
  'finish',
  'dispatchMail',
  'startBulkPage',
  'listScanPage',
  'scanCustomers',
  'finishScan',
] as const satisfies readonly ActivityName[];

// Every activity is listed (a new one that is not registered fails to compile here).
type Unlisted = Exclude<ActivityName, (typeof ACTIVITY_NAMES)[number]>;
export const everyActivityListed: [Unlisted] extends [never] ? true : Unlisted = true;

/** The orchestration's view of the activities: each call yields one durable task. */
export type ActivityProxy = {
  [K in ActivityName]: (input: ActivityInput<K>) => Generator<Task, ActivityOutput<K>, unknown>;
};

/**
 * Typed activity calls for an orchestrator (`yield* act.queueMail({...})`). The one cast is the JSON
 * seam itself: what the activity returned, as the contract above declares it.
 */
export function proxyActivities(context: OrchestrationContext): ActivityProxy {
  const proxy: Partial<Record<ActivityName, (input: unknown) => Generator<Task, unknown, unknown>>> = {};
  for (const name of ACTIVITY_NAMES)
    proxy[name] = function* (input: unknown) {
      return yield context.df.callActivity(name, input);
    };
  return proxy as ActivityProxy;
}
