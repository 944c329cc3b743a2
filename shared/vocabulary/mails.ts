import { isMailKind, type ReinstatementMailKind } from '../workflow/reinstatementMails';
import type { MailState } from '../email/outbox';
import { wordsOfIdentifier } from '../text/words';
import type { Words } from '../model/words';

/**
 * A mail's fate. "Handed over" rather than "accepted": the reinstatement's own state "Invitation
 * accepted" is the customer's act, this is the mail service's.
 */
export const MAIL_STATE_WORDS: Record<MailState, Words> = {
  queued: { label: 'Waiting to be sent', explanation: 'In the queue, paced to the mail quota.' },
  sending: { label: 'Sending', explanation: 'Handed to the mail service; waiting for its answer.' },
  accepted: {
    label: 'Handed over',
    explanation: 'The mail service took it for delivery (delivery itself is not reported back).',
  },
  failed: {
    label: 'Not sent',
    explanation: 'The mail service refused it or kept failing; the reason says why.',
  },
  withdrawn: {
    label: 'Withdrawn',
    explanation: 'No longer needed (the request moved on or ended) before it went.',
  },
};

/** The mails a reinstatement sends, by kind; a later one of the same kind is a reminder. */
const MAIL_KIND_LABELS: Record<ReinstatementMailKind, string> = {
  invitation: 'Invitation',
  'invitation-resend': 'Invitation, sent again',
  instructions: 'Instructions',
  'instructions-resend': 'Instructions, sent again',
  thanks: 'Thanks',
};

export function mailLabel(kind: string, sequence: number): string {
  const label = isMailKind(kind) ? MAIL_KIND_LABELS[kind] : wordsOfIdentifier(kind);
  const remindable = kind === 'invitation' || kind === 'instructions';
  return remindable && sequence > 0 ? `${label}: reminder ${sequence}` : label;
}
