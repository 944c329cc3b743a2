import { hasControlCharacters } from '../text/plainText';

/**
 * Quoting for values placed in generated commands, one function per shell the customer may paste them
 * into. Values are validated before they get here (GUIDs and ARM ids from a restricted alphabet);
 * quoting is the second wall, so that even a value that slipped past validation stays one inert
 * argument, or is refused with a clear error where a shell has no safe way to carry it.
 *
 * Microsoft's own guidance for the Azure CLI: "In Windows Command Prompt, only double quotes are
 * interpreted correctly -- single quotes are treated as part of the value", and the rules of each
 * shell decide the rest (learn.microsoft.com/cli/azure/use-azure-cli-successfully-quoting).
 */

export class UnquotableValueError extends Error {
  constructor(shell: string, why: string) {
    super(`a script argument cannot be given to ${shell}: ${why}`);
    this.name = 'UnquotableValueError';
  }
}

function refuseControl(value: string): void {
  if (hasControlCharacters(value)) throw new UnquotableValueError('any shell', 'it holds control characters');
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
 * written as `'\''` (close, escaped quote, reopen). Bash manual, 3.1.2.2 Single Quotes:
 * https://www.gnu.org/software/bash/manual/html_node/Single-Quotes.html
 */
export function quoteBash(value: string): string {
  refuseControl(value);
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * Characters cmd.exe would act on in a command that reaches `az.cmd`, a batch file, even inside double
 * quotes, so no quoting can carry them:
 * - `"` toggles cmd's quoting wherever it stands, so what follows it would be read as syntax;
 * - `%` expands variables inside quotes, at the prompt and in batch files alike;
 * - `!` expands variables when delayed expansion is on (a registry setting or `cmd /V`);
 * - `^` is doubled by `CALL`, which a batch file needs to run `az.cmd` and come back (the generated
 *   .cmd file does), even inside quotes.
 * How cmd parses: https://learn.microsoft.com/windows-server/administration/windows-commands/cmd and
 * the escape rules Microsoft's CLI guidance links to, https://ss64.com/nt/syntax-esc.html.
 */
const CMD_UNCARRIABLE = /["%!^]/;

/**
 * A value as cmd.exe and then Python's C runtime read it, for `az` typed at a Windows Command
 * Prompt or run from a .cmd file: in double quotes, inside which cmd leaves `& | < > ( )` and spaces
 * alone. Backslashes before the closing quote are doubled, because the C runtime reads `\"` as a
 * literal quote ("Parsing C command-line arguments",
 * https://learn.microsoft.com/cpp/c-language/parsing-c-command-line-arguments).
 */
export function quoteCmd(value: string): string {
  refuseControl(value);
  if (CMD_UNCARRIABLE.test(value))
    throw new UnquotableValueError('the Windows Command Prompt', 'it holds one of " % ! ^');
  return `"${value.replace(/\\+$/, (slashes) => slashes + slashes)}"`;
}

/** Letters, digits and `_ - . / :` mean nothing to cmd.exe outside quotes. */
const CMD_PLAIN = /^[\p{L}\p{N}_\-./:]+$/u;

/**
 * A value for `az` run from PowerShell on Windows. There `az` is `az.cmd`, so PowerShell hands the
 * argument to cmd.exe, which parses it again before Python does (Azure CLI, "Quoting issues with
 * PowerShell", github.com/Azure/azure-cli/blob/dev/doc/quoting-issues-with-powershell.md). PowerShell
 * passes an argument without whitespace unquoted, so a resource group named `rg(eu)` reaches cmd
 * bare and breaks az.cmd ("... was unexpected at this time.", Azure/azure-cli#14783). Such a value
 * goes in single quotes that hold double quotes, `'"rg(eu)"'`, which PowerShell passes on verbatim
 * to a batch file (PowerShell's legacy argument passing, still used for .cmd files in PowerShell 7:
 * about_Parsing, "Passing arguments that contain quote characters"), and cmd then reads as quoted:
 * Microsoft's guidance shows `az '"a&b"' --debug` giving `['a&b', '--debug']`
 * (learn.microsoft.com/cli/azure/use-azure-cli-successfully-powershell). Plain values stay plain.
 */
export function quoteAzArgumentInPowerShell(value: string): string {
  refuseControl(value);
  if (CMD_UNCARRIABLE.test(value))
    throw new UnquotableValueError('the Azure CLI from PowerShell', 'it holds one of " % ! ^');
  if (CMD_PLAIN.test(value)) return quotePowerShell(value);
  return quotePowerShell(`"${value.replace(/\\+$/, (slashes) => slashes + slashes)}"`);
}
