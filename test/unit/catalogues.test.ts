import MessageFormat from '@messageformat/core';
import { parse, type SelectCase, type Token } from '@messageformat/parser';
import { MAIL_LAYOUT_KEYS } from '../../shared/email/templates/defaultTemplates';
import { messageArguments } from '../../shared/i18n/messageArguments';
import { CATALOGUES, translator, type MessageKey } from '../../shared/i18n/translator';
import { KNOWN_ERROR_KEYS } from '../../shared/instructions/knownErrors';
import { PROCEDURES } from '../../shared/instructions/procedures';
import { LANGUAGES, type Language } from '../../shared/model/languages';

const english = CATALOGUES.en;
const TRANSLATIONS = LANGUAGES.filter((l) => l !== 'en');

/** A value for each argument of a message: a number for a plural, a known case for a select. */
function sampleValues(message: string): Record<string, string | number> {
  const values: Record<string, string | number> = {};
  const visit = (tokens: readonly (Token | SelectCase)[]) => {
    for (const token of tokens) {
      if ('tokens' in token && 'key' in token) visit(token.tokens);
      else if (token.type === 'plural' || token.type === 'selectordinal') {
        values[token.arg] = 3;
        visit(token.cases);
      } else if (token.type === 'select') {
        values[token.arg] = token.cases.find((c) => c.key !== 'other')?.key ?? 'x';
        visit(token.cases);
      } else if (token.type === 'argument' && !(token.arg in values)) values[token.arg] = `«${token.arg}»`;
    }
  };
  visit(parse(message));
  return values;
}

/** The plural forms a message's plurals choose between, per argument. */
function pluralKeys(message: string): string[][] {
  const found: string[][] = [];
  const visit = (tokens: readonly (Token | SelectCase)[]) => {
    for (const token of tokens) {
      if ('tokens' in token && 'key' in token) visit(token.tokens);
      else if (token.type === 'plural' || token.type === 'select' || token.type === 'selectordinal') {
        if (token.type === 'plural') found.push(token.cases.map((c) => c.key));
        visit(token.cases);
      }
    }
  };
  visit(parse(message));
  return found;
}

describe('the message catalogues', () => {
  it.each(TRANSLATIONS.map((l) => [l]))('%s has exactly the keys of the English catalogue', (language) => {
    const keys = Object.keys(CATALOGUES[language]);
    expect({ missing: Object.keys(english).filter((k) => !keys.includes(k)) }).toEqual({ missing: [] });
    expect({ unknown: keys.filter((k) => !(k in english)) }).toEqual({ unknown: [] });
  });

  it.each(TRANSLATIONS.map((l) => [l]))(
    '%s keeps every argument of each English message, used the same way (text, plural or select)',
    (language) => {
      const differing = Object.entries(english).flatMap(([key, source]) => {
        const translated = CATALOGUES[language][key];
        if (translated === undefined) return [];
        const want = messageArguments(source);
        const have = messageArguments(translated);
        return JSON.stringify(want) === JSON.stringify(have) ? [] : [{ key, want, have }];
      });
      expect(differing).toEqual([]);
    },
  );

  it.each(LANGUAGES.map((l) => [l]))(
    '%s: every message compiles with its plural rules and, formatted, shows each value it was given',
    (language) => {
      const problems: string[] = [];
      const format = new MessageFormat(language, { strictPluralKeys: true, requireAllArguments: true });
      for (const [key, message] of Object.entries(CATALOGUES[language])) {
        try {
          const values = sampleValues(message);
          const text = format.compile(message)(values);
          // A stray apostrophe before a brace quotes it in ICU MessageFormat: the value never shows.
          if (/[{}]/.test(text)) problems.push(`${key}: a brace is left in "${text}"`);
          for (const [name, value] of Object.entries(values))
            if (typeof value === 'string' && value.startsWith('«') && !text.includes(value))
              problems.push(`${key}: {${name}} does not show in "${text}"`);
          for (const keys of pluralKeys(message))
            if (!keys.includes('other')) problems.push(`${key}: a plural without other`);
        } catch (error) {
          problems.push(`${key}: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
      expect(problems).toEqual([]);
    },
  );

  it('a test like the one above fails for a translation that drops or renames an argument', () => {
    expect(messageArguments('{partnerName} invites {customerName}')).not.toEqual(
      messageArguments('{partnerName} lädt {customer} ein'),
    );
    expect(messageArguments('{count, plural, one {# scope} other {# scopes}}')).not.toEqual(
      messageArguments('{count} Bereiche'),
    );
  });

  it.each(TRANSLATIONS.map((l) => [l]))('%s is a translation, not a copy of the English', (language) => {
    // Names of products and of Azure's tools ("Azure CLI in PowerShell", "In PowerShell:") may read
    // the same in another language; a sentence may not.
    const same = Object.entries(english)
      .filter(([key, message]) => CATALOGUES[language][key] === message && message.length > 30)
      .map(([key]) => key);
    expect(same).toEqual([]);
  });

  it('has the words every part of the product asks for', () => {
    const keys: string[] = [
      ...KNOWN_ERROR_KEYS,
      ...PROCEDURES.flatMap((p) => ['label', 'where', 'howToRun'].map((part) => `procedure.${p.id}.${part}`)),
      ...MAIL_LAYOUT_KEYS,
    ];
    expect(keys.filter((key) => !(key in english))).toEqual([]);
  });

  it("the mails' words take plain arguments only, which become the templates' {{values}}", () => {
    for (const language of LANGUAGES)
      for (const key of MAIL_LAYOUT_KEYS)
        expect([language, key, messageArguments(CATALOGUES[language][key] ?? '').map((a) => a.kind)]).toEqual(
          [language, key, messageArguments(english[key] ?? '').map(() => 'argument')],
        );
  });

  it.each(LANGUAGES.map((l) => [l]))(
    "%s: the scripts' comments hold nothing a Command Prompt remark would read as its own syntax",
    (language) => {
      const remarks = Object.entries(CATALOGUES[language]).filter(([key]) =>
        /^(script|procedure)\./.test(key),
      );
      expect(remarks.filter(([, message]) => /[%!^]/.test(message))).toEqual([]);
    },
  );
});

describe('a translator', () => {
  const day = new Date('2026-12-14T00:00:00Z');
  it.each([
    ['en', '14 December 2026'],
    ['de', '14. Dezember 2026'],
    ['fr', '14 décembre 2026'],
    ['es', '14 de diciembre de 2026'],
    ['nl', '14 december 2026'],
    ['it', '14 dicembre 2026'],
    ['pt-BR', '14 de dezembro de 2026'],
    ['ja', '2026年12月14日'],
  ] as const)('%s writes a day as its readers do: %s', (language, written) => {
    expect(translator(language).date(day)).toBe(written);
    // The day is the UTC day, wherever the app runs.
    expect(translator(language).date(new Date('2026-12-14T23:30:00Z'))).toBe(written);
  });

  it.each([
    ['en', 'Northwind Traders', 'Northwind Traders’'],
    ['en', 'Contoso', 'Contoso’s'],
    ['fr', 'Adatum', 'd’Adatum'],
    ['fr', 'Fabrikam', 'de Fabrikam'],
    ['de', 'Fabrikam', 'von Fabrikam'],
    ['ja', 'Fabrikam', 'Fabrikamの'],
  ] as const)('%s: %s as an owner reads %s', (language, name, possessive) => {
    expect(translator(language).possessive(name)).toBe(possessive);
  });

  it('counts with each language’s plural rules', () => {
    const scopes = (language: Language, count: number) =>
      translator(language).text('value.scopesRequested' as MessageKey, { count });
    expect(scopes('en', 1)).toBe('the requested scope');
    expect(scopes('en', 3)).toBe('the 3 requested scopes');
    expect(scopes('de', 1)).not.toBe(scopes('de', 3).replace('3', '1'));
    expect(scopes('ja', 3)).toContain('3');
  });

  it('lists and says how long ago in the language', () => {
    expect(translator('de').list(['a', 'b', 'c'])).toBe('a, b und c');
    expect(translator('fr').list(['a', 'b'], 'or')).toBe('a ou b');
    const now = new Date('2026-12-14T10:00:00Z');
    expect(translator('en').since(new Date('2026-12-14T09:55:00Z'), now)).toBe('5 minutes ago');
    expect(translator('de').since(new Date('2026-12-14T09:55:00Z'), now)).toBe('vor 5 Minuten');
    expect(translator('en').since(new Date('2026-12-10T09:55:00Z'), now)).toBe('on 10 December 2026');
  });

  it('escapes the words and the values of a message made into markup, and places markup values as they are', () => {
    const t = translator('en');
    const out = t.html('page.tabs.thenSee', { supportLink: '<a href="x">' }).text;
    expect(out).toBe('Then see &lt;a href=&quot;x&quot;&gt;.');
  });
});
