import { stringify } from 'csv-stringify/sync';

/**
 * A spreadsheet runs a cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return as a
 * formula (`=HYPERLINK(...)` in a customer's name would become a link, or worse). Every CSV this
 * product writes prefixes such a cell with `'`, which spreadsheets show as text, as OWASP advises:
 *   https://owasp.org/www-community/attacks/CSV_Injection
 * Reading a CSV back (bulk start) drops that one `'` again, so an export round-trips unchanged.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

export const neutraliseCell = (value: string): string => (FORMULA_START.test(value) ? `'${value}` : value);

/** The value a neutralised cell stood for. */
export const restoreCell = (value: string): string =>
  value.startsWith("'") && FORMULA_START.test(value.slice(1)) ? value.slice(1) : value;

/** A CSV (RFC 4180 quoting) whose every cell is safe to open in a spreadsheet. */
export function safeCsv(rows: readonly (readonly string[])[]): string {
  return stringify(rows.map((row) => row.map(neutraliseCell)));
}
