import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { arg, renderCommand, type Command } from '../../shared/instructions/commands';
import {
  buildCustomerScripts,
  procedureScripts,
  renderFullGuide,
  scriptFile,
} from '../../shared/instructions/customerScripts';
import { PROCEDURES, type ProcedureId } from '../../shared/instructions/procedures';
import { renderScriptFile } from '../../shared/instructions/scriptFiles';
import {
  quoteAzArgumentInPowerShell,
  quoteBash,
  quoteCmd,
  quotePowerShell,
  UnquotableValueError,
} from '../../shared/instructions/shellQuoting';
import { parseScope, type Scope } from '../../shared/model/scopes';
import { ValidationError } from '../../shared/model/validationError';
import { hasControlCharacters } from '../../shared/text/plainText';
import { ADMIN_AGENTS_ID, CUSTOMER_TENANT, OTHER_SUBSCRIPTION, SUBSCRIPTION } from '../support/fixtures';
import { tokenizePowerShell } from '../support/powershellTokens';
import {
  azArgvFromCmdFile,
  azArgvFromCommandPrompt,
  azArgvFromPowerShell,
  cmdPass,
  cRuntimeArgv,
  WindowsParseError,
} from '../support/windowsCommandLine';

const sub = `/subscriptions/${SUBSCRIPTION}`;
// Parentheses and a non-ASCII letter are allowed in ARM names and break a carelessly quoted command.
const rg = `${sub}/resourceGroups/rg-prod(eu).01`;
const rgUnicode = `/subscriptions/${OTHER_SUBSCRIPTION}/resourceGroups/rg-m\u00fcnchen`;
const vm = `${sub}/resourceGroups/rg1/providers/Microsoft.Compute/virtualMachines/vm-01`;

const scripts = (...ids: string[]) =>
  buildCustomerScripts({
    customerTenantId: CUSTOMER_TENANT,
    scopes: ids.map((id) => parseScope(id)),
    partnerGroupObjectId: ADMIN_AGENTS_ID,
  });
const commandsOf = (id: ProcedureId, ...scopes: string[]) =>
  procedureScripts(scripts(...scopes), id).steps.map((s) => s.command);

/** The argv the Azure CLI must receive for the procedure over these scopes, in order. */
function expectedCliArgv(scopes: string[]): string[][] {
  const subscriptions = [...new Set(scopes.map((s) => parseScope(s).subscriptionId))];
  return [
    ['version'],
    ['login', '--tenant', CUSTOMER_TENANT],
    ...subscriptions.flatMap((subscription) => [
      ['account', 'set', '--subscription', subscription],
      ...scopes
        .filter((s) => parseScope(s).subscriptionId === subscription)
        .map((scope) => [
          'role',
          'assignment',
          'create',
          '--role',
          'Owner',
          '--assignee-object-id',
          ADMIN_AGENTS_ID,
          '--scope',
          scope,
          '--assignee-principal-type',
          'ForeignGroup',
        ]),
    ]),
  ];
}

/**
 * Runs a Bash script for real with a stub `az` first on the PATH that records each argument vector
 * (NUL between arguments, U+001E after each call), and fails when its arguments include $AZ_FAIL_ON.
 */
function runWithStubAz(script: string, failOn?: string): { status: number | null; calls: string[][] } {
  const dir = mkdtempSync(join(tmpdir(), 'stub-az-'));
  try {
    const log = join(dir, 'calls');
    writeFileSync(log, '');
    writeFileSync(
      join(dir, 'az'),
      [
        '#!/usr/bin/env bash',
        'printf \'%s\\0\' "$@" >> "$AZ_LOG"',
        'printf \'\\036\' >> "$AZ_LOG"',
        'for a in "$@"; do if [ -n "${AZ_FAIL_ON:-}" ] && [ "$a" = "$AZ_FAIL_ON" ]; then exit 3; fi; done',
        '',
      ].join('\n'),
    );
    chmodSync(join(dir, 'az'), 0o755);
    writeFileSync(join(dir, 'script.sh'), script);
    const result = spawnSync('bash', [join(dir, 'script.sh')], {
      env: {
        PATH: `${dir}:${process.env.PATH ?? ''}`,
        AZ_LOG: log,
        ...(failOn ? { AZ_FAIL_ON: failOn } : {}),
      },
      encoding: 'utf8',
    });
    const calls = readFileSync(log, 'utf8')
      .split('\u001e')
      .slice(0, -1)
      .map((call) => call.split('\0').slice(0, -1));
    return { status: result.status, calls };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('customer scripts', () => {
  it.each([
    ['subscription', sub],
    ['resource group', rg],
    ['resource', vm],
  ])('full guide for a %s scope', (_kind, scope) => {
    expect(renderFullGuide(scripts(scope))).toMatchSnapshot();
  });

  it('offers Azure PowerShell and the Azure CLI in Bash, PowerShell and Command Prompt, a file each', () => {
    expect(scripts(sub).procedures.map((p) => [p.procedure.label, p.procedure.fileName])).toEqual([
      ['Azure PowerShell', 'grant-owner.ps1'],
      ['Azure CLI in Bash', 'grant-owner.sh'],
      ['Azure CLI in PowerShell', 'grant-owner-cli.ps1'],
      ['Azure CLI in Command Prompt', 'grant-owner.cmd'],
    ]);
  });

  it('contains every step of the procedure, in order, for every scope', () => {
    const s = scripts(sub, rg, vm);
    const ps = procedureScripts(s, 'powershell').steps.map((c) => c.command);
    expect(ps[0]).toBe('Update-Module -Name Az.Resources -Force');
    expect(ps[1]).toBe(`Connect-AzAccount -TenantId '${CUSTOMER_TENANT}'`);
    expect(ps[2]).toBe(`Set-AzContext -SubscriptionId '${SUBSCRIPTION}'`);
    const assignments = [sub, rg, vm].map(
      (scope) =>
        `New-AzRoleAssignment -ObjectId '${ADMIN_AGENTS_ID}' -RoleDefinitionName 'Owner' -Scope '${scope}' -ObjectType 'ForeignGroup'`,
    );
    expect(ps.slice(3)).toEqual(assignments);
    expect(s.catchAll.map((c) => c.command)).toEqual([
      'Install-Module -Name Az.Resources -Force -Verbose',
      'Import-Module -Name Az.Resources -Verbose -MinimumVersion 4.1.1',
      ...ps.slice(1),
    ]);
    expect(s.catchAllFallbacks.flatMap((f) => f.commands)).toEqual([
      'Get-Module Az.Resources -ListAvailable',
      'Update-Module Az.Resources -Force',
      'Update-Module Az.Accounts -Force',
    ]);
    expect(procedureScripts(s, 'cli-bash').steps[0]?.purpose).toContain('2.28.0 or later');
  });

  it('writes every stream of a failed attempt to the troubleshooting log, in each shell', () => {
    const s = scripts(sub, rg);
    // `>` alone would keep only the success stream, empty exactly when the command fails.
    expect(procedureScripts(s, 'powershell').troubleshooting.map((c) => c.command)).toEqual(
      [sub, rg].map(
        (scope, i) =>
          `& { $DebugPreference = 'Continue'; New-AzRoleAssignment -ObjectId '${ADMIN_AGENTS_ID}' -RoleDefinitionName 'Owner' -Scope '${scope}' -ObjectType 'ForeignGroup' } *> newRoleAssignment-${i + 1}.log`,
      ),
    );
    for (const id of ['cli-bash', 'cli-powershell', 'cli-cmd'] as const) {
      const lines = procedureScripts(s, id).troubleshooting.map((c) => c.command);
      expect(lines).toHaveLength(2);
      lines.forEach((line, i) =>
        expect(line).toMatch(new RegExp(` --debug 2> newRoleAssignment-${i + 1}\\.log$`)),
      );
    }
    // --debug goes to stderr: in real bash, 2> puts it in the file.
    const bash = procedureScripts(scripts(sub), 'cli-bash').troubleshooting[0]?.command ?? '';
    const dir = mkdtempSync(join(tmpdir(), 'trouble-'));
    try {
      execFileSync('bash', [
        '-c',
        `az() { echo "DEBUG: cli.azure.cli.core: $*" >&2; return 1; }\ncd '${dir}'\n${bash} || true`,
      ]);
      expect(readFileSync(join(dir, 'newRoleAssignment.log'), 'utf8')).toContain('--debug');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('selects each subscription before granting in it, and says why the context is needed', () => {
    const single = scripts(sub);
    expect(procedureScripts(single, 'powershell').steps[2]?.purpose).toContain(
      'needed only when you can assign roles in more than one subscription',
    );
    const multi = procedureScripts(scripts(sub, rgUnicode), 'powershell').steps;
    const contexts = multi.filter((c) => c.command.startsWith('Set-AzContext'));
    expect(contexts.map((c) => c.command)).toEqual([
      `Set-AzContext -SubscriptionId '${SUBSCRIPTION}'`,
      `Set-AzContext -SubscriptionId '${OTHER_SUBSCRIPTION}'`,
    ]);
    expect(contexts[0]?.purpose).toContain('needed here');
  });

  it.each([
    ['a subscription', [sub]],
    ['a resource group with parentheses', [rg]],
    ['a resource', [vm]],
    ['every kind across two subscriptions, with a non-ASCII name', [sub, rg, vm, rgUnicode]],
  ])(
    'the Bash file, run for real against a stub az, passes exactly the documented arguments for %s',
    (_what, scopes) => {
      const file = scriptFile(scripts(...scopes), 'cli-bash');
      expect(file.body.startsWith('#!/usr/bin/env bash\n')).toBe(true);
      const run = runWithStubAz(file.body);
      expect(run.status).toBe(0);
      expect(run.calls).toEqual(expectedCliArgv(scopes));
    },
  );

  it('the Bash file stops at the first command that fails', () => {
    const run = runWithStubAz(scriptFile(scripts(sub, rgUnicode), 'cli-bash').body, 'set');
    expect(run.status).toBe(3);
    expect(run.calls).toEqual(expectedCliArgv([sub, rgUnicode]).slice(0, 3));
  });

  it.each([
    ['a subscription', [sub]],
    ['a resource group with parentheses', [rg]],
    ['a resource', [vm]],
    ['every kind across two subscriptions, with a non-ASCII name', [sub, rg, vm, rgUnicode]],
  ])(
    'at a Command Prompt and from PowerShell, the Azure CLI receives the same arguments for %s',
    (_what, scopes) => {
      const expected = expectedCliArgv(scopes);
      expect(commandsOf('cli-cmd', ...scopes).map(azArgvFromCommandPrompt)).toEqual(expected);
      expect(commandsOf('cli-powershell', ...scopes).map(azArgvFromPowerShell)).toEqual(expected);
      const cmdLines = scriptFile(scripts(...scopes), 'cli-cmd')
        .body.split('\r\n')
        .filter((l) => l.startsWith('call '));
      expect(cmdLines.map(azArgvFromCmdFile)).toEqual(expected);
    },
  );

  it('single quotes, as Bash has them, would reach the CLI as part of the value at a Command Prompt', () => {
    const bashLine = commandsOf('cli-bash', sub)[1] ?? '';
    expect(azArgvFromCommandPrompt(bashLine)).toEqual(['login', '--tenant', `'${CUSTOMER_TENANT}'`]);
    // And a resource group with parentheses, unquoted as PowerShell passes a plain word, breaks az.cmd.
    expect(() => azArgvFromPowerShell(`az group show --name 'rg(eu)'`)).toThrow(WindowsParseError);
  });

  it('the Azure PowerShell commands tokenise to exactly the intended parameters', () => {
    const line = commandsOf('powershell', rg)[3] ?? '';
    expect(tokenizePowerShell(line)).toEqual([
      'New-AzRoleAssignment',
      '-ObjectId',
      ADMIN_AGENTS_ID,
      '-RoleDefinitionName',
      'Owner',
      '-Scope',
      rg,
      '-ObjectType',
      'ForeignGroup',
    ]);
  });

  it('names in each file what it restores and where it must be run, in the form its shell needs', () => {
    const header = (text: string) =>
      text
        .replace(/^\ufeff/, '')
        .split(/\r?\n/)
        .slice(0, 2);
    const ps1 = scriptFile(scripts(sub), 'powershell');
    expect(ps1.body.startsWith('\ufeff')).toBe(true); // Windows PowerShell 5.1 reads UTF-8 only with a BOM
    expect(header(ps1.body)).toEqual([
      `# Restores your Microsoft partner’s admin rights on your Azure CSP subscription ${SUBSCRIPTION} (Azure PowerShell).`,
      '# Run as a user who is Owner or User Access Administrator on the subscription.',
    ]);
    expect(ps1.body).toContain("\r\n$ErrorActionPreference = 'Stop'\r\n");
    const cli = scriptFile(scripts(sub, rgUnicode), 'cli-powershell').body;
    expect(cli.match(/if \(\$LASTEXITCODE -ne 0\) \{ exit \$LASTEXITCODE \}/g)).toHaveLength(6);
    const cmd = scriptFile(scripts(sub, rgUnicode), 'cli-cmd').body;
    expect(cmd.split('\r\n').slice(0, 4)).toEqual([
      '@echo off',
      'chcp 65001 >nul',
      'rem Restores your Microsoft partner’s admin rights on 2 scopes in 2 of your Azure CSP subscriptions (Azure CLI in Command Prompt).',
      'rem Run as a user who is Owner or User Access Administrator on each of these subscriptions.',
    ]);
    expect(cmd).not.toMatch(/[^\r]\n/);
    expect(scriptFile(scripts(sub), 'cli-bash').body).not.toContain('\r');
  });

  const hostileNames = [
    "rg'; Remove-AzResourceGroup -Name prod -Force; '",
    'rg$(Invoke-WebRequest evil)',
    'rg`whoami`',
    'rg;rm -rf ~',
    'rg with spaces',
    'rg\u2019; calc; \u2018', // typographic quotes PowerShell treats as single quotes
    'rg"double"',
    'rg|more',
    'rg&calc',
    'rg%PATH%',
    'rg!x!',
    'rg^x',
    'rg${x}',
    'rg\u0000nul',
    'rg\nRemove-Item C:\\ -Recurse',
    'rg\u202ereversed',
    '\u7fa4\u7d44-\u00fc',
    'rg\\',
  ];

  // Letters of any script are a valid ARM name; everything else here is refused by validation first.
  const refusedNames = hostileNames.filter((name) => !/^[\p{L}-]+$/u.test(name));

  it.each(refusedNames)('refuses a hostile resource group name before any script is built: %p', (name) => {
    const forged: Scope = { kind: 'resourceGroup', subscriptionId: SUBSCRIPTION, resourceGroup: name };
    expect(() =>
      buildCustomerScripts({
        customerTenantId: CUSTOMER_TENANT,
        scopes: [forged],
        partnerGroupObjectId: ADMIN_AGENTS_ID,
      }),
    ).toThrow(ValidationError);
  });

  /** A command carrying a hostile value, as if one slipped past validation: quoting is the second wall. */
  const withValue = (value: string): Command => ({
    tool: 'azureCli',
    words: ['az', 'group', 'show', '--name', arg(value)],
  });
  const bashProcedure = PROCEDURES.find((p) => p.id === 'cli-bash');

  it('in real Bash, every hostile value that is not a control character reaches az as exactly one argument', () => {
    const values = hostileNames.filter((n) => !hasControlCharacters(n));
    if (!bashProcedure) throw new Error('no Bash procedure');
    const file = renderScriptFile(
      bashProcedure,
      ['hostile values'],
      values.map((v) => ({ purpose: 'show', command: renderCommand(withValue(v), 'bash') })),
    );
    const run = runWithStubAz(file.body);
    expect(run.status).toBe(0);
    expect(run.calls).toEqual(values.map((v) => ['group', 'show', '--name', v]));
  });

  it('at a Command Prompt and from PowerShell, a hostile value is one argument or refused with a reason', () => {
    for (const value of hostileNames) {
      for (const [shell, read] of [
        ['cmd', azArgvFromCommandPrompt],
        ['powershell', azArgvFromPowerShell],
      ] as const) {
        let line: string;
        try {
          line = renderCommand(withValue(value), shell);
        } catch (error) {
          expect(error).toBeInstanceOf(UnquotableValueError);
          expect(hasControlCharacters(value) || /["%!^]/.test(value)).toBe(true);
          continue;
        }
        expect(read(line)).toEqual(['group', 'show', '--name', value]);
      }
    }
  });

  it('refuses ids that are not GUIDs', () => {
    for (const bad of [`${CUSTOMER_TENANT}'; calc; '`, '$(calc)', '']) {
      expect(() =>
        buildCustomerScripts({
          customerTenantId: bad,
          scopes: [parseScope(sub)],
          partnerGroupObjectId: ADMIN_AGENTS_ID,
        }),
      ).toThrow(ValidationError);
      expect(() =>
        buildCustomerScripts({
          customerTenantId: CUSTOMER_TENANT,
          scopes: [parseScope(sub)],
          partnerGroupObjectId: bad,
        }),
      ).toThrow(ValidationError);
    }
  });

  const bashEcho = (quoted: string) =>
    execFileSync('bash', ['-c', `printf '%s' ${quoted}`], { encoding: 'utf8' });
  const hostileUnit = fc.constantFrom(
    'a',
    "'",
    '"',
    '$',
    '`',
    '(',
    ')',
    ';',
    '\\',
    ' ',
    '\u2019',
    '!',
    '*',
    '~',
    '%',
    '^',
    '&',
    '|',
    '<',
    '>',
    '\u00e9',
  );

  it('Bash quoting keeps any value one argument (POSIX single quotes)', () => {
    // One real bash for 300 drawn values (a shell per value cost a second each under load): each
    // value is printed as one argument and ended with NUL, which none of them contains.
    const values = fc.sample(fc.string({ unit: hostileUnit }), 300);
    const script = values.map((value) => `printf '%s\\0' ${quoteBash(value)}`).join('\n');
    const printed = execFileSync('bash', ['-c', script], { encoding: 'utf8' }).split('\0').slice(0, -1);
    expect(printed).toEqual(values);
    expect(bashEcho(quoteBash("it's $HOME `id`"))).toBe("it's $HOME `id`");
  });

  it('PowerShell quoting keeps any value one argument (about_Quoting_Rules)', () => {
    fc.assert(
      fc.property(
        fc.string({
          unit: fc.constantFrom(
            'a',
            "'",
            '\u2018',
            '\u2019',
            '\u201a',
            '\u201b',
            '$',
            '`',
            '(',
            ';',
            ' ',
            '"',
            '\u02bc',
          ),
        }),
        (value) => {
          expect(tokenizePowerShell(`Write-Output ${quotePowerShell(value)}`)).toEqual([
            'Write-Output',
            value,
          ]);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('Command Prompt quoting carries any value it accepts, and refuses only " % ! ^', () => {
    fc.assert(
      fc.property(fc.string({ unit: hostileUnit, minLength: 1 }), (value) => {
        if (/["%!^]/.test(value)) expect(() => quoteCmd(value)).toThrow(UnquotableValueError);
        else expect(azArgvFromCommandPrompt(`az x ${quoteCmd(value)}`)).toEqual(['x', value]);
      }),
      { numRuns: 1000 },
    );
  });

  it('the Azure CLI from PowerShell carries any value it accepts, and refuses only " % ! ^', () => {
    fc.assert(
      fc.property(fc.string({ unit: hostileUnit, minLength: 1 }), (value) => {
        if (/["%!^]/.test(value))
          expect(() => quoteAzArgumentInPowerShell(value)).toThrow(UnquotableValueError);
        else expect(azArgvFromPowerShell(`az x ${quoteAzArgumentInPowerShell(value)}`)).toEqual(['x', value]);
      }),
      { numRuns: 1000 },
    );
  });

  it('the reference readers follow the published rules they cite', () => {
    // Microsoft's C runtime examples ("Parsing C command-line arguments").
    expect(cRuntimeArgv('"a b c" d e')).toEqual(['a b c', 'd', 'e']);
    expect(cRuntimeArgv('"ab\\"c" "\\\\" d')).toEqual(['ab"c', '\\', 'd']);
    expect(cRuntimeArgv('a\\\\\\b d"e f"g h')).toEqual(['a\\\\\\b', 'de fg', 'h']);
    expect(cRuntimeArgv('a\\\\\\"b c d')).toEqual(['a\\"b', 'c', 'd']);
    expect(cRuntimeArgv('a\\\\\\\\"b c" d e')).toEqual(['a\\\\b c', 'd', 'e']);
    // cmd: operators outside quotes, literal inside; carets escape outside quotes only.
    expect(() => cmdPass('x a&b', { insideBlock: false, viaCall: false })).toThrow(WindowsParseError);
    expect(cmdPass('x "a&b"', { insideBlock: false, viaCall: false })).toBe('x "a&b"');
    expect(cmdPass('x a^&b "c^d"', { insideBlock: false, viaCall: false })).toBe('x a&b "c^d"');
    expect(() => cmdPass('x a)b', { insideBlock: true, viaCall: false })).toThrow(WindowsParseError);
    // Microsoft's guidance: in PowerShell, az '"a&b"' reaches the CLI as a&b.
    expect(azArgvFromPowerShell(`az '"a&b"' --debug`)).toEqual(['a&b', '--debug']);
    expect(() => azArgvFromPowerShell(`az 'a&b' --debug`)).toThrow(WindowsParseError);
  });

  it('refuses control characters outright in every shell', () => {
    for (const quote of [quoteBash, quotePowerShell, quoteCmd, quoteAzArgumentInPowerShell]) {
      expect(() => quote('a\nb')).toThrow(UnquotableValueError);
      expect(() => quote('a\u0000b')).toThrow(UnquotableValueError);
    }
  });
});
