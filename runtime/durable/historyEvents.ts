/**
 * Durable Task history events in the shape durable-functions' replay reads them (PascalCase fields,
 * JSON strings for inputs and results). EventType values are DurableTask.Core's HistoryEventType.
 */
export const EventType = {
  ExecutionStarted: 0,
  ExecutionCompleted: 1,
  ExecutionFailed: 2,
  ExecutionTerminated: 3,
  TaskScheduled: 4,
  TaskCompleted: 5,
  TaskFailed: 6,
  SubOrchestrationInstanceCreated: 7,
  SubOrchestrationInstanceCompleted: 8,
  SubOrchestrationInstanceFailed: 9,
  TimerCreated: 10,
  TimerFired: 11,
  OrchestratorStarted: 12,
  OrchestratorCompleted: 13,
  EventSent: 14,
  EventRaised: 15,
  ContinueAsNew: 16,
} as const;

export type EventTypeName = keyof typeof EventType;

export interface HistoryEvent {
  EventType: number;
  EventId: number;
  IsPlayed: boolean;
  Timestamp: string;
  Name?: string;
  Input?: string;
  Result?: string;
  Reason?: string;
  Details?: string;
  FailureDetails?: { ErrorType: string; ErrorMessage: string; StackTrace?: string };
  TaskScheduledId?: number;
  TimerId?: number;
  FireAt?: string;
  InstanceId?: string;
}

export function eventTypeName(type: number): string {
  return (
    (Object.entries(EventType).find(([, v]) => v === type)?.[0] as string | undefined) ?? `Unknown${type}`
  );
}

/** An event arriving from outside an episode: its ids are set by whoever produced it. */
export type IncomingEvent = Omit<HistoryEvent, 'IsPlayed' | 'EventId' | 'Timestamp'> & { EventId?: number };

export function historyEvent(event: IncomingEvent, at: Date): HistoryEvent {
  return { EventId: -1, ...event, IsPlayed: false, Timestamp: at.toISOString() };
}

/** Turns an error thrown by an activity into the failure fields the replay reads. */
export function failureFields(error: unknown): Pick<HistoryEvent, 'Reason' | 'Details' | 'FailureDetails'> {
  const e = error instanceof Error ? error : new Error(String(error));
  return {
    Reason: e.message,
    Details: e.stack ?? e.message,
    FailureDetails: {
      ErrorType: e.name || 'Error',
      ErrorMessage: e.message,
      ...(e.stack ? { StackTrace: e.stack } : {}),
    },
  };
}
