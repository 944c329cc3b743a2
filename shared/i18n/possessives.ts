import type { Language } from '../model/languages';

/**
 * Which possessive form a name takes in a language, decided from how the name is written; the
 * catalogue's `value.possessive` message says how each form reads:
 * - English: an apostrophe alone after a final s (Northwind Traders’), otherwise ’s (Contoso’s).
 * - French: d’ before a vowel (d’Adatum), otherwise de (de Fabrikam): the preposition's elision.
 * - German, Dutch, Spanish, Italian and Portuguese name a company as owner after the noun (von, van,
 *   de, di, de), which needs no change to the name; Japanese with の. One form each.
 */
export type PossessiveForm = 'apostrophe' | 'apostropheS' | 'elided' | 'other';

export function possessiveForm(name: string, language: Language): PossessiveForm {
  const word = name.trim();
  switch (language) {
    case 'en':
      return /s$/i.test(word) ? 'apostrophe' : 'apostropheS';
    case 'fr':
      return /^[aeiouyàâäéèêëîïôöùûüœæ]/i.test(word) ? 'elided' : 'other';
    default:
      return 'other';
  }
}
