/**
 * Words that read well for one and many, and in possessives: a page or a mail never says
 * "1 scope(s)" or "Northwind Traders's".
 */

/** "Contoso's", "Northwind Traders'": a name that ends in s takes the apostrophe alone. */
export function possessive(name: string, apostrophe: "'" | '\u2019' = "'"): string {
  const trimmed = name.trimEnd();
  return /s$/i.test(trimmed) ? `${trimmed}${apostrophe}` : `${trimmed}${apostrophe}s`;
}

/** "1 scope", "3 scopes"; the plural form is given when adding "s" is wrong. */
export function countOf(count: number, singular: string, plural = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : plural}`;
}

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

/** "10 December 2026" (UTC): a day as people write it, never an ISO timestamp. */
export function dayInWords(at: Date | string): string {
  const date = typeof at === 'string' ? new Date(at) : at;
  return `${date.getUTCDate()} ${MONTHS[date.getUTCMonth()] ?? ''} ${date.getUTCFullYear()}`;
}

/** "just now", "5 minutes ago", "3 hours ago", "on 10 December 2026". */
export function sinceInWords(at: Date | string, now: Date): string {
  const then = typeof at === 'string' ? new Date(at) : at;
  const minutes = Math.floor((now.getTime() - then.getTime()) / 60_000);
  if (minutes < 1) return 'just now';
  if (minutes < 60) return `${countOf(minutes, 'minute')} ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${countOf(hours, 'hour')} ago`;
  return `on ${dayInWords(then)}`;
}

/** "invitation-reminder-sent" → "Invitation reminder sent"; "clicksSoFar" → "Clicks so far". */
export function wordsOfIdentifier(identifier: string): string {
  const spaced = identifier
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[-_.]+/g, ' ')
    .trim()
    .toLowerCase();
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}
