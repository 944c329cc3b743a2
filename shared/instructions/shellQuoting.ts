import { hasControlCharacters } from '../text/plainText';

/**
 * Quoting for values placed in generated scripts. Values are validated before they get here (GUIDs
 * and ARM ids from a restricted alphabet); quoting is the second wall, so that even a value that
 * slipped past validation stays one inert argument.
 */

function refuseControl(value: string): void {
  if (hasControlCharacters(value)) throw new Error('a script argument must not contain control characters');
}

/**
 * PowerShell single-quoted string: no expansion of `$`, backticks or `$()` happens inside one, and the
 * only way out is a single quote. PowerShell treats the typographic quotes U+2018, U+2019, U+201A and
 * U+201B as single quotes too, so each of them is doubled like the ASCII one.
 * https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_quoting_rules
 */
export function quotePowerShell(value: string): string {
  refuseControl(value);
  return `'${value.replace(/['\u2018\u2019\u201a\u201b]/g, (q) => q + q)}'`;
}

/**
 * POSIX shell single-quoted string: nothing is special inside except the closing quote, which is
 * written as `'\''` (close, escaped quote, reopen).
 */
export function quoteBash(value: string): string {
  refuseControl(value);
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
