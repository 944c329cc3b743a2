import type { ReinstatementState } from './states';
import type { Words } from './words';

/**
 * The reinstatement's states as the partner's operations team reads them, on every page, in CSV
 * exports and in problem documents. The API keeps the identifiers (`state`), for tools.
 */
export const STATE_WORDS: Record<ReinstatementState, Words> = {
  Requested: {
    label: 'Starting',
    explanation: 'Recorded; the invitation to the customer is about to be mailed.',
  },
  InvitationSent: {
    label: 'Invitation sent',
    explanation: "Waiting for the customer's Global admin to accept the reseller invitation.",
  },
  Accepted: {
    label: 'Invitation accepted',
    explanation: 'The customer accepted; the instructions for the Owner grant are being prepared.',
  },
  AwaitingRoleAssignment: {
    label: 'Waiting for the Owner grant',
    explanation: "Instructions mailed; waiting for the customer to grant Owner to the partner's group.",
  },
  Reinstated: {
    label: 'Admin rights back',
    explanation: "Owner is granted to the partner's group on every requested scope, checked in Azure.",
  },
  Expired: {
    label: 'Expired',
    explanation: 'The customer did not act before the deadline; nothing more is sent.',
  },
  Cancelled: { label: 'Cancelled', explanation: 'Stopped by the partner; nothing more is sent.' },
  Failed: {
    label: 'Failed',
    explanation: 'A step kept failing; the reason says why. It can be retried from where it failed.',
  },
};

export const stateLabel = (state: ReinstatementState): string => STATE_WORDS[state].label;
