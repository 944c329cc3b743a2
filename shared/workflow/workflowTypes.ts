import type { ReinstatementState } from '../model/states';

/** The schedule an orchestration runs on, fixed at start (orchestrators never read configuration). */
export interface WorkflowSchedule {
  invitationReminderDays: number[];
  invitationExpiryDays: number;
  roleAssignmentReminderDays: number[];
  roleAssignmentDeadlineDays: number;
}

export interface WorkflowInput {
  reinstatementId: string;
  schedule: WorkflowSchedule;
}

/** External events the orchestration listens for. */
export const Events = {
  /** The customer accepted the reseller relationship (webhook, partner call or reconciliation). */
  Accepted: 'Accepted',
  /** A scope was found granted (timer, on-demand check or the customer's "I've done it"). */
  ScopeVerified: 'ScopeVerified',
  Cancel: 'Cancel',
  /** The partner asked for the current step's mail again. */
  Resend: 'Resend',
} as const;

export interface AcceptedEvent {
  via: 'webhook' | 'partner' | 'reconciliation';
  /** De-duplication id: deliveries are at least once. */
  eventId: string;
}

/** What an activity reports when it cannot go on and retrying would not help. */
export type StepResult<T = undefined> =
  { ok: true; value: T } | { ok: false; permanent: true; reason: string };

export type FinalOutcome = Extract<ReinstatementState, 'Reinstated' | 'Expired' | 'Cancelled' | 'Failed'>;
