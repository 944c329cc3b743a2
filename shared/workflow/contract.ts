import type { OrchestrationContext, Task } from 'durable-functions';
import type { AuditActor } from '../model/audit';
import type { FinalState } from '../model/states';
import type { createActivities } from './activities';

/**
 * The seam between the orchestrations and everything else, declared once. Activity names, inputs and
 * outputs come from `createActivities` itself (the idea of Temporal's `proxyActivities<typeof
 * activities>()`), so an orchestrator that reads an activity's result as the wrong type does not
 * compile, and the registrations in functions/ cover every activity by construction.
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
}

export interface ScanInput {
  scanId: string;
  /** How long a page keeps retrying throttling and outages before what fails is recorded as such. */
  transientRetryHours: number;
}

export interface BulkStartInput {
  jobId: string;
  pages: number;
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

export type Activities = ReturnType<typeof createActivities>;
export type ActivityName = keyof Activities;
export type ActivityInput<K extends ActivityName> = Parameters<Activities[K]>[0];
export type ActivityOutput<K extends ActivityName> = Awaited<ReturnType<Activities[K]>>;

export const ACTIVITY_NAMES = [
  'loadProgress',
  'queueMail',
  'recordAcceptance',
  'lookupPartnerGroup',
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
