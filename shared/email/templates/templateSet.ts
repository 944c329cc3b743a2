import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, type AppConfig } from '../../config/appConfig';
import { LANGUAGES, type Language } from '../../model/languages';
import { productTemplate } from './defaultTemplates';
import {
  MAIL_TEMPLATE_KINDS,
  MailTemplateError,
  parseMailTemplate,
  type MailTemplate,
  type MailTemplateKind,
} from './mailTemplate';

/** Where the partner's templates are, and which language stands in for one that has no file. */
export interface MailTemplateSettings {
  templatesDir?: string;
  defaultLanguage: Language;
}

/** The template a mail is written from, and the language it is written in. */
export interface ChosenTemplate {
  template: MailTemplate;
  language: Language;
}

export interface MailTemplateSet {
  /**
   * The template for a mail of `kind` to a reader of `language`: the partner's for that language
   * (`<dir>/<language>/<kind>.txt`); else the partner's for the default language, so that a partner's
   * own wording is never silently swapped for the product's (the mail is then wholly in the default
   * language); else the product's own in `language`. The partner's notice is always in English.
   */
  choose(kind: MailTemplateKind, language: Language): ChosenTemplate;
}

/** The setting a template problem is reported under. */
export const TEMPLATES_SETTING = 'MAIL_TEMPLATES_DIR';

const isKind = (name: string): name is MailTemplateKind =>
  (MAIL_TEMPLATE_KINDS as readonly string[]).includes(name);
const fileNames = MAIL_TEMPLATE_KINDS.map((k) => `${k}.txt`).join(', ');

/** The product's templates, parsed once per kind and language. */
const productTemplates = new Map<string, MailTemplate>();
function product(kind: MailTemplateKind, language: Language): MailTemplate {
  const key = `${language}/${kind}`;
  let template = productTemplates.get(key);
  if (!template) {
    template = parseMailTemplate(kind, productTemplate(kind, language));
    productTemplates.set(key, template);
  }
  return template;
}

/**
 * Reads and checks every template of MAIL_TEMPLATES_DIR: one folder per language, named by its tag
 * (`de`, `pt-BR`), holding `<kind>.txt` files. Each problem names the file and what is wrong with it.
 */
export function loadMailTemplates(settings: MailTemplateSettings): {
  templates: MailTemplateSet;
  problems: string[];
} {
  const problems: string[] = [];
  const partner = new Map<string, MailTemplate>();
  const dir = settings.templatesDir;
  if (dir) {
    if (!existsSync(dir) || !statSync(dir).isDirectory()) problems.push(`${dir} is not a folder`);
    else
      for (const entry of readdirSync(dir).sort()) {
        const path = join(dir, entry);
        if (!statSync(path).isDirectory()) {
          problems.push(
            isKind(entry.replace(/\.txt$/, '')) && entry.endsWith('.txt')
              ? `${entry}: templates live in a folder per language: move it to ${settings.defaultLanguage}/${entry}`
              : `${entry} is not a language folder (use ${LANGUAGES.join(', ')})`,
          );
          continue;
        }
        const language = LANGUAGES.find((l) => l === entry);
        if (!language) {
          problems.push(`${entry}/ is not a language folder (use ${LANGUAGES.join(', ')})`);
          continue;
        }
        for (const file of readdirSync(path).sort()) {
          const kind = file.replace(/\.txt$/, '');
          const name = `${language}/${file}`;
          if (file === 'partner-notice.txt') {
            // Its place is taken by the alerts' digest, which is not a template (docs/ALERTS.md).
            problems.push(
              `${name}: the partner's notice per reinstatement is no longer sent: the team hears through the daily alerts digest (docs/ALERTS.md); remove the file`,
            );
            continue;
          }
          if (!file.endsWith('.txt') || !isKind(kind)) {
            problems.push(`${name} is not a template name (use ${fileNames})`);
            continue;
          }
          try {
            partner.set(
              `${language}/${kind}`,
              parseMailTemplate(kind, readFileSync(join(path, file), 'utf8')),
            );
          } catch (error) {
            if (!(error instanceof MailTemplateError)) throw error;
            problems.push(`${name}: ${error.problems.join('; ')}`);
          }
        }
      }
  }
  const fallback = settings.defaultLanguage;
  const choose = (kind: MailTemplateKind, wanted: Language): ChosenTemplate => {
    const language = wanted;
    const own = partner.get(`${language}/${kind}`);
    if (own) return { template: own, language };
    const defaults = partner.get(`${fallback}/${kind}`);
    if (defaults) return { template: defaults, language: fallback };
    return { template: product(kind, language), language };
  };
  return { templates: { choose }, problems };
}

const loaded = new Map<string, MailTemplateSet>();

/**
 * The app's templates (read once per process): what every mail is composed from. Refuses to answer
 * for templates with a problem, naming the setting, each file and what is wrong with it; the app
 * checks them when it starts (`checkMailTemplates`), so a running app never meets one.
 */
export function mailTemplatesFor(config: Pick<AppConfig, 'email' | 'partner'>): MailTemplateSet {
  const settings: MailTemplateSettings = {
    ...(config.email.templatesDir ? { templatesDir: config.email.templatesDir } : {}),
    defaultLanguage: config.partner.defaultLanguage,
  };
  const key = `${settings.defaultLanguage}\n${settings.templatesDir ?? ''}`;
  let set = loaded.get(key);
  if (!set) {
    const { templates, problems } = loadMailTemplates(settings);
    if (problems.length)
      throw new ConfigError(problems.map((rule) => ({ setting: TEMPLATES_SETTING, rule })));
    set = templates;
    loaded.set(key, set);
  }
  return set;
}

/** At start-up: every template of the partner's folder is read and checked, or the app does not start. */
export function checkMailTemplates(config: Pick<AppConfig, 'email' | 'partner'>): void {
  mailTemplatesFor(config);
}
