import { messageArguments } from '../../i18n/messageArguments';
import { CATALOGUES, translator, type MessageKey } from '../../i18n/translator';
import type { Language } from '../../model/languages';
import type { MailTemplateKind } from './mailTemplate';

/**
 * The product's own wording of each mail, in the same template form a partner may replace (see
 * docs/MAILS.md). Each says what is asked and why, what the grant gives the partner, and how to check
 * the request is genuine; the footer every customer mail carries adds whom to ask.
 *
 * A customer's mail is laid out here, paragraph by paragraph, and worded by the message catalogues
 * (`mail.<kind>.*`) in the customer's language: each message's `{argument}` becomes the template's
 * `{{value}}`, so that the product's text in any language is a template a partner can copy and change.
 * (The partner's own team hears through the alerts' digest, docs/ALERTS.md, not through these.)
 */
export type CustomerMailKind = MailTemplateKind;

type Paragraph =
  /** A paragraph of words; with `flag`, kept only when the flag is set. */
  | { words: MessageKey; flag?: string }
  /** `[label]({{link}})`: a button. */
  | { button: string; label: MessageKey }
  /** `{{block}}` alone on its paragraph. */
  | { block: string };

interface Layout {
  subject: MessageKey;
  paragraphs: Paragraph[];
}

const greeting: Paragraph = { words: 'mail.greeting' };

const LAYOUTS: Record<CustomerMailKind, Layout> = {
  invitation: {
    subject: 'mail.invitation.subject',
    paragraphs: [
      greeting,
      { words: 'mail.invitation.intro' },
      { words: 'mail.invitation.delegatedAdmin', flag: 'delegatedAdmin' },
      { block: 'note' },
      { button: 'acceptLink', label: 'mail.invitation.acceptButton' },
      { words: 'mail.invitation.microsoftLinkIntro' },
      { button: 'microsoftLink', label: 'mail.invitation.microsoftButton' },
      { words: 'mail.invitation.expiry' },
    ],
  },
  'invitation-reminder': {
    subject: 'mail.invitationReminder.subject',
    paragraphs: [
      greeting,
      { words: 'mail.invitationReminder.intro' },
      { block: 'note' },
      { button: 'acceptLink', label: 'mail.invitation.acceptButton' },
      { button: 'microsoftLink', label: 'mail.invitation.microsoftButton' },
      { words: 'mail.invitationReminder.expiry' },
    ],
  },
  instructions: {
    subject: 'mail.instructions.subject',
    paragraphs: [
      greeting,
      { words: 'mail.instructions.intro' },
      { button: 'instructionsLink', label: 'mail.instructions.openButton' },
      { words: 'mail.instructions.pageHas' },
      { block: 'commands' },
      { block: 'scriptLinks' },
      { block: 'deployLinks' },
      { block: 'knownErrors' },
      { button: 'errorsLink', label: 'mail.instructions.errorsButton' },
      { words: 'mail.instructions.removalIntro' },
      { block: 'removal' },
      { words: 'mail.instructions.deadline' },
    ],
  },
  'instructions-reminder': {
    subject: 'mail.instructionsReminder.subject',
    paragraphs: [
      greeting,
      { words: 'mail.instructionsReminder.intro' },
      { block: 'missing' },
      { button: 'instructionsLink', label: 'mail.instructions.openButton' },
      { words: 'mail.instructionsReminder.pageHas' },
    ],
  },
  thanks: {
    subject: 'mail.thanks.subject',
    paragraphs: [
      greeting,
      { words: 'mail.thanks.confirmed' },
      { block: 'scopes' },
      { words: 'mail.thanks.removalIntro' },
      { block: 'removal' },
    ],
  },
};

/** The catalogue keys the mails' layouts use: each must hold plain `{arguments}` only. */
export const MAIL_LAYOUT_KEYS: readonly MessageKey[] = Object.values(LAYOUTS).flatMap((layout) => [
  layout.subject,
  ...layout.paragraphs.flatMap((p) => ('words' in p ? [p.words] : 'label' in p ? [p.label] : [])),
]);

/** A message with each of its arguments written as the template's `{{value}}`. */
function asTemplateText(key: MessageKey, language: Language): string {
  const source = CATALOGUES[language][key] ?? CATALOGUES.en[key] ?? '';
  const placeholders: Record<string, string> = {};
  for (const argument of messageArguments(source)) {
    if (argument.kind !== 'argument')
      throw new Error(`${language} ${key}: a mail's words take plain {arguments} only, not ${argument.kind}`);
    placeholders[argument.name] = `{{${argument.name}}}`;
  }
  return translator(language).text(key, placeholders);
}

/** The product's template of a mail kind in a language, as the text a partner would write. */
export function productTemplate(kind: MailTemplateKind, language: Language): string {
  const layout = LAYOUTS[kind];
  const paragraphs = layout.paragraphs.map((p) => {
    if ('block' in p) return `{{${p.block}}}`;
    if ('button' in p) return `[${asTemplateText(p.label, language)}]({{${p.button}}})`;
    const words = asTemplateText(p.words, language);
    return p.flag ? `{{#${p.flag}}}${words}{{/${p.flag}}}` : words;
  });
  return [`Subject: ${asTemplateText(layout.subject, language)}`, ...paragraphs].join('\n\n');
}
