import type { AuditActor } from '../model/audit';
import { wordsOfIdentifier } from '../text/words';

/**
 * The timeline's events (the audit trail's `what`) as sentences. An event not named here still reads
 * as words ("scope-checked" → "Scope checked"), so a new event never shows an identifier.
 */
const EVENT_LABELS: Record<string, string> = {
  requested: 'Reinstatement requested',
  'invitation-sent': 'Invitation mailed to the customer',
  'invitation-reminder-sent': 'Invitation reminder mailed',
  'invitation-resent': 'Invitation mailed again',
  'link-clicked': 'The customer opened the invitation link',
  'webhook-received': 'Partner Center reported the acceptance',
  'acceptance-confirmed': 'Acceptance confirmed by the partner',
  accepted: 'The customer accepted the invitation',
  'partner-group-found': "Partner's group found in Microsoft Entra ID",
  'instructions-sent': 'Instructions mailed to the customer',
  'instructions-reminder-sent': 'Instructions reminder mailed',
  'instructions-resent': 'Instructions mailed again',
  'verify-requested': 'Check of the Owner grant asked for',
  'scope-checked': 'Owner grant checked',
  'scope-verified': 'Owner grant found',
  'thanks-sent': 'Thanks mailed to the customer',
  'partner-notified': 'Partner notified',
  'mail-not-sent': 'A mail could not be sent',
  'step-retrying': 'A step is being retried',
  'step-recovered': 'The step went through after retries',
  'resend-requested': 'Resend asked for',
  'cancel-requested': 'Cancellation asked for',
  cancelled: 'Cancelled',
  expired: 'Expired',
  failed: 'Failed',
  reinstated: 'Admin rights back',
  retried: 'Retried by the partner',
  resumed: 'Resumed after a restart',
};

export const eventLabel = (what: string): string =>
  Object.hasOwn(EVENT_LABELS, what) ? (EVENT_LABELS[what] ?? what) : wordsOfIdentifier(what);

/** Who caused an event, for the timeline ("by the customer's link"). */
export const ACTOR_LABELS: Record<AuditActor, string> = {
  system: 'the workflow',
  partner: 'the partner',
  'customer-link': "the customer's link",
  webhook: 'Partner Center',
  reconciliation: 'the acceptance check',
  timer: 'the scheduled check',
  watchdog: 'the watchdog',
};
