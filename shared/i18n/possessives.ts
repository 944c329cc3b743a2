import type { Language } from '../model/languages';

/**
 * Which possessive form a name takes in a language, decided from how the name is written; the
 * catalogue's `value.possessive` message says how each form reads:
 * - English: an apostrophe alone after a final s (Northwind Traders’), otherwise ’s (Contoso’s).
 * - German: an apostrophe alone after s, ß, x, z, tz or ce (Northwind Traders’), otherwise s with no
 *   apostrophe (Fabrikams) — Duden, "Apostroph", rule 16.
 * - Dutch: an apostrophe alone after s, x, z, sh or ce; ’s after a, i, o, u or y (Contoso’s);
 *   otherwise s (Fabrikams) — Taaladvies, "Apostrof in bezitsvorm".
 * - French: d’ before a vowel (d’Adatum), otherwise de (de Fabrikam): the article's elision.
 * - Spanish, Italian and Portuguese name the owner with de / di / de, Japanese with の: one form.
 */
export type PossessiveForm = 'apostrophe' | 'apostropheS' | 's' | 'elided' | 'other';

export function possessiveForm(name: string, language: Language): PossessiveForm {
  const word = name.trimEnd();
  switch (language) {
    case 'en':
      return /s$/i.test(word) ? 'apostrophe' : 'apostropheS';
    case 'de':
      return /(s|ß|x|z|ce)$/i.test(word) ? 'apostrophe' : 's';
    case 'nl':
      if (/(s|x|z|sh|ce)$/i.test(word)) return 'apostrophe';
      return /[aiouy]$/i.test(word) ? 'apostropheS' : 's';
    case 'fr':
      return /^[aeiouyàâäéèêëîïôöùûüœæ]/i.test(word.trimStart()) ? 'elided' : 'other';
    default:
      return 'other';
  }
}
