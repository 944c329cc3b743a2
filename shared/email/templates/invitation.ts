import { renderMessage, type Block, type EmailContent } from './message';

export interface InvitationDraftInput {
  /** The partner's name as its customers know it; absent: "your Microsoft partner". */
  partnerName?: string;
  customerName: string;
  contactName: string;
  /** Plain text from the partner; shown quoted, never interpreted. */
  note?: string;
  /** The Microsoft reseller relationship link (buildInvitationLink). */
  invitationLink: string;
  /** Our signed link that records the click and redirects to `invitationLink`, when available. */
  trackedLink?: string;
  delegatedAdmin: boolean;
  expiresAt: Date;
  /** 0 for the first mail, 1.. for reminders. */
  reminder?: number;
}

/**
 * The reseller relationship invitation, as Partner Center drafts it: text that may vary (the partner's
 * note) around a personalised link that must not. The Microsoft link is always present verbatim, even
 * when a tracked link is offered first.
 */
export function composeInvitation(input: InvitationDraftInput): EmailContent {
  const expires = input.expiresAt.toISOString().slice(0, 10);
  const partner = input.partnerName ?? 'your Microsoft partner';
  const Partner = partner.charAt(0).toUpperCase() + partner.slice(1);
  const blocks: Block[] = [
    { kind: 'paragraph', text: `Hello ${input.contactName},` },
    {
      kind: 'paragraph',
      text:
        `${Partner} asks ${input.customerName} to accept a reseller relationship in the Microsoft 365 admin ` +
        'center. This lets them manage your Azure CSP subscriptions for you again. Only a Global administrator ' +
        'of your tenant can accept it.',
    },
  ];
  if (input.delegatedAdmin) {
    blocks.push({
      kind: 'paragraph',
      text:
        'The invitation asks for delegated administration (DAP). Since October 2023 Microsoft no longer grants ' +
        'DAP this way; accepting creates the reseller relationship only.',
    });
  }
  if (input.note) blocks.push({ kind: 'quote', heading: `A note from ${partner}:`, text: input.note });
  if (input.trackedLink)
    blocks.push({ kind: 'link', label: 'Accept the invitation:', url: input.trackedLink });
  blocks.push({
    kind: 'link',
    label: input.trackedLink ? 'Or open this Microsoft link directly:' : 'Accept the invitation:',
    url: input.invitationLink,
  });
  blocks.push({ kind: 'paragraph', text: `This invitation expires on ${expires}.` });
  const subject = `${input.reminder ? 'Reminder: ' : ''}${Partner} invites ${input.customerName} to a reseller relationship`;
  return renderMessage(subject, blocks);
}
