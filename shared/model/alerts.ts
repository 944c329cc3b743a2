import { isOneOf } from '../../lib/isOneOf';
import type { Words } from './words';

/**
 * What the partner's team is told of (docs/ALERTS.md). Each alert is one happening, recorded once
 * under an id derived from what happened, so the same happening seen twice is still one alert.
 */
export const ALERT_KINDS = [
  'access-lost',
  'access-regained',
  'reinstatement-failed',
  'reinstatement-expired',
  'reinstated',
  'identity-needs-attention',
  'mail-backlog-stalled',
] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];
export const isAlertKind = (value: unknown): value is AlertKind => isOneOf(value, ALERT_KINDS);

export interface Alert {
  id: string;
  kind: AlertKind;
  /** When it happened (or was seen). */
  at: string;
  /** One sentence a person reads: who, what, where. */
  summary: string;
  customerName?: string;
  customerTenantId?: string;
  subscriptionId?: string;
  reinstatementId?: string;
}

export interface AlertKindWords extends Words {
  /** Someone has something to do (the digest lists these first and counts them in its subject). */
  needsAction: boolean;
  /** Sent at once to every channel rather than in the next digest. */
  urgent: boolean;
}

/** Each kind as the partner's team reads it, in the digest, the Teams card and the console. */
export const ALERT_WORDS: Record<AlertKind, AlertKindWords> = {
  'access-lost': {
    label: 'Admin rights lost',
    explanation:
      "The watch found that the partner's group no longer holds Owner on the Azure subscription; start a reinstatement from the link.",
    needsAction: true,
    urgent: false,
  },
  'reinstatement-failed': {
    label: 'Reinstatement failed',
    explanation: 'A step kept failing; the reason says why. Retry it from the console.',
    needsAction: true,
    urgent: false,
  },
  'reinstatement-expired': {
    label: 'Reinstatement expired',
    explanation: 'The customer did not act before the deadline; call them, then start again.',
    needsAction: true,
    urgent: false,
  },
  'identity-needs-attention': {
    label: 'Verification sign-in needs a person',
    explanation:
      "The partner user's sign-in that checks customers' Azure role assignments lapsed or will soon; sign in again from the link.",
    needsAction: true,
    urgent: true,
  },
  'mail-backlog-stalled': {
    label: 'Mail not moving',
    explanation:
      'Mails are waiting and none went out in the last hour; check Azure Communication Services and the operations guide.',
    needsAction: true,
    urgent: false,
  },
  'access-regained': {
    label: 'Admin rights regained',
    explanation: "The watch found Owner for the partner's group again on the Azure subscription.",
    needsAction: false,
    urgent: false,
  },
  reinstated: {
    label: 'Admin rights back',
    explanation: 'A reinstatement ended with Owner checked in Azure on every requested scope.',
    needsAction: false,
    urgent: false,
  },
};
