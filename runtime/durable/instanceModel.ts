import type { HistoryEvent } from './historyEvents';

/** Runtime status strings of the Durable Functions status API. */
export type RuntimeStatus = 'Pending' | 'Running' | 'Completed' | 'ContinuedAsNew' | 'Failed' | 'Terminated';
export const TERMINAL_STATUSES: readonly RuntimeStatus[] = ['Completed', 'Failed', 'Terminated'];

/**
 * A retried call or a long timer spans several history events with fresh ids; the chain remembers
 * what to schedule when the current link completes (mirroring durable-functions' RetryableTask and
 * LongTimerTask, which expect the host to do exactly this).
 */
export interface Chain {
  kind: 'task' | 'retryTimer' | 'longTimer';
  actionIndex: number;
  target?: 'activity' | 'subOrchestration';
  functionName?: string;
  input?: unknown;
  instanceId?: string;
  retry?: {
    firstRetryIntervalInMilliseconds: number;
    maxNumberOfAttempts: number;
    backoffCoefficient?: number;
    maxRetryIntervalInMilliseconds?: number;
  };
  attempt?: number;
  finalFireAt?: string;
}

export interface EngineState {
  /** The next id for TaskScheduled / TimerCreated / SubOrchestrationInstanceCreated. */
  nextEventId: number;
  /** For each action the orchestrator has emitted (flattened, in order): the event id it got, or null. */
  actionIds: (number | null)[];
  chains: Record<string, Chain>;
}

export interface InstanceMeta {
  instanceId: string;
  name: string;
  status: RuntimeStatus;
  executionId: string;
  createdTime: string;
  lastUpdatedTime: string;
  /** JSON text, as the client sent it (null when none). */
  input: string | null;
  /** JSON text of the output, or the failure message for Failed / reason for Terminated. */
  output: string | null;
  customStatus: string | null;
  history: HistoryEvent[];
  engine: EngineState;
  parent?: { instanceId: string; executionId: string; taskId: number };
}

export function freshEngineState(): EngineState {
  return { nextEventId: 0, actionIds: [], chains: {} };
}

/** A new execution of an orchestration, waiting for its ExecutionStarted. */
export function newInstanceMeta(args: {
  instanceId: string;
  name: string;
  executionId: string;
  input: string | null;
  now: Date;
  parent?: InstanceMeta['parent'];
}): InstanceMeta {
  const at = args.now.toISOString();
  return {
    instanceId: args.instanceId,
    name: args.name,
    status: 'Pending',
    executionId: args.executionId,
    createdTime: at,
    lastUpdatedTime: at,
    input: args.input,
    output: null,
    customStatus: null,
    history: [],
    engine: freshEngineState(),
    ...(args.parent ? { parent: args.parent } : {}),
  };
}

export function isTerminal(status: RuntimeStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}
