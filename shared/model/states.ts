import { isOneOf } from '../../lib/isOneOf';

/**
 * The life of one reinstatement. The orchestration drives it forward; operators may cancel it; any
 * step may fail with a reason. The four last states are final: nothing leaves them.
 */
export const ReinstatementStates = [
  'Requested',
  'InvitationSent',
  'Accepted',
  'AwaitingRoleAssignment',
  'Reinstated',
  'Expired',
  'Cancelled',
  'Failed',
] as const;

export type ReinstatementState = (typeof ReinstatementStates)[number];

export const FinalStates = [
  'Reinstated',
  'Expired',
  'Cancelled',
  'Failed',
] as const satisfies readonly ReinstatementState[];
export type FinalState = (typeof FinalStates)[number];

/**
 * Allowed moves. Expiry applies to both waits (no acceptance by the invitation deadline, no role
 * assignment by the instructions deadline). Reminders do not change state, so no state leads to
 * itself.
 */
const TRANSITIONS: Record<ReinstatementState, readonly ReinstatementState[]> = {
  Requested: ['InvitationSent', 'Cancelled', 'Failed'],
  InvitationSent: ['Accepted', 'Expired', 'Cancelled', 'Failed'],
  // Reinstated at once when the customer had already granted Owner before being asked to.
  Accepted: ['AwaitingRoleAssignment', 'Reinstated', 'Cancelled', 'Failed'],
  AwaitingRoleAssignment: ['Reinstated', 'Expired', 'Cancelled', 'Failed'],
  Reinstated: [],
  Expired: [],
  Cancelled: [],
  Failed: [],
};

export function isReinstatementState(value: unknown): value is ReinstatementState {
  return isOneOf(value, ReinstatementStates);
}

export function isFinalState(state: ReinstatementState): state is FinalState {
  return isOneOf(state, FinalStates);
}

export function canTransition(from: ReinstatementState, to: ReinstatementState): boolean {
  return TRANSITIONS[from].includes(to);
}

export function allowedTransitions(from: ReinstatementState): readonly ReinstatementState[] {
  return TRANSITIONS[from];
}

/** A move the state machine does not allow; carries both ends so callers can explain it. */
export class InvalidTransitionError extends Error {
  constructor(
    readonly from: ReinstatementState,
    readonly to: ReinstatementState,
  ) {
    super(
      `A reinstatement in state ${from} cannot move to ${to}` +
        (TRANSITIONS[from].length ? ` (allowed: ${TRANSITIONS[from].join(', ')})` : ' (it is final)'),
    );
    this.name = 'InvalidTransitionError';
  }
}

/**
 * Failed is final, except that an operator may retry it: the reinstatement goes back to the state
 * it failed in and goes on from there. No other final state is ever left.
 */
export const RESUMABLE_STATES = [
  'Requested',
  'InvitationSent',
  'Accepted',
  'AwaitingRoleAssignment',
] as const satisfies readonly ReinstatementState[];

/**
 * The one check of every move of a reinstatement's state: forward along the table, or (`reopen`) an
 * operator's retry from Failed back into the state it failed in. Refuses with InvalidTransitionError.
 */
export function assertMove(
  from: ReinstatementState,
  to: ReinstatementState,
  kind: 'forward' | 'reopen',
): void {
  const allowed =
    kind === 'forward' ? canTransition(from, to) : from === 'Failed' && isOneOf(to, RESUMABLE_STATES);
  if (!allowed) throw new InvalidTransitionError(from, to);
}
