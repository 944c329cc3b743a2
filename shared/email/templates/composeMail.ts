import type { AppConfig } from '../../config/appConfig';
import { scopeCheckInWords } from '../../i18n/findings';
import { english, translator, type Translator } from '../../i18n/translator';
import { knownErrorsIn } from '../../instructions/knownErrors';
import { procedureScripts, type CustomerScripts } from '../../instructions/customerScripts';
import { PROCEDURES, procedureWords, scriptFileUrl } from '../../instructions/procedures';
import type { Language } from '../../model/languages';
import type { ScopeStatus } from '../../model/reinstatement';
import { fillTemplate, type MailTemplateKind, type MailValues } from './mailTemplate';
import { renderMessage, type Block, type EmailContent, type Sender } from './message';
import { mailTemplatesFor } from './templateSet';

/**
 * The facts one mail is written from, per kind. A customer's mail names the language its reader is
 * written to in (the partner's default language when absent); the partner's notice is in English.
 */
export type MailFacts =
  | {
      kind: 'invitation' | 'invitation-reminder';
      language?: Language;
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
      language?: Language;
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
      language?: Language;
      customerName: string;
      contactName: string;
      scopes: ScopeStatus[];
      scripts?: CustomerScripts;
    };

/** The known errors customers meet most with the generated commands, named in the instructions mail. */
const MAIL_KNOWN_ERRORS = [
  'cli-foreign-group',
  'authorization-failed',
  'deployment-not-allowed',
  'role-assignment-exists',
];

/**
 * The Azure PowerShell procedure as the mail shows it: every step of the page's first tab, with what
 * it does, so that a customer who reads only the mail runs the whole procedure, not a part of it.
 */
export function mailCommands(scripts: CustomerScripts): string {
  const t = translator(scripts.language);
  return procedureScripts(scripts, 'powershell')
    .steps.map(
      (step, i) => `# ${t.text('script.step', { number: i + 1, purpose: step.purpose })}\n${step.command}`,
    )
    .join('\n\n');
}

/**
 * Every procedure of the customer's page as a file to download from the customer's link: the mail
 * names each one plainly, so the Azure CLI forms are one click away.
 */
export function mailScriptLinks(
  instructionsLink: string,
  t: Translator = english(),
): { label: string; url: string }[] {
  const linkBase = instructionsLink.replace(/\/instructions$/, '');
  return PROCEDURES.map((procedure) => ({
    label: `${procedureWords(procedure, t).label} (${procedure.fileName})`,
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

function valuesFor(config: MailSettings, facts: MailFacts, t: Translator): MailValues {
  const partner = {
    partnerName: config.partner.displayName,
    partnerNamePossessive: t.possessive(config.partner.displayName),
    partnerSupportEmail: config.partner.supportEmail,
    partnerSupportPhone: config.partner.supportPhone ?? '',
    partnerWebsite: config.partner.website ?? '',
  };
  const customer = (customerName: string, contactName: string) => ({
    customerName,
    customerNamePossessive: t.possessive(customerName),
    contactName,
  });
  const removal = (scripts: CustomerScripts | undefined): Block | undefined =>
    scripts
      ? {
          kind: 'code',
          label: t.text('mail.block.removal'),
          text: scripts.removal.map((c) => c.command).join('\n'),
        }
      : undefined;
  switch (facts.kind) {
    case 'invitation':
    case 'invitation-reminder':
      return {
        values: {
          ...partner,
          ...customer(facts.customerName, facts.contactName),
          expiresOn: t.date(facts.expiresAt),
          reminderNumber: t.number(facts.reminderNumber),
        },
        flags: { delegatedAdmin: facts.delegatedAdmin },
        links: { acceptLink: facts.acceptLink, microsoftLink: facts.microsoftLink },
        blocks: {
          note: facts.note
            ? {
                kind: 'quote',
                heading: t.text('mail.block.note', { partnerName: config.partner.displayName }),
                text: facts.note,
              }
            : undefined,
        },
      };
    case 'instructions':
    case 'instructions-reminder': {
      const pending = facts.scopes.filter((s) => s.status !== 'Verified');
      const knownErrors = knownErrorsIn(t.language);
      return {
        values: {
          ...partner,
          ...customer(facts.customerName, facts.contactName),
          deadline: t.date(facts.deadline),
          groupName: config.partner.groupName,
          scopeCount: t.number(facts.scopes.length),
          scopesRequested: t.text('value.scopesRequested', { count: facts.scopes.length }),
          reminderNumber: t.number(facts.reminderNumber),
        },
        flags: {},
        links: {
          instructionsLink: facts.instructionsLink,
          errorsLink: `${facts.instructionsLink}#known-errors`,
        },
        blocks: {
          commands: { kind: 'code', label: t.text('mail.block.commands'), text: mailCommands(facts.scripts) },
          scriptLinks: {
            kind: 'links',
            label: t.text('mail.block.scriptLinks'),
            links: mailScriptLinks(facts.instructionsLink, t),
          },
          deployLinks: facts.deployLinks.length
            ? {
                kind: 'links',
                label: t.text('mail.block.deployLinks'),
                links: facts.deployLinks.map((d) => ({ label: d.scope, url: d.url })),
              }
            : undefined,
          missing: pending.length
            ? {
                kind: 'list',
                label: t.text('mail.block.missing'),
                items: pending.map(
                  (s) =>
                    `${s.scope}: ${s.lastCheck ? scopeCheckInWords(s.lastCheck, t) : t.text('mail.block.notCheckedYet')}`,
                ),
              }
            : undefined,
          knownErrors: {
            kind: 'code',
            label: t.text('mail.block.knownErrors'),
            text: MAIL_KNOWN_ERRORS.map((id) => knownErrors.find((e) => e.id === id))
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
        values: { ...partner, ...customer(facts.customerName, facts.contactName) },
        flags: {},
        links: {},
        blocks: {
          scopes: {
            kind: 'list',
            label: t.text('mail.block.confirmedOn'),
            items: facts.scopes.map((s) => s.scope),
          },
          removal: removal(facts.scripts),
        },
      };
  }
}

/**
 * The language a mail of `kind` to a reader of `language` is written in: theirs, unless the partner
 * wrote this mail only in the default language (then the whole mail is in that one). Compose what the
 * mail carries (the scripts' comments) in this language, so that a mail never mixes two.
 */
export function mailLanguage(config: MailSettings, kind: MailTemplateKind, language: Language): Language {
  return mailTemplatesFor(config).choose(kind, language).language;
}

/**
 * One mail, from its kind's template (the product's or the partner's, in the reader's language) and
 * its facts, in the layout every mail shares; customers' mails are answered at the partner's support
 * address.
 */
export function composeMail(config: MailSettings, facts: MailFacts): EmailContent & { replyTo?: string } {
  const kind: MailTemplateKind = facts.kind;
  const wanted = facts.language ?? config.partner.defaultLanguage;
  const { template, language } = mailTemplatesFor(config).choose(kind, wanted);
  const { subject, blocks } = fillTemplate(template, valuesFor(config, facts, translator(language)));
  return {
    ...renderMessage(subject, blocks, senderOf(config), 'customer', language),
    replyTo: config.partner.supportEmail,
  };
}
