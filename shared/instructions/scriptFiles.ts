import { hasControlCharacters } from '../text/plainText';
import type { Procedure } from './procedures';

/** One step of a procedure as the customer reads it: what it does, and the command for one shell. */
export interface ScriptCommand {
  /** What this command does, in words for the customer's administrator. */
  purpose: string;
  command: string;
}

export interface ScriptFile {
  fileName: string;
  contentType: string;
  body: string;
}

const BOM = '\ufeff';

/**
 * A procedure as one file to save and run, in the form its shell needs, stopping at the first
 * command that fails so that a later step never runs on a wrong footing:
 * - Bash: `set -euo pipefail`; LF line ends.
 * - Azure PowerShell: `$ErrorActionPreference = 'Stop'`. Saved with a byte order mark, without
 *   which Windows PowerShell 5.1 reads a script in the ANSI code page and garbles a non-ASCII
 *   resource name (about_Character_Encoding).
 * - The Azure CLI in PowerShell: a native command's failure is not an error PowerShell stops for,
 *   so each command is followed by a look at `$LASTEXITCODE` (Microsoft's "Error handling for Azure
 *   CLI in PowerShell").
 * - Command Prompt: `az` is a batch file, and a batch file that runs another one without `call`
 *   never comes back to its next line (`call /?`); `|| exit /b 1` stops at a failure. The console
 *   is switched to UTF-8 (`chcp 65001`) before any line with a name in it is read.
 * Windows files get CRLF line ends.
 */
export function renderScriptFile(
  procedure: Procedure,
  header: readonly string[],
  steps: readonly ScriptCommand[],
): ScriptFile {
  const comment = procedure.shell === 'cmd' ? cmdComment : (text: string) => `# ${text}`;
  const lines: string[] = [];
  if (procedure.shell === 'bash') lines.push('#!/usr/bin/env bash');
  if (procedure.shell === 'cmd') lines.push('@echo off', 'chcp 65001 >nul');
  lines.push(...header.map(comment));
  if (procedure.shell === 'bash') lines.push('set -euo pipefail');
  if (procedure.tool === 'azPowerShell') lines.push("$ErrorActionPreference = 'Stop'");
  steps.forEach((step, i) => {
    lines.push('', comment(`Step ${i + 1}: ${step.purpose}`));
    if (procedure.shell === 'cmd') lines.push(`call ${step.command} || exit /b 1`);
    else lines.push(step.command);
    if (procedure.tool === 'azureCli' && procedure.shell === 'powershell')
      lines.push('if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }');
  });
  const windows = procedure.shell !== 'bash';
  const text = `${lines.join(windows ? '\r\n' : '\n')}${windows ? '\r\n' : '\n'}`;
  return {
    fileName: procedure.fileName,
    contentType: 'text/plain; charset=utf-8',
    body: procedure.shell === 'powershell' ? BOM + text : text,
  };
}

/**
 * A `rem` line. cmd expands `%` and (with delayed expansion) `!` even in a remark and reads a caret at
 * the end of one as "continue on the next line", so a text holding them is refused; ours never do.
 */
function cmdComment(text: string): string {
  if (/[%!^]/.test(text) || hasControlCharacters(text))
    throw new Error('a Command Prompt remark must not hold % ! ^ or control characters');
  return `rem ${text}`;
}
