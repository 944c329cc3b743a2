import type { Reinstatement } from '../../model/reinstatement';
import type { CustomerScripts } from '../../instructions/customerScripts';
import { KNOWN_ERRORS } from '../../instructions/knownErrors';
import { renderMessage, type Block, type EmailContent } from './message';

/** The known errors customers meet most with the generated commands, named in the mail itself. */
const MAIL_KNOWN_ERRORS = ['cli-foreign-group', 'authorization-failed', 'role-assignment-exists'];

/** The customer's instructions: a link to their page, and the key commands in the mail itself. */
export function composeInstructions(input: {
  customerName: string;
  contactName: string;
  pageLink: string;
  scripts: CustomerScripts;
  reminder?: number;
}): EmailContent {
  const assignments = input.scripts.powershell.filter((c) => c.command.startsWith('New-AzRoleAssignment'));
  const blocks: Block[] = [
    { kind: 'paragraph', text: `Hello ${input.contactName},` },
    {
      kind: 'paragraph',
      text:
        `Thank you for accepting the reseller relationship. One step remains for ${input.customerName}: an Owner or ` +
        "User Access Administrator of your Azure subscription grants the Owner role to your partner's admin group. " +
        'Your page has every command, for PowerShell and the Azure CLI, with troubleshooting steps.',
    },
    { kind: 'link', label: 'Open your instructions:', url: input.pageLink },
    {
      kind: 'code',
      label: 'The key commands (PowerShell):',
      text: [input.scripts.powershell[1]?.command ?? '', ...assignments.map((c) => c.command)].join('\n'),
    },
    {
      kind: 'paragraph',
      text: 'When you have run them, press "I\'ve done it" on your page and we will check at once.',
    },
    {
      kind: 'code',
      label: 'If a command fails, the most common errors and what to do:',
      text: MAIL_KNOWN_ERRORS.map((id) => KNOWN_ERRORS.find((e) => e.id === id))
        .filter((e) => e !== undefined)
        .map((e) => `${e.message}\n  -> ${e.fix}`)
        .join('\n\n'),
    },
    {
      kind: 'link',
      label: 'Any other error: paste its message under "If you see this error" on your page:',
      url: `${input.pageLink}#known-errors`,
    },
  ];
  return renderMessage(
    `${input.reminder ? 'Reminder: ' : ''}One last step to restore your partner's access`,
    blocks,
  );
}

export function composeThanks(r: Reinstatement): EmailContent {
  return renderMessage('Thank you: your partner can manage your Azure subscriptions again', [
    { kind: 'paragraph', text: `Hello ${r.contact.name},` },
    {
      kind: 'paragraph',
      text: `We confirmed the Owner role for your partner on every requested scope of ${r.customerName}. Nothing else is needed.`,
    },
  ]);
}

/** The partner's operations team hears how each reinstatement ended. */
export function composePartnerNotice(r: Reinstatement): EmailContent {
  const verified = r.scopes.filter((s) => s.status === 'Verified').length;
  const lines = r.scopes
    .map((s) => `${s.status === 'Verified' ? 'verified' : 'not granted'}: ${s.scope}`)
    .join('\n');
  return renderMessage(`Reinstatement ${r.state.toLowerCase()}: ${r.customerName}`, [
    {
      kind: 'paragraph',
      text: `Reinstatement ${r.id} for ${r.customerName} (${r.customerTenantId}) ended as ${r.state}.`,
    },
    ...(r.stateReason ? [{ kind: 'paragraph' as const, text: `Reason: ${r.stateReason}` }] : []),
    { kind: 'code', label: `Scopes (${verified} of ${r.scopes.length} verified):`, text: lines },
  ]);
}
