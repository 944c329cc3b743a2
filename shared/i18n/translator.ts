import MessageFormat from '@messageformat/core';
import type { Language } from '../model/languages';
import { Html } from '../web/html';
import { escapeHtml } from '../text/plainText';
import de from './catalogues/de.json';
import en from './catalogues/en.json';
import es from './catalogues/es.json';
import fr from './catalogues/fr.json';
import it from './catalogues/it.json';
import ja from './catalogues/ja.json';
import nl from './catalogues/nl.json';
import ptBR from './catalogues/pt-BR.json';
import { possessiveForm } from './possessives';

/**
 * The customer's side in the customer's language: every sentence comes from a message catalogue, one
 * JSON file per language of ICU MessageFormat messages (the format translation tools read and write:
 * plural and select per language, `{name}` arguments), formatted by messageformat (the OpenJS
 * Foundation's ICU MessageFormat for JavaScript). Dates, numbers, lists and "5 minutes ago" come from
 * the `Intl` APIs in the same language.
 *
 * English is the source: every other catalogue has exactly its keys and arguments
 * (test/unit/catalogues.test.ts). Commands, their values and what Azure prints are never in a
 * catalogue: they stay as Azure spells them.
 */
export type MessageKey = keyof typeof en;
export type Catalogue = Readonly<Record<string, string>>;

export const CATALOGUES: Record<Language, Catalogue> = { en, de, fr, es, nl, it, 'pt-BR': ptBR, ja };

/** A message's arguments: text and numbers, or (for `html`) markup built by the `html` tag. */
export type MessageValues = Record<string, string | number>;
export type HtmlMessageValues = Record<string, string | number | Html>;

export interface Translator {
  language: Language;
  /** The message as plain text. */
  text(key: MessageKey, values?: MessageValues): string;
  /** The message as markup: its words and every text value escaped, `Html` values placed as they are. */
  html(key: MessageKey, values?: HtmlMessageValues): Html;
  /** A day as people write it in this language, in UTC: "14 December 2026", "14. Dezember 2026". */
  date(at: Date | string): string;
  /** A count as this language writes numbers: "5,000", "5.000", "5 000". */
  number(value: number): string;
  /** "a, b and c" (or, with `or`, "a, b or c") in this language. */
  list(items: readonly string[], kind?: 'and' | 'or'): string;
  /** "just now", "5 minutes ago", "3 hours ago", or "on 10 December 2026". */
  since(at: Date | string, now: Date): string;
  /** The name as an owner: "Contoso’s", "Fabrikams", "de Fabrikam", "Fabrikamの". */
  possessive(name: string): string;
}

/** The locale the `Intl` APIs write a language's dates in: the product's English writes 14 December 2026. */
const INTL_LOCALE: Record<Language, string> = {
  en: 'en-GB',
  de: 'de-DE',
  fr: 'fr-FR',
  es: 'es-ES',
  nl: 'nl-NL',
  it: 'it-IT',
  'pt-BR': 'pt-BR',
  ja: 'ja-JP',
};

type Compiled = (values?: Record<string, unknown>) => unknown[];

function compiler(language: Language): (key: MessageKey) => Compiled {
  const format = new MessageFormat<'values'>(language, { returnType: 'values', requireAllArguments: true });
  const compiled = new Map<string, Compiled>();
  return (key) => {
    let fn = compiled.get(key);
    if (!fn) {
      // A key a catalogue lacks reads in English rather than failing a mail; the catalogue test
      // makes sure no catalogue lacks one.
      const source = CATALOGUES[language][key] ?? en[key];
      fn = format.compile(source);
      compiled.set(key, fn);
    }
    return fn;
  };
}

const flatten = (parts: unknown[]): unknown[] =>
  parts.flatMap((part) => (Array.isArray(part) ? flatten(part) : [part]));

function makeTranslator(language: Language): Translator {
  const compile = compiler(language);
  const locale = INTL_LOCALE[language];
  const day = new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: 'UTC' });
  const numbers = new Intl.NumberFormat(locale);
  const lists = {
    and: new Intl.ListFormat(locale, { type: 'conjunction', style: 'long' }),
    or: new Intl.ListFormat(locale, { type: 'disjunction', style: 'long' }),
  };
  const relative = new Intl.RelativeTimeFormat(locale, { numeric: 'always', style: 'long' });
  const translator: Translator = {
    language,
    text: (key, values = {}) => flatten(compile(key)(values)).map(String).join(''),
    html: (key, values = {}) =>
      new Html(
        flatten(compile(key)(values))
          .map((part) => (part instanceof Html ? part.text : escapeHtml(String(part))))
          .join(''),
      ),
    date: (at) => day.format(typeof at === 'string' ? new Date(at) : at),
    number: (value) => numbers.format(value),
    list: (items, kind = 'and') => lists[kind].format(items),
    since: (at, now) => {
      const then = typeof at === 'string' ? new Date(at) : at;
      const minutes = Math.floor((now.getTime() - then.getTime()) / 60_000);
      if (minutes < 1) return translator.text('time.justNow');
      if (minutes < 60) return relative.format(-minutes, 'minute');
      const hours = Math.floor(minutes / 60);
      if (hours < 24) return relative.format(-hours, 'hour');
      return translator.text('time.onDay', { date: translator.date(then) });
    },
    possessive: (name) =>
      translator.text('value.possessive', { name: name.trim(), form: possessiveForm(name, language) }),
  };
  return translator;
}

const translators = new Map<Language, Translator>();

/** The language's translator (one per process and language: its messages compile once). */
export function translator(language: Language): Translator {
  let found = translators.get(language);
  if (!found) {
    found = makeTranslator(language);
    translators.set(language, found);
  }
  return found;
}

export const english = (): Translator => translator('en');
