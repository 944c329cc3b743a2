import type { AppConfig } from '../../config/appConfig';
import { KNOWN_ERRORS } from '../../instructions/knownErrors';
import { procedureScripts, type CustomerScripts } from '../../instructions/customerScripts';
import { PROCEDURES, scriptFileUrl } from '../../instructions/procedures';
import type { ScopeStatus } from '../../model/reinstatement';
import { countOf, possessive } from '../../text/words';
import { fillTemplate, type MailTemplateKind, type MailValues } from './mailTemplate';
import { renderMessage, type Block, type EmailContent, type Sender } from './message';

/** The facts one mail is written from, per kind. */
export type MailFacts =
  | {
      kind: 'invitation' | 'invitation-reminder';
      customerName: string;
      contactName: string;
      note?: string;
      /** Our signed link that records the click and opens Microsoft's. */
      acceptLink: string;
      /** Microsoft's reseller-relationship link with the partner's ids. */
      microsoftLink: string;
      delegatedAdmin: boolean;
      expiresAt: Date;
      reminderNumber: number;
    }
  | {
      kind: 'instructions' | 'instructions-reminder';
      customerName: string;
      contactName: string;
      instructionsLink: string;
      /** The one-click grant per subscription or resource group scope (the Azure portal's deployment). */
      deployLinks: { scope: string; url: string }[];
      scripts: CustomerScripts;
      scopes: ScopeStatus[];
      deadline: Date;
      reminderNumber: number;
    }
  | {
      kind: 'thanks';
      customerName: string;
      contactName: string;
      scopes: ScopeStatus[];
      scripts?: CustomerScripts;
    }
  | {
      kind: 'partner-notice';
      reinstatementId: string;
      customerName: string;
      customerTenantId: string;
      state: string;
      stateReason?: string;
      scopes: ScopeStatus[];
    };

/** The known errors customers meet most with the generated commands, named in the instructions mail. */
const MAIL_KNOWN_ERRORS = [
  'cli-foreign-group',
  'authorization-failed',
  'deployment-not-allowed',
  'role-assignment-exists',
];

const day = (d: Date) => d.toISOString().slice(0, 10);

/** How a reinstatement ended, as a subject's first words: never the state's identifier. */
const OUTCOME_TITLES: Record<string, string> = {
  Reinstated: 'Admin rights restored',
  Expired: 'Request expired',
  Cancelled: 'Request cancelled',
  Failed: 'Request failed',
};

/**
 * The Azure PowerShell procedure as the mail shows it: every step of the page's first tab, with what
 * it does, so that a customer who reads only the mail runs the whole procedure, not a part of it.
 */
export function mailCommands(scripts: CustomerScripts): string {
  return procedureScripts(scripts, 'powershell')
    .steps.map((step, i) => `# Step ${i + 1}: ${step.purpose}\n${step.command}`)
    .join('\n\n');
}

/**
 * Every procedure of the customer's page as a file to download from the customer's link: the mail
 * names each one plainly, so the Azure CLI forms are one click away.
 */
export function mailScriptLinks(instructionsLink: string): { label: string; url: string }[] {
  const linkBase = instructionsLink.replace(/\/instructions$/, '');
  return PROCEDURES.map((procedure) => ({
    label: `${procedure.label} (${procedure.fileName})`,
    url: scriptFileUrl(linkBase, procedure),
  }));
}

/** The settings a mail is written from: who the partner is, and its templates. */
export type MailSettings = Pick<AppConfig, 'partner' | 'email'>;

export function senderOf(config: Pick<AppConfig, 'partner'>): Sender {
  const { displayName, supportEmail, supportPhone, website } = config.partner;
  return {
    partnerName: displayName,
    supportEmail,
    ...(supportPhone ? { supportPhone } : {}),
    ...(website ? { website } : {}),
  };
}

function valuesFor(config: MailSettings, facts: MailFacts): MailValues {
  const partner = {
    partnerName: config.partner.displayName,
    partnerNamePossessive: possessive(config.partner.displayName),
    partnerSupportEmail: config.partner.supportEmail,
    partnerSupportPhone: config.partner.supportPhone ?? '',
    partnerWebsite: config.partner.website ?? '',
  };
  const removal = (scripts: CustomerScripts | undefined): Block | undefined =>
    scripts
      ? { kind: 'code', label: 'In PowerShell:', text: scripts.removal.map((c) => c.command).join('\n') }
      : undefined;
  switch (facts.kind) {
    case 'invitation':
    case 'invitation-reminder':
      return {
        values: {
          ...partner,
          customerName: facts.customerName,
          customerNamePossessive: possessive(facts.customerName),
          contactName: facts.contactName,
          expiresOn: day(facts.expiresAt),
          reminderNumber: String(facts.reminderNumber),
        },
        flags: { delegatedAdmin: facts.delegatedAdmin },
        links: { acceptLink: facts.acceptLink, microsoftLink: facts.microsoftLink },
        blocks: {
          note: facts.note
            ? { kind: 'quote', heading: `A note from ${config.partner.displayName}:`, text: facts.note }
            : undefined,
        },
      };
    case 'instructions':
    case 'instructions-reminder': {
      const pending = facts.scopes.filter((s) => s.status !== 'Verified');
      return {
        values: {
          ...partner,
          customerName: facts.customerName,
          customerNamePossessive: possessive(facts.customerName),
          contactName: facts.contactName,
          deadline: day(facts.deadline),
          groupName: config.partner.groupName,
          scopeCount: String(facts.scopes.length),
          scopesRequested:
            facts.scopes.length === 1
              ? 'the requested scope'
              : `the ${countOf(facts.scopes.length, 'requested scope')}`,
          reminderNumber: String(facts.reminderNumber),
        },
        flags: {},
        links: {
          instructionsLink: facts.instructionsLink,
          errorsLink: `${facts.instructionsLink}#known-errors`,
        },
        blocks: {
          commands: {
            kind: 'code',
            label: 'Every step in Azure PowerShell, as on your page:',
            text: mailCommands(facts.scripts),
          },
          scriptLinks: {
            kind: 'links',
            label:
              'The same steps as a file to download, and for the Azure CLI in Bash, PowerShell or Command Prompt:',
            links: mailScriptLinks(facts.instructionsLink),
          },
          deployLinks: facts.deployLinks.length
            ? {
                kind: 'links',
                label:
                  'An Owner of the subscription can also grant it without commands, in the Azure portal ("Deploy to Azure"; a User Access Administrator cannot, and uses the commands):',
                links: facts.deployLinks.map((d) => ({ label: d.scope, url: d.url })),
              }
            : undefined,
          missing: pending.length
            ? {
                kind: 'list',
                label: 'Still missing:',
                items: pending.map((s) => `${s.scope}: ${s.lastCheck?.explanation ?? 'not checked yet'}`),
              }
            : undefined,
          knownErrors: {
            kind: 'code',
            label: 'If a command fails, the most common errors and what to do:',
            text: MAIL_KNOWN_ERRORS.map((id) => KNOWN_ERRORS.find((e) => e.id === id))
              .filter((e) => e !== undefined)
              .map((e) => `${e.message}\n  -> ${e.fix}`)
              .join('\n\n'),
          },
          removal: removal(facts.scripts),
        },
      };
    }
    case 'thanks':
      return {
        values: {
          ...partner,
          customerName: facts.customerName,
          customerNamePossessive: possessive(facts.customerName),
          contactName: facts.contactName,
        },
        flags: {},
        links: {},
        blocks: {
          scopes: { kind: 'list', label: 'Confirmed on:', items: facts.scopes.map((s) => s.scope) },
          removal: removal(facts.scripts),
        },
      };
    case 'partner-notice': {
      const verified = facts.scopes.filter((s) => s.status === 'Verified').length;
      return {
        values: {
          ...partner,
          customerName: facts.customerName,
          customerNamePossessive: possessive(facts.customerName),
          contactName: '',
          reinstatementId: facts.reinstatementId,
          customerTenantId: facts.customerTenantId,
          state: facts.state,
          outcome: facts.state.toLowerCase(),
          outcomeTitle: OUTCOME_TITLES[facts.state] ?? `Ended: ${facts.state}`,
          stateReason: facts.stateReason ?? '',
          verifiedCount: String(verified),
          scopeCount: String(facts.scopes.length),
        },
        flags: { hasReason: Boolean(facts.stateReason) },
        links: {},
        blocks: {
          scopes: {
            kind: 'list',
            label: `Scopes (${verified} of ${facts.scopes.length} verified):`,
            items: facts.scopes.map(
              (s) => `${s.status === 'Verified' ? 'verified' : 'not granted'}: ${s.scope}`,
            ),
          },
        },
      };
    }
  }
}

/**
 * One mail, from its kind's template (the product's or the partner's) and its facts, in the layout
 * every mail shares; customers' mails are answered at the partner's support address.
 */
export function composeMail(config: MailSettings, facts: MailFacts): EmailContent & { replyTo?: string } {
  const kind: MailTemplateKind = facts.kind;
  const { subject, blocks } = fillTemplate(config.email.templates[kind], valuesFor(config, facts));
  const audience = facts.kind === 'partner-notice' ? 'partner' : 'customer';
  return {
    ...renderMessage(subject, blocks, senderOf(config), audience),
    ...(audience === 'customer' ? { replyTo: config.partner.supportEmail } : {}),
  };
}
