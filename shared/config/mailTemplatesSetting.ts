import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_TEMPLATES } from '../email/templates/defaultTemplates';
import {
  MAIL_TEMPLATE_KINDS,
  MailTemplateError,
  parseMailTemplate,
  type MailTemplate,
  type MailTemplateKind,
} from '../email/templates/mailTemplate';

/**
 * The mail templates: the product's own, each replaced by `<kind>.txt` in MAIL_TEMPLATES_DIR when the
 * partner put one there. Every template is checked here, at start-up: one that lacks its required link
 * or uses an unknown value stops the app with a message naming the file and the value.
 */
export function loadMailTemplates(dir: string | undefined): {
  templates: Record<MailTemplateKind, MailTemplate>;
  problems: string[];
} {
  const problems: string[] = [];
  const texts: Record<MailTemplateKind, string> = { ...DEFAULT_TEMPLATES };
  if (dir) {
    if (!existsSync(dir) || !statSync(dir).isDirectory()) problems.push(`${dir} is not a folder`);
    else
      for (const file of readdirSync(dir)) {
        const kind = file.replace(/\.txt$/, '');
        if (!file.endsWith('.txt') || !(MAIL_TEMPLATE_KINDS as readonly string[]).includes(kind)) {
          problems.push(
            `${file} is not a template name (use ${MAIL_TEMPLATE_KINDS.map((k) => `${k}.txt`).join(', ')})`,
          );
          continue;
        }
        texts[kind as MailTemplateKind] = readFileSync(join(dir, file), 'utf8');
      }
  }
  const parse = (kind: MailTemplateKind): MailTemplate => {
    try {
      return parseMailTemplate(kind, texts[kind]);
    } catch (error) {
      if (!(error instanceof MailTemplateError)) throw error;
      problems.push(`${kind}.txt: ${error.problems.join('; ')}`);
      return parseMailTemplate(kind, DEFAULT_TEMPLATES[kind]); // the app will not start; keeps the type whole
    }
  };
  const templates: Record<MailTemplateKind, MailTemplate> = {
    invitation: parse('invitation'),
    'invitation-reminder': parse('invitation-reminder'),
    instructions: parse('instructions'),
    'instructions-reminder': parse('instructions-reminder'),
    thanks: parse('thanks'),
    'partner-notice': parse('partner-notice'),
  };
  return { templates, problems };
}
