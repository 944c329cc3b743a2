import { tokenizePowerShell } from './powershellTokens';

/**
 * Reference readers for how an `az` command reaches the Azure CLI on Windows, written from the
 * published rules, because neither cmd.exe nor Windows PowerShell runs here:
 *
 * 1. cmd.exe reads the line (typed at the prompt, or `cmd /c` when PowerShell starts a batch file):
 *    a double quote toggles quoting; outside quotes `^` escapes the next character and `& | < >`
 *    are operators; `%` expands variables even inside quotes, `!` too with delayed expansion, and
 *    `CALL` doubles every caret (https://ss64.com/nt/syntax-esc.html, the rules Microsoft's Azure CLI
 *    quoting guidance links to; https://learn.microsoft.com/windows-server/administration/windows-commands/call).
 * 2. `az` is `az.cmd`, whose line `"...python.exe" -IBm azure.cli %*` is read by cmd once more; some
 *    releases run it inside a parenthesised `IF`, where an unquoted `)` ends the block
 *    (build_scripts/windows/scripts/az.cmd in Azure/azure-cli; Azure/azure-cli#14783).
 * 3. Python's C runtime splits the command line into argv ("Parsing C command-line arguments",
 *    https://learn.microsoft.com/cpp/c-language/parsing-c-command-line-arguments).
 *
 * From PowerShell, step 0 is PowerShell building that command line from its own arguments: for a
 * batch file with its legacy rules, which quote an argument only when it has whitespace outside
 * double quotes and pass embedded quotes on verbatim (NeedQuotes and AppendOneNativeArgument in
 * PowerShell/PowerShell src/System.Management.Automation/engine/NativeCommandParameterBinder.cs;
 * `.cmd` is in NativeCommandProcessor's s_legacyFileExtensions, used with
 * `$PSNativeCommandArgumentPassing = 'Windows'`, the default on Windows).
 *
 * A reader throws where the real shell would do something other than pass the value on.
 */
export class WindowsParseError extends Error {}

interface CmdPass {
  /** The line sits inside a parenthesised block: an unquoted `)` would end it. */
  insideBlock: boolean;
  /** The line is run through `CALL`, which doubles carets (and expands `%` once more). */
  viaCall: boolean;
}

/** One pass of cmd.exe over a line: the text the command receives, or why it would not. */
export function cmdPass(line: string, pass: CmdPass): string {
  if (line.includes('%')) throw new WindowsParseError('cmd expands % (even inside quotes)');
  if (line.includes('!')) throw new WindowsParseError('cmd expands ! with delayed expansion on');
  if (pass.viaCall && line.includes('^')) throw new WindowsParseError('CALL doubles every ^');
  let out = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (c === '"') {
      quoted = !quoted;
      out += c;
      continue;
    }
    if (!quoted) {
      if (c === '^') {
        const next = line[i + 1];
        if (next === undefined) throw new WindowsParseError('a caret at the end continues the line');
        out += next;
        i++;
        continue;
      }
      if ('&|<>'.includes(c)) throw new WindowsParseError(`cmd reads ${c} as an operator`);
      if (c === ')' && pass.insideBlock) throw new WindowsParseError(') ends the batch block');
    }
    out += c;
  }
  return out;
}

/** argv after the program name, as the Microsoft C runtime splits a command line. */
export function cRuntimeArgv(commandLine: string): string[] {
  const args: string[] = [];
  let current = '';
  let inArg = false;
  let quoted = false;
  for (let i = 0; i < commandLine.length;) {
    const c = commandLine[i] as string;
    if (!quoted && (c === ' ' || c === '\t')) {
      if (inArg) args.push(current);
      current = '';
      inArg = false;
      i++;
      continue;
    }
    inArg = true;
    if (c === '\\') {
      let n = 0;
      while (commandLine[i] === '\\') {
        n++;
        i++;
      }
      if (commandLine[i] === '"') {
        current += '\\'.repeat(Math.floor(n / 2));
        if (n % 2 === 1) {
          current += '"';
          i++;
        }
      } else current += '\\'.repeat(n);
      continue;
    }
    if (c === '"') {
      // Inside quotes, "" is one literal quote (the C runtime since 2008).
      if (quoted && commandLine[i + 1] === '"') {
        current += '"';
        i += 2;
        continue;
      }
      quoted = !quoted;
      i++;
      continue;
    }
    current += c;
    i++;
  }
  if (inArg) args.push(current);
  return args;
}

/** What the Azure CLI receives from the text after `az` once cmd.exe has read it at a prompt. */
function throughAzCmd(afterAz: string, prompt: CmdPass): string[] {
  const typed = cmdPass(afterAz, prompt);
  // az.cmd: both the parenthesised release and the one without a block must carry the values.
  const inBlock = cmdPass(typed, { insideBlock: true, viaCall: false });
  const plain = cmdPass(typed, { insideBlock: false, viaCall: false });
  if (inBlock !== plain) throw new WindowsParseError('the two az.cmd forms read it differently');
  return cRuntimeArgv(inBlock);
}

const afterAz = (line: string, prefix: string) => {
  if (!line.startsWith(prefix)) throw new WindowsParseError(`expected the line to start with ${prefix}`);
  return line.slice(prefix.length);
};

/** argv of an `az` line typed at a Windows Command Prompt. */
export function azArgvFromCommandPrompt(line: string): string[] {
  return throughAzCmd(afterAz(line, 'az '), { insideBlock: false, viaCall: false });
}

/** argv of a `.cmd` file's `call az ... || exit /b 1` line. */
export function azArgvFromCmdFile(line: string): string[] {
  const suffix = ' || exit /b 1';
  if (!line.endsWith(suffix)) throw new WindowsParseError('expected the line to end with || exit /b 1');
  return throughAzCmd(afterAz(line.slice(0, -suffix.length), 'call az '), {
    insideBlock: false,
    viaCall: true,
  });
}

/** The command line Windows PowerShell (and PowerShell 7 for batch files) builds from arguments. */
export function powershellLegacyCommandLine(args: readonly string[]): string {
  const needQuotes = (arg: string) => {
    let quotes = 0;
    let followingBackslash = false;
    let need = false;
    for (const c of arg) {
      if (c === '"' && !followingBackslash) quotes++;
      else if (/\s/.test(c) && quotes % 2 === 0) need = true;
      followingBackslash = c === '\\';
    }
    return need;
  };
  return args
    .filter((arg) => arg !== '')
    .map((arg) => (needQuotes(arg) ? `"${arg}${/\\+$/.exec(arg)?.[0] ?? ''}"` : arg))
    .join(' ');
}

/** argv of an `az` line run in PowerShell on Windows, where `az` is az.cmd. */
export function azArgvFromPowerShell(line: string): string[] {
  const [program, ...args] = tokenizePowerShell(line);
  if (program !== 'az') throw new WindowsParseError('expected an az command');
  // Windows starts a batch file as `cmd.exe /c`, which reads the line like a prompt does.
  return throughAzCmd(powershellLegacyCommandLine(args), { insideBlock: false, viaCall: false });
}
