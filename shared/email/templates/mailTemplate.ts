import Mustache from 'mustache';
import type { Block } from './message';
import { errorMessage } from '../../../lib/errors';

/**
 * The mails whose words the partner owns. Each is a plain-text template (Mustache placeholders):
 *
 *   Subject: {{partnerName}} invites {{customerName}} to a reseller relationship
 *
 *   Hello {{contactName}},
 *
 *   [Accept the invitation]({{acceptLink}})
 *
 *   {{note}}
 *
 * The first line is the subject; paragraphs are separated by blank lines. `[label]({{link}})` on a
 * paragraph of its own is a button (with the address as readable text under it); a block value alone
 * on its paragraph (a quote, commands, a list) is rendered as that block, or left out when empty;
 * `{{#flag}}...{{/flag}}` keeps text only when the flag is set. The template is text, never HTML:
 * every value and every word is escaped in the HTML part, so nothing in a value can be interpreted.
 */
export const MAIL_TEMPLATE_KINDS = [
  'invitation',
  'invitation-reminder',
  'instructions',
  'instructions-reminder',
  'thanks',
] as const;
export type MailTemplateKind = (typeof MAIL_TEMPLATE_KINDS)[number];

/** What a template of one kind may use, and what it must. */
export interface TemplateSpec {
  /** Text values, with what each holds. */
  values: Record<string, string>;
  /** Flags for `{{#flag}}` sections. */
  flags: Record<string, string>;
  /** Links, usable only as `[label]({{link}})`. */
  links: Record<string, string>;
  /** Blocks, usable only alone on their paragraph. */
  blocks: Record<string, string>;
  /** Names the template must use: the links the mail exists for. */
  required: readonly string[];
}

const PARTNER_VALUES = {
  partnerName: "The partner's name (PARTNER_NAME)",
  partnerNamePossessive: "The partner's name with its possessive: Fabrikam's, Northwind Traders'",
  partnerSupportEmail: "The partner's support address (PARTNER_SUPPORT_EMAIL); mails are answered there",
  partnerSupportPhone: "The partner's phone (PARTNER_SUPPORT_PHONE), or empty",
  partnerWebsite: "The partner's website (PARTNER_WEBSITE), or empty",
  customerName: "The customer's name as the partner gave it",
  customerNamePossessive: "The customer's name with its possessive: Contoso's, Northwind Traders'",
  contactName: "The customer's administrator's name",
};

const INVITATION: TemplateSpec = {
  values: {
    ...PARTNER_VALUES,
    expiresOn: 'The day the invitation expires (YYYY-MM-DD)',
    reminderNumber: '1, 2, ... in reminders; 0 in the first mail',
  },
  flags: { delegatedAdmin: 'The invitation asks for delegated administration (DAP)' },
  links: {
    acceptLink: 'The personal link: records the click and opens the Microsoft admin center',
    microsoftLink: "Microsoft's own reseller-relationship link (admin.microsoft.com), with the partner's ids",
  },
  blocks: { note: "The partner's note for this customer, quoted" },
  required: ['acceptLink', 'microsoftLink'],
};

const INSTRUCTIONS: TemplateSpec = {
  values: {
    ...PARTNER_VALUES,
    deadline: 'The day the request expires (YYYY-MM-DD)',
    groupName: "The partner's group that is granted Owner (AdminAgents)",
    scopeCount: 'How many scopes are asked for',
    scopesRequested: "'the requested scope', or 'the 3 requested scopes'",
    reminderNumber: '1, 2, ... in reminders; 0 in the first mail',
  },
  flags: {},
  links: {
    instructionsLink: "The customer's page with every command and the \u201cI've done it\u201d button",
    errorsLink: 'The page\u2019s \u201cIf you see this error\u201d section',
  },
  blocks: {
    commands:
      'Every step in Azure PowerShell with the customer\u2019s values, as the page\u2019s first tab has them',
    scriptLinks:
      'A link per procedure of the page (Azure PowerShell; the Azure CLI in Bash, PowerShell, Command Prompt) to its file',
    knownErrors: 'The errors customers meet most with these commands, and what to do',
    deployLinks: 'The one-click grant ("Deploy to Azure") for each subscription or resource group',
    missing: 'Each scope still missing and what the last check found there',
    removal: 'The commands that take the grant back later',
  },
  required: ['instructionsLink'],
};

export const TEMPLATE_SPECS: Record<MailTemplateKind, TemplateSpec> = {
  invitation: INVITATION,
  'invitation-reminder': INVITATION,
  instructions: INSTRUCTIONS,
  'instructions-reminder': INSTRUCTIONS,
  thanks: {
    values: PARTNER_VALUES,
    flags: {},
    links: {},
    blocks: {
      scopes: 'The scopes on which the grant was confirmed',
      removal: INSTRUCTIONS.blocks.removal ?? '',
    },
    required: [],
  },
};

export interface MailTemplate {
  kind: MailTemplateKind;
  subject: string;
  paragraphs: string[];
}

/** What one mail is rendered from: every name its template may use. */
export interface MailValues {
  values: Record<string, string>;
  flags: Record<string, boolean>;
  links: Record<string, string>;
  blocks: Record<string, Block | undefined>;
}

export class MailTemplateError extends Error {
  constructor(
    readonly kind: MailTemplateKind,
    readonly problems: string[],
  ) {
    super(`the ${kind} template: ${problems.join('; ')}`);
    this.name = 'MailTemplateError';
  }
}

const BUTTON = /^\[([^\]\n]+)\]\(\{\{\s*([A-Za-z]+)\s*\}\}\)$/;
const ALONE = /^\{\{\s*([A-Za-z]+)\s*\}\}$/;

type Token = [string, string, number, number, Token[]?, number?];

function names(tokens: Token[], into: { name: string; type: string }[] = []) {
  for (const token of tokens) {
    if (token[0] !== 'text') into.push({ type: token[0], name: token[1] });
    if (token[4]) names(token[4], into);
  }
  return into;
}

/** Parses and checks a template: every name known, links as buttons, blocks alone, requirements met. */
export function parseMailTemplate(kind: MailTemplateKind, text: string): MailTemplate {
  const spec = TEMPLATE_SPECS[kind];
  const problems: string[] = [];
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const subjectLine = /^Subject:\s*(.+)$/.exec(lines[0] ?? '');
  if (!subjectLine?.[1]?.trim()) problems.push("the first line must be 'Subject: ...'");
  const paragraphs = lines
    .slice(1)
    .join('\n')
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter(Boolean);
  const used = new Set<string>();
  const check = (source: string, where: string, allowed: 'text' | 'button' | 'block') => {
    let tokens: Token[];
    try {
      tokens = Mustache.parse(source) as Token[];
    } catch (error) {
      problems.push(`${where}: ${errorMessage(error)}`);
      return;
    }
    for (const { type, name } of names(tokens)) {
      used.add(name);
      if (type === '>' || type === '=' || type === '!') {
        if (type !== '!') problems.push(`${where}: partials and delimiter changes are not supported`);
        continue;
      }
      const isFlag = name in spec.flags;
      if (type === '#' || type === '^') {
        if (!isFlag)
          problems.push(`${where}: {{#${name}}} is not a flag of this mail (flags: ${list(spec.flags)})`);
        continue;
      }
      if (name in spec.values) continue;
      if (name in spec.links && allowed !== 'button')
        problems.push(
          `${where}: the link {{${name}}} must stand alone as [label]({{${name}}}) on its own paragraph`,
        );
      else if (name in spec.blocks && allowed !== 'block')
        problems.push(`${where}: {{${name}}} must stand alone on its own paragraph`);
      else if (!(name in spec.links) && !(name in spec.blocks) && !isFlag)
        problems.push(
          `${where}: unknown value {{${name}}}; this mail may use ${list({ ...spec.values, ...spec.links, ...spec.blocks, ...spec.flags })}`,
        );
    }
  };
  if (subjectLine?.[1]) check(subjectLine[1], 'the subject', 'text');
  paragraphs.forEach((paragraph, index) => {
    const where = `paragraph ${index + 1}`;
    const button = BUTTON.exec(paragraph);
    const alone = ALONE.exec(paragraph);
    if (button) {
      if (!((button[2] ?? '') in spec.links))
        problems.push(`${where}: {{${button[2]}}} is not a link of this mail (links: ${list(spec.links)})`);
      check(button[1] ?? '', where, 'text');
      used.add(button[2] ?? '');
    } else if (alone && (alone[1] ?? '') in spec.blocks) used.add(alone[1] ?? '');
    else check(paragraph, where, 'text');
  });
  for (const name of spec.required)
    if (!used.has(name))
      problems.push(`it must contain {{${name}}} (${spec.links[name] ?? spec.values[name] ?? name})`);
  if (problems.length) throw new MailTemplateError(kind, problems);
  return { kind, subject: (subjectLine?.[1] ?? '').trim(), paragraphs };
}

const list = (names: Record<string, string>) =>
  Object.keys(names)
    .map((n) => `{{${n}}}`)
    .join(', ') || 'none';

/** Fills a template: text values as they are (escaping is the layout's), flags as sections. */
export function fillTemplate(
  template: MailTemplate,
  values: MailValues,
): { subject: string; blocks: Block[] } {
  const view = { ...values.values, ...values.flags };
  const fill = (source: string) => Mustache.render(source, view, {}, { escape: (s: string) => s });
  const blocks: Block[] = [];
  let buttons = 0;
  for (const paragraph of template.paragraphs) {
    const button = BUTTON.exec(paragraph);
    const alone = ALONE.exec(paragraph);
    if (button) {
      const url = values.links[button[2] ?? ''];
      if (url)
        blocks.push({
          kind: 'button',
          label: fill(button[1] ?? '').trim(),
          url,
          primary: buttons++ === 0,
        });
    } else if (alone && (alone[1] ?? '') in values.blocks) {
      const block = values.blocks[alone[1] ?? ''];
      if (block) blocks.push(block);
    } else {
      const text = fill(paragraph).trim();
      if (text) blocks.push({ kind: 'paragraph', text });
    }
  }
  // A subject is one line, whatever a value holds.
  return { subject: fill(template.subject).replace(/\s+/g, ' ').trim(), blocks };
}
