import { quoteAzArgumentInPowerShell, quoteBash, quoteCmd, quotePowerShell } from './shellQuoting';

/**
 * A command as words, before any shell sees it: fixed words (a cmdlet, `az` and its subcommands,
 * parameter names) are written as they are; values are quoted by the rules of the shell the command
 * is rendered for. One command, rendered per shell, is how the page's tabs, the files to download and
 * the mails stay the same procedure.
 */
export type Word = string | { value: string };

export interface Command {
  /** Which tool runs it: the Az PowerShell module, or the Azure CLI (`az`). */
  tool: 'azPowerShell' | 'azureCli';
  words: readonly Word[];
  /**
   * Run with the tool's debug output written to this file, for Microsoft's support (the procedure's
   * troubleshooting step). A plain file name of ours, written as it is.
   */
  debugLog?: string;
}

/** The shells the customer may paste the commands into. */
export type Shell = 'powershell' | 'bash' | 'cmd';

const value = (text: string): Word => ({ value: text });
export { value as arg };

function quoted(word: Word, quote: (value: string) => string): string {
  return typeof word === 'string' ? word : quote(word.value);
}

/**
 * The command as the customer types it in `shell`. The Az module runs in PowerShell only.
 *
 * The troubleshooting log: `>` alone keeps only PowerShell's success stream, which is empty exactly
 * when the command fails; the debug messages and the error are streams 5 and 2, so the log is
 * written with `*>` (every stream; about_Redirection). `$DebugPreference = 'Continue'` in a script
 * block turns the debug messages on like `-Debug` does in PowerShell 7, without Windows PowerShell
 * 5.1's "Continue with this operation?" prompt at every message (its `-Debug` means Inquire;
 * Write-Debug, example 3). The Azure CLI writes `--debug` output to stderr, so `2>` catches it in
 * every shell (learn.microsoft.com/cli/azure/use-azure-cli-successfully-troubleshooting).
 */
export function renderCommand(command: Command, shell: Shell): string {
  const log = command.debugLog;
  if (log !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(log))
    throw new Error('a log file name must be a plain file name');
  if (command.tool === 'azPowerShell') {
    if (shell !== 'powershell') throw new Error('Azure PowerShell commands run in PowerShell only');
    const line = command.words.map((w) => quoted(w, quotePowerShell)).join(' ');
    return log ? `& { $DebugPreference = 'Continue'; ${line} } *> ${log}` : line;
  }
  const quote = shell === 'bash' ? quoteBash : shell === 'cmd' ? quoteCmd : quoteAzArgumentInPowerShell;
  const line = command.words.map((w) => quoted(w, quote)).join(' ');
  return log ? `${line} --debug 2> ${log}` : line;
}
