/**
 * The languages a customer can be written to in: the mails, the instructions page and the scripts'
 * comments. Each is a BCP 47 tag, compared without regard to case (`pt-br` is `pt-BR`), and each has a
 * message catalogue in shared/i18n/catalogues/ (README: "Adding a language").
 */
export const LANGUAGES = ['en', 'de', 'fr', 'es', 'nl', 'it', 'pt-BR', 'ja'] as const;
export type Language = (typeof LANGUAGES)[number];

/** Each language's own name (as its readers look for it) and its English name (for the console). */
export const LANGUAGE_NAMES: Record<Language, { own: string; english: string }> = {
  en: { own: 'English', english: 'English' },
  de: { own: 'Deutsch', english: 'German' },
  fr: { own: 'Français', english: 'French' },
  es: { own: 'Español', english: 'Spanish' },
  nl: { own: 'Nederlands', english: 'Dutch' },
  it: { own: 'Italiano', english: 'Italian' },
  'pt-BR': { own: 'Português do Brasil', english: 'Brazilian Portuguese' },
  ja: { own: '日本語', english: 'Japanese' },
};

/** The supported language a tag names, in its canonical spelling; undefined for anything else. */
export function parseLanguage(value: unknown): Language | undefined {
  if (typeof value !== 'string') return undefined;
  const lower = value.toLowerCase();
  return LANGUAGES.find((language) => language.toLowerCase() === lower);
}

/** "Deutsch (German)", "English": how the partner's console names a language. */
export function languageInWords(language: Language): string {
  const { own, english } = LANGUAGE_NAMES[language];
  return own === english ? own : `${own} (${english})`;
}

/** The rule a wrong language breaks, naming every language in words. */
export const LANGUAGE_RULE = `must be one of ${LANGUAGES.map((l) => `${l} for ${languageInWords(l)}`).join(', ')}`;
