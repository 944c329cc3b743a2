import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import {
  buildCustomerScripts,
  renderAzureCliScript,
  renderFullGuide,
  renderPowerShellScript,
} from '../../shared/instructions/customerScripts';
import { quoteBash, quotePowerShell } from '../../shared/instructions/shellQuoting';
import { parseScope, type Scope } from '../../shared/model/scopes';
import { ValidationError } from '../../shared/model/validationError';
import { ADMIN_AGENTS_ID, CUSTOMER_TENANT, OTHER_SUBSCRIPTION, SUBSCRIPTION } from '../support/fixtures';
import { tokenizePowerShell } from '../support/powershellTokens';
import { hasControlCharacters } from '../../shared/text/plainText';

const sub = `/subscriptions/${SUBSCRIPTION}`;
const rg = `${sub}/resourceGroups/rg-prod(eu).01`;
const vm = `${sub}/resourceGroups/rg1/providers/Microsoft.Compute/virtualMachines/vm-01`;

const scripts = (...ids: string[]) =>
  buildCustomerScripts({
    customerTenantId: CUSTOMER_TENANT,
    scopes: ids.map((id) => parseScope(id)),
    partnerGroupObjectId: ADMIN_AGENTS_ID,
  });

/** Runs a generated Azure CLI line in real bash with `az` stubbed to print its argv, one per NUL. */
function azArgv(commandLine: string): string[] {
  const out = execFileSync('bash', ['-c', `az() { printf '%s\\0' "$@"; }\n${commandLine}`], {
    encoding: 'utf8',
  });
  return out.split('\0').slice(0, -1);
}

function bashEcho(quoted: string): string {
  return execFileSync('bash', ['-c', `printf '%s' ${quoted}`], { encoding: 'utf8' });
}

describe('customer scripts', () => {
  it.each([
    ['subscription', sub],
    ['resource group', rg],
    ['resource', vm],
  ])('full guide for a %s scope', (_kind, scope) => {
    expect(renderFullGuide(scripts(scope))).toMatchSnapshot();
  });

  it('contains every step of the procedure, in order, for every scope', () => {
    const s = scripts(sub, rg, vm);
    const ps = s.powershell.map((c) => c.command);
    expect(ps[0]).toBe('Update-Module -Name Az.Resources -Force');
    expect(ps[1]).toBe(`Connect-AzAccount -TenantId '${CUSTOMER_TENANT}'`);
    expect(ps[2]).toBe(`Set-AzContext -SubscriptionId '${SUBSCRIPTION}'`);
    expect(ps.slice(3)).toEqual(
      [sub, rg, vm].map(
        (scope) =>
          `New-AzRoleAssignment -ObjectId '${ADMIN_AGENTS_ID}' -RoleDefinitionName 'Owner' -Scope '${scope}' -ObjectType 'ForeignGroup'`,
      ),
    );
    expect(s.troubleshooting.map((c) => c.command)).toEqual(
      ps.slice(3).map((c, i) => `${c} -Debug > newRoleAssignment-${i + 1}.log`),
    );
    expect(scripts(rg).troubleshooting.map((c) => c.command)).toEqual([
      `New-AzRoleAssignment -ObjectId '${ADMIN_AGENTS_ID}' -RoleDefinitionName 'Owner' -Scope '${rg}' -ObjectType 'ForeignGroup' -Debug > newRoleAssignment.log`,
    ]);
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
    expect(s.catchAllFallbacks[0]?.advice).toContain('Close every PowerShell window');
  });

  it('says the subscription context is needed when scopes span subscriptions, and switches per subscription', () => {
    const single = scripts(sub);
    expect(single.powershell[2]?.purpose).toContain(
      'needed only when you can assign roles in more than one subscription',
    );
    const multi = scripts(sub, `/subscriptions/${OTHER_SUBSCRIPTION}/resourceGroups/rg2`);
    const contexts = multi.powershell.filter((c) => c.command.startsWith('Set-AzContext'));
    expect(contexts.map((c) => c.command)).toEqual([
      `Set-AzContext -SubscriptionId '${SUBSCRIPTION}'`,
      `Set-AzContext -SubscriptionId '${OTHER_SUBSCRIPTION}'`,
    ]);
    expect(contexts[0]?.purpose).toContain('needed here');
  });

  it('names in its header what the script restores and where it must be run', () => {
    const header = (text: string) => text.split('\n').slice(0, 2);
    expect(header(renderPowerShellScript(scripts(sub)))).toEqual([
      `# Restores your Microsoft partner's admin rights on your Azure CSP subscription ${SUBSCRIPTION}.`,
      '# Run as a user who is Owner or User Access Administrator on the subscription.',
    ]);
    expect(header(renderPowerShellScript(scripts(rg, vm)))[0]).toBe(
      `# Restores your Microsoft partner's admin rights on 2 scopes in your Azure CSP subscription ${SUBSCRIPTION}.`,
    );
    expect(header(renderAzureCliScript(scripts(sub, `/subscriptions/${OTHER_SUBSCRIPTION}`)))).toEqual([
      "# Restores your Microsoft partner's admin rights on 2 scopes in 2 of your Azure CSP subscriptions (Azure CLI, bash).",
      '# Run as a user who is Owner or User Access Administrator on each of these subscriptions.',
    ]);
  });

  it('produces Azure CLI commands whose argv in real bash is exactly the documented one', () => {
    const cli = scripts(sub, vm).azureCli.map((c) => c.command);
    expect(azArgv(cli[0] as string)).toEqual(['login', '--tenant', CUSTOMER_TENANT]);
    expect(azArgv(cli[1] as string)).toEqual(['account', 'set', '--subscription', SUBSCRIPTION]);
    expect(azArgv(cli[3] as string)).toEqual([
      'role',
      'assignment',
      'create',
      '--role',
      'Owner',
      '--assignee-object-id',
      ADMIN_AGENTS_ID,
      '--scope',
      vm,
      '--assignee-principal-type',
      'ForeignGroup',
    ]);
    expect(renderAzureCliScript(scripts(rg))).toContain(`--scope '${rg}'`);
  });

  it('produces PowerShell commands that tokenise to exactly the intended parameters', () => {
    const line = scripts(rg).powershell[3]?.command as string;
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
    expect(renderPowerShellScript(scripts(rg))).toMatch(/^# Restores/);
  });

  const hostileNames = [
    "rg'; Remove-AzResourceGroup -Name prod -Force; '",
    'rg$(Invoke-WebRequest evil)',
    'rg`whoami`',
    'rg;rm -rf ~',
    'rg\nRemove-Item C:\\ -Recurse',
    'rg\u2019; calc; \u2018', // typographic quotes PowerShell treats as single quotes
    'rg"double"',
    'rg|more',
    'rg&calc',
    'rg\u0000nul',
    'rg\u202ereversed',
    'rg${x}',
  ];

  it.each(hostileNames)('refuses a hostile resource group name before any script is built: %p', (name) => {
    const forged: Scope = { kind: 'resourceGroup', subscriptionId: SUBSCRIPTION, resourceGroup: name };
    expect(() =>
      buildCustomerScripts({
        customerTenantId: CUSTOMER_TENANT,
        scopes: [forged],
        partnerGroupObjectId: ADMIN_AGENTS_ID,
      }),
    ).toThrow(ValidationError);
  });

  it('keeps Unicode look-alikes that ARM allows in names inert: one argument, exactly as written', () => {
    for (const name of ['rg\u02bcs', 'r\u0433-\u0430dmin']) {
      const scope = `${sub}/resourceGroups/${name}`;
      const built = scripts(scope);
      expect(tokenizePowerShell(built.powershell[3]?.command as string)).toContain(scope);
      expect(azArgv(built.azureCli[2]?.command as string)).toContain(scope);
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

  it('quotes any value so that bash sees exactly that value as one argument', () => {
    for (const name of hostileNames.filter((n) => !hasControlCharacters(n)))
      expect(bashEcho(quoteBash(name))).toBe(name);
    fc.assert(
      fc.property(
        fc.string({
          unit: fc.constantFrom('a', "'", '"', '$', '`', '(', ')', ';', '\\', ' ', '\u2019', '!', '*', '~'),
        }),
        (value) => {
          expect(bashEcho(quoteBash(value))).toBe(value);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('quotes any value so that PowerShell reads exactly that value as one argument', () => {
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
    for (const name of hostileNames.filter((n) => !hasControlCharacters(n))) {
      expect(tokenizePowerShell(`Write-Output ${quotePowerShell(name)}`)).toEqual(['Write-Output', name]);
    }
  });

  it('refuses control characters outright in either shell', () => {
    expect(() => quoteBash('a\nb')).toThrow();
    expect(() => quotePowerShell('a\u0000b')).toThrow();
  });
});
