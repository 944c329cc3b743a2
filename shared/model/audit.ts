import type { ReinstatementState } from './states';

/**
 * Who caused an event: the workflow itself, a partner operator, the customer's link, Partner Center,
 * the verification timer, or the watchdog that repairs reinstatements whose orchestration stopped.
 */
export const AuditActors = [
  'system',
  'partner',
  'customer-link',
  'webhook',
  'reconciliation',
  'timer',
  'watchdog',
] as const;
export type AuditActor = (typeof AuditActors)[number];

export interface AuditEntryInput {
  /** A short, stable event name, e.g. `invitation-sent`, `link-clicked`, `scope-verified`. */
  what: string;
  actor: AuditActor;
  /** Small, non-secret facts about the event (ids, counts, outcomes). Never tokens or keys. */
  details?: Record<string, unknown>;
}

export interface AuditEntry extends AuditEntryInput {
  reinstatementId: string;
  /** 1, 2, 3, ... in the order the events were recorded. */
  sequence: number;
  at: string;
  fromState?: ReinstatementState;
  toState?: ReinstatementState;
}
