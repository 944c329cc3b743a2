import type { RpcTypedData } from '../worker/coreTypes';
import {
  EventType,
  failureFields,
  historyEvent,
  type HistoryEvent,
  type IncomingEvent,
} from './historyEvents';
import { isTerminal, type Chain, type InstanceMeta } from './instanceModel';
import type { TimerItem, WorkItem } from './instanceStore';
import { errorMessage } from '../../lib/errors';

/** durable-functions' ActionType values (lib/src/actions/ActionType.js). */
export const ActionType = {
  CallActivity: 0,
  CallActivityWithRetry: 1,
  CallSubOrchestrator: 2,
  CallSubOrchestratorWithRetry: 3,
  ContinueAsNew: 4,
  CreateTimer: 5,
  WaitForExternalEvent: 6,
  WhenAny: 11,
  WhenAll: 12,
} as const;

export interface Action {
  actionType: number;
  functionName?: string;
  input?: unknown;
  instanceId?: string;
  retryOptions?: Chain['retry'];
  fireAt?: string;
  isCanceled?: boolean;
  externalEventName?: string;
  compoundActions?: Action[];
}

/** What the orchestrator handler returns (OrchestratorState), after the JSON round trip. */
export interface OrchestratorState {
  isDone: boolean;
  actions: Action[][];
  output?: unknown;
  error?: string;
  customStatus?: unknown;
}

export interface TimerSettings {
  maximumShortTimerMs: number;
  longRunningTimerIntervalMs: number;
}

/** Everything one episode decided: the next meta and the rows to write around it. */
export interface EpisodeResult {
  meta: InstanceMeta;
  work: WorkItem[];
  timers: TimerItem[];
  cancelledTimers: number[];
  /** Set when the instance finished and a parent orchestration waits for it. */
  parentEvent?: IncomingEvent;
  continuedAsNew: boolean;
}

const MAX_CUSTOM_STATUS = 16 * 1024;
const MAX_HISTORY = 900 * 1024;

/** Depth-first, in the order durable-functions assigns task ids (trackOpenTask). */
export function flattenActions(actions: Action[]): Action[] {
  return actions.flatMap((a) =>
    a.actionType === ActionType.WhenAll || a.actionType === ActionType.WhenAny
      ? flattenActions(a.compoundActions ?? [])
      : [a],
  );
}

/** Action inputs arrive as durable-functions left them: strings already JSON-encoded, other values raw. */
function inputText(action: Action, encodedStrings: boolean): string {
  if (encodedStrings && typeof action.input === 'string') return action.input;
  return JSON.stringify(action.input ?? null);
}

/** A function's return value as JSON text, whatever RPC type it travelled in. */
export function typedDataToJsonText(data: RpcTypedData | null | undefined): string {
  if (!data) return 'null';
  if (data.json !== undefined && data.json !== null) return data.json;
  if (data.string !== undefined && data.string !== null) return JSON.stringify(data.string);
  if (data.int !== undefined && data.int !== null) return String(data.int);
  if (data.double !== undefined && data.double !== null) return String(data.double);
  if (data.bytes) return JSON.stringify(Buffer.from(data.bytes).toString('base64'));
  return 'null';
}

/** The state an orchestrator reported when it threw (OrchestrationFailureError's `$OutOfProcData$:` payload). */
export function outOfProcState(error: unknown): OrchestratorState | undefined {
  const message = errorMessage(error);
  const marker = message.indexOf('$OutOfProcData$:');
  if (marker < 0) return undefined;
  try {
    return JSON.parse(message.slice(marker + '$OutOfProcData$:'.length)) as OrchestratorState;
  } catch {
    return undefined;
  }
}

function retryDelay(chain: Chain): number {
  const retry = chain.retry;
  if (!retry) return 0;
  const attempt = chain.attempt ?? 2;
  const delay =
    retry.firstRetryIntervalInMilliseconds *
    Math.pow(retry.backoffCoefficient ?? 1, Math.max(0, attempt - 2));
  return retry.maxRetryIntervalInMilliseconds && retry.maxRetryIntervalInMilliseconds > 0
    ? Math.min(delay, retry.maxRetryIntervalInMilliseconds)
    : delay;
}

/**
 * Decides what follows an orchestrator episode, acting as the Durable extension does for an
 * out-of-process app: gives every newly emitted action the next event id (in the order the library
 * numbers its tasks), records TaskScheduled / TimerCreated / SubOrchestrationInstanceCreated, drives
 * retries and long timers link by link, and settles the instance's status.
 */
export function decideEpisode(
  before: InstanceMeta,
  episodeHistory: HistoryEvent[],
  processed: HistoryEvent,
  state: OrchestratorState,
  failure: string | undefined,
  now: Date,
  timers: TimerSettings,
): EpisodeResult {
  const episode = new Decision(structuredClone(before), now, timers);
  episode.followChain(processed);
  const flat = flattenActions(state.actions?.[0] ?? []);
  const unsupported = episode.numberNewActions(flat);
  episode.cancelLosingTimers(flat);
  return episode.settle(episodeHistory, state, flat, failure ?? unsupported);
}

/** One episode's decisions, phase by phase (see decideEpisode). */
class Decision {
  readonly result: EpisodeResult;
  private readonly engine: InstanceMeta['engine'];
  private readonly appended: HistoryEvent[] = [];

  constructor(
    private readonly meta: InstanceMeta,
    private readonly now: Date,
    private readonly timers: TimerSettings,
  ) {
    this.engine = meta.engine;
    this.result = { meta, work: [], timers: [], cancelledTimers: [], continuedAsNew: false };
  }

  private nextId(): number {
    return this.engine.nextEventId++;
  }

  /** 1. The processed event may complete one link of a retry or long-timer chain and call for the next. */
  followChain(processed: HistoryEvent): void {
    const key = processed.EventType === EventType.TimerFired ? processed.TimerId : processed.TaskScheduledId;
    const chain = key !== undefined ? this.engine.chains[String(key)] : undefined;
    if (!chain || key === undefined) return;
    delete this.engine.chains[String(key)];
    const failed =
      processed.EventType === EventType.TaskFailed ||
      processed.EventType === EventType.SubOrchestrationInstanceFailed;
    const timerFired = processed.EventType === EventType.TimerFired;
    if (chain.kind === 'task' && failed) {
      // durable-functions' RetryableTask waits for a retry timer after every failure, the last included.
      const next: Chain = { ...chain, kind: 'retryTimer', attempt: (chain.attempt ?? 1) + 1 };
      const id = this.nextId();
      this.scheduleTimer(id, new Date(this.now.getTime() + retryDelay(next)).toISOString());
      this.engine.chains[String(id)] = next;
    } else if (chain.kind === 'retryTimer' && timerFired) {
      if ((chain.attempt ?? 1) > (chain.retry?.maxNumberOfAttempts ?? 1)) return;
      const id = this.nextId();
      this.engine.chains[String(id)] = { ...chain, kind: 'task' };
      this.scheduleCall(chain, id);
    } else if (chain.kind === 'longTimer' && timerFired && chain.finalFireAt) {
      if (new Date(chain.finalFireAt).getTime() <= this.now.getTime()) return;
      const id = this.nextId();
      this.scheduleTimer(id, this.nextChunk(chain.finalFireAt));
      this.engine.chains[String(id)] = chain;
    }
  }

  /** 2. Actions the orchestrator emitted for the first time get their event ids, in order. */
  numberNewActions(flat: Action[]): string | undefined {
    let unsupported: string | undefined;
    for (let index = this.engine.actionIds.length; index < flat.length; index++) {
      const action = flat[index] as Action;
      switch (action.actionType) {
        case ActionType.CallActivity:
        case ActionType.CallActivityWithRetry:
        case ActionType.CallSubOrchestrator:
        case ActionType.CallSubOrchestratorWithRetry: {
          const id = this.nextId();
          const activity =
            action.actionType === ActionType.CallActivity ||
            action.actionType === ActionType.CallActivityWithRetry;
          const call: Chain = {
            kind: 'task',
            actionIndex: index,
            target: activity ? 'activity' : 'subOrchestration',
            functionName: action.functionName ?? '',
            // durable-functions JSON-encodes string inputs of activities, not of sub-orchestrations.
            input: inputText(action, activity),
            attempt: 1,
            ...(!activity && action.instanceId ? { instanceId: action.instanceId } : {}),
          };
          const withRetry =
            action.actionType === ActionType.CallActivityWithRetry ||
            action.actionType === ActionType.CallSubOrchestratorWithRetry;
          if (withRetry && action.retryOptions)
            this.engine.chains[String(id)] = { ...call, retry: action.retryOptions };
          this.scheduleCall(call, id);
          this.engine.actionIds.push(id);
          break;
        }
        case ActionType.CreateTimer: {
          const id = this.nextId();
          const finalFireAt = new Date(action.fireAt ?? this.now.toISOString()).toISOString();
          const first = this.nextChunk(finalFireAt);
          if (first !== finalFireAt)
            this.engine.chains[String(id)] = { kind: 'longTimer', actionIndex: index, finalFireAt };
          this.scheduleTimer(id, first);
          this.engine.actionIds.push(id);
          break;
        }
        case ActionType.WaitForExternalEvent:
        case ActionType.ContinueAsNew:
          this.engine.actionIds.push(null);
          break;
        default:
          unsupported ??= `action type ${action.actionType} is not supported by the offline runtime`;
          this.engine.actionIds.push(null);
      }
    }
    return unsupported;
  }

  /** 3. Timers cancelled (the losers of Task.any): their pending rows are dropped. */
  cancelLosingTimers(flat: Action[]): void {
    flat.forEach((action, index) => {
      if (action.actionType !== ActionType.CreateTimer || !action.isCanceled) return;
      const id = this.engine.actionIds[index];
      if (id === null || id === undefined) return;
      const live = Object.entries(this.engine.chains).find(
        ([, c]) => c.kind === 'longTimer' && c.actionIndex === index,
      );
      if (live) {
        this.result.cancelledTimers.push(Number(live[0]));
        delete this.engine.chains[live[0]];
      } else {
        this.result.cancelledTimers.push(id);
      }
    });
  }

  /** 4. The new history, and where the instance now stands: running, done, continued, or failed. */
  settle(
    episodeHistory: HistoryEvent[],
    state: OrchestratorState,
    flat: Action[],
    failure: string | undefined,
  ): EpisodeResult {
    const { meta, result } = this;
    meta.history = [...episodeHistory, ...this.appended].map((e) => ({ ...e, IsPlayed: false }));
    meta.lastUpdatedTime = this.now.toISOString();
    meta.customStatus = state.customStatus === undefined ? null : JSON.stringify(state.customStatus);

    let problem = failure;
    if (!problem && meta.customStatus && meta.customStatus.length > MAX_CUSTOM_STATUS)
      problem = `custom status is ${meta.customStatus.length} bytes; the limit is 16 KB`;
    if (!problem && JSON.stringify(meta.history).length > MAX_HISTORY)
      problem = 'the history outgrew what one instance may hold; use continueAsNew or sub-orchestrations';

    const continueAsNew = flat.find((a) => a.actionType === ActionType.ContinueAsNew);
    if (problem) {
      meta.status = 'Failed';
      meta.output = JSON.stringify(`Orchestrator function '${meta.name}' failed: ${problem}`);
    } else if (state.isDone && continueAsNew) {
      result.continuedAsNew = true;
      meta.status = 'ContinuedAsNew';
      meta.input = inputText(continueAsNew, true);
    } else if (state.isDone) {
      meta.status = 'Completed';
      meta.output = JSON.stringify(state.output ?? null);
    } else {
      meta.status = 'Running';
    }
    if (problem || result.continuedAsNew) {
      result.work = [];
      result.timers = [];
    }
    if (isTerminal(meta.status) && meta.parent) result.parentEvent = parentEvent(meta);
    return result;
  }

  private scheduleCall(chain: Chain, id: number): void {
    const functionName = chain.functionName ?? '';
    const input = (chain.input as string) ?? null;
    if (chain.target === 'subOrchestration') {
      const child = chain.instanceId ?? `${this.meta.instanceId}:${id}`;
      this.appended.push(
        historyEvent(
          {
            EventType: EventType.SubOrchestrationInstanceCreated,
            EventId: id,
            Name: functionName,
            InstanceId: child,
          },
          this.now,
        ),
      );
      this.result.work.push({
        kind: 'subOrchestration',
        eventId: id,
        executionId: this.meta.executionId,
        functionName,
        input,
        childInstanceId: child,
      });
      return;
    }
    this.appended.push(
      historyEvent({ EventType: EventType.TaskScheduled, EventId: id, Name: functionName }, this.now),
    );
    this.result.work.push({
      kind: 'activity',
      eventId: id,
      executionId: this.meta.executionId,
      functionName,
      input,
    });
  }

  private scheduleTimer(id: number, fireAt: string): void {
    this.appended.push(
      historyEvent({ EventType: EventType.TimerCreated, EventId: id, FireAt: fireAt }, this.now),
    );
    this.result.timers.push({ eventId: id, executionId: this.meta.executionId, fireAt });
  }

  /** The next chunk of a timer longer than the library's short-timer limit. */
  private nextChunk(finalFireAt: string): string {
    const remaining = new Date(finalFireAt).getTime() - this.now.getTime();
    return remaining > this.timers.maximumShortTimerMs
      ? new Date(this.now.getTime() + this.timers.longRunningTimerIntervalMs).toISOString()
      : finalFireAt;
  }
}

/** What a parent orchestration receives when this sub-orchestration ends. */
export function parentEvent(meta: InstanceMeta): IncomingEvent | undefined {
  if (!meta.parent) return undefined;
  if (meta.status === 'Completed') {
    return {
      EventType: EventType.SubOrchestrationInstanceCompleted,
      TaskScheduledId: meta.parent.taskId,
      Result: meta.output ?? 'null',
    };
  }
  const message = meta.output ? (JSON.parse(meta.output) as unknown) : meta.status;
  return {
    EventType: EventType.SubOrchestrationInstanceFailed,
    TaskScheduledId: meta.parent.taskId,
    ...failureFields(new Error(typeof message === 'string' ? message : JSON.stringify(message))),
  };
}
