import { isGuid, normalizeGuid } from '../model/identifiers';
import { parseScope, renderScope, type Scope, type ScopeKind } from '../model/scopes';
import { ValidationError } from '../model/validationError';
import type { Reinstatement } from '../model/reinstatement';
import { quoteBash, quotePowerShell } from './shellQuoting';

import { KNOWN_ERRORS } from './knownErrors';
import { MINIMUM_AZ_RESOURCES_VERSION } from './minimumVersions';

export { MINIMUM_AZ_RESOURCES_VERSION };

export interface CustomerScriptInput {
  customerTenantId: string;
  scopes: readonly Scope[];
  /** Object id of the partner's AdminAgents group in the partner tenant. */
  partnerGroupObjectId: string;
  /** Display name of the partner group, for the explanations only (e.g. AdminAgents). */
  partnerGroupName?: string;
}

export interface ScriptCommand {
  /** What this command does, in words for the customer's administrator. */
  purpose: string;
  command: string;
}

/** One thing to try when the previous one failed. */
export interface Fallback {
  when: string;
  advice: string;
  commands: string[];
}

export interface CustomerScripts {
  /** What the scripts restore, for their header: "your Azure CSP subscription <id>" or a count. */
  target: string;
  /** Who may run them, in words. */
  runAs: string;
  /** The normal PowerShell procedure, one command per step. */
  powershell: ScriptCommand[];
  /** The same with the Azure CLI. */
  azureCli: ScriptCommand[];
  /** Re-run of the role assignment with debug output, to send to Microsoft. */
  troubleshooting: ScriptCommand[];
  /** Reinstall-and-import procedure for when the normal one fails, then its own fallbacks. */
  catchAll: ScriptCommand[];
  /** How the customer takes the grant back later, whenever they choose (PowerShell). */
  removal: ScriptCommand[];
  catchAllFallbacks: Fallback[];
}

const SCOPE_WORDS: Record<ScopeKind, string> = {
  subscription: 'the whole subscription',
  resourceGroup: 'one resource group',
  resource: 'one resource',
};

/** Re-checks every value even though the request was validated: scripts are where a slip would hurt. */
function checkedInput(input: CustomerScriptInput) {
  if (!isGuid(input.customerTenantId)) throw ValidationError.single('customerTenantId', 'must be a GUID');
  if (!isGuid(input.partnerGroupObjectId))
    throw ValidationError.single('partnerGroupObjectId', 'must be a GUID');
  if (input.scopes.length === 0) throw ValidationError.single('scopes', 'must name at least one scope');
  const scopes = input.scopes.map((s, i) => parseScope(renderScope(s), `scopes[${i}]`));
  const { partnerGroupName } = input;
  const groupName =
    partnerGroupName && /^[A-Za-z0-9 ._-]{1,120}$/.test(partnerGroupName) ? partnerGroupName : 'AdminAgents';
  return {
    tenantId: normalizeGuid(input.customerTenantId),
    objectId: normalizeGuid(input.partnerGroupObjectId),
    scopes,
    groupName,
  };
}

/** Subscriptions in first-seen order, each with its scopes: one context switch per subscription. */
function bySubscription(scopes: Scope[]): [string, Scope[]][] {
  const groups = new Map<string, Scope[]>();
  for (const scope of scopes) {
    const list = groups.get(scope.subscriptionId) ?? [];
    list.push(scope);
    groups.set(scope.subscriptionId, list);
  }
  return [...groups];
}

function newRoleAssignment(objectId: string, scope: Scope): string {
  return (
    `New-AzRoleAssignment -ObjectId ${quotePowerShell(objectId)} -RoleDefinitionName ${quotePowerShell('Owner')}` +
    ` -Scope ${quotePowerShell(renderScope(scope))} -ObjectType ${quotePowerShell('ForeignGroup')}`
  );
}

/**
 * The customer's side of docs/PROCEDURE.md steps 5-8, for every requested scope, in PowerShell and the Azure
 * CLI. Only GUIDs and checked ARM ids reach the commands, each as a single-quoted argument; no free
 * text typed by anyone (names, notes) is ever placed in a script.
 */
export function buildCustomerScripts(input: CustomerScriptInput): CustomerScripts {
  const { tenantId, objectId, scopes, groupName } = checkedInput(input);
  const groups = bySubscription(scopes);
  const severalSubscriptions = groups.length > 1;
  const contextWhy = severalSubscriptions
    ? 'needed here: the scopes span more than one subscription'
    : 'needed only when you can assign roles in more than one subscription; harmless otherwise';
  const owner = `Grant Owner to the partner's ${groupName} group (a ForeignGroup from the partner's tenant) on`;

  const connectPs: ScriptCommand = {
    purpose: 'Sign in to your tenant',
    command: `Connect-AzAccount -TenantId ${quotePowerShell(tenantId)}`,
  };
  const assignmentsPs = (): ScriptCommand[] =>
    groups.flatMap(([subscriptionId, subScopes]) => [
      {
        purpose: `Select the CSP subscription ${subscriptionId} (${contextWhy})`,
        command: `Set-AzContext -SubscriptionId ${quotePowerShell(subscriptionId)}`,
      },
      ...subScopes.map((scope) => ({
        purpose: `${owner} ${SCOPE_WORDS[scope.kind]}`,
        command: newRoleAssignment(objectId, scope),
      })),
    ]);

  const powershell: ScriptCommand[] = [
    {
      purpose: `Update the Az.Resources module (${MINIMUM_AZ_RESOURCES_VERSION} or later is needed)`,
      command: 'Update-Module -Name Az.Resources -Force',
    },
    connectPs,
    ...assignmentsPs(),
  ];

  const azureCli: ScriptCommand[] = [
    { purpose: 'Sign in to your tenant', command: `az login --tenant ${quoteBash(tenantId)}` },
    ...groups.flatMap(([subscriptionId, subScopes]) => [
      {
        purpose: `Select the CSP subscription ${subscriptionId} (${contextWhy})`,
        command: `az account set --subscription ${quoteBash(subscriptionId)}`,
      },
      ...subScopes.map((scope) => ({
        purpose: `${owner} ${SCOPE_WORDS[scope.kind]}`,
        command:
          `az role assignment create --role ${quoteBash('Owner')} --assignee-object-id ${quoteBash(objectId)}` +
          ` --scope ${quoteBash(renderScope(scope))} --assignee-principal-type ${quoteBash('ForeignGroup')}`,
      })),
    ]),
  ];

  // One log per scope, so that a second failure does not overwrite the first one's evidence.
  const logFile = (index: number) =>
    scopes.length === 1 ? 'newRoleAssignment.log' : `newRoleAssignment-${index + 1}.log`;
  const troubleshooting: ScriptCommand[] = scopes.map((scope, index) => ({
    purpose:
      `If the assignment on ${SCOPE_WORDS[scope.kind]}${scopes.length === 1 ? '' : ` (${renderScope(scope)})`} fails: ` +
      `run it again with debug output and send ${logFile(index)} to Microsoft support`,
    command: `${newRoleAssignment(objectId, scope)} -Debug > ${logFile(index)}`,
  }));

  const catchAll: ScriptCommand[] = [
    {
      purpose: 'Reinstall the Az.Resources module',
      command: 'Install-Module -Name Az.Resources -Force -Verbose',
    },
    {
      purpose: `Load Az.Resources ${MINIMUM_AZ_RESOURCES_VERSION} or later into this session`,
      command: `Import-Module -Name Az.Resources -Verbose -MinimumVersion ${MINIMUM_AZ_RESOURCES_VERSION}`,
    },
    connectPs,
    ...assignmentsPs(),
  ];

  const catchAllFallbacks: Fallback[] = [
    {
      when: 'Import-Module says the module is in use',
      advice: 'Close every PowerShell window, open a new one, and start this procedure again.',
      commands: [],
    },
    {
      when: 'Import-Module fails for another reason',
      advice: 'See which versions of Az.Resources are installed.',
      commands: ['Get-Module Az.Resources -ListAvailable'],
    },
    {
      when: `version ${MINIMUM_AZ_RESOURCES_VERSION} or later is not listed`,
      advice: 'Update Az.Resources, then start this procedure again.',
      commands: ['Update-Module Az.Resources -Force'],
    },
    {
      when: 'Az.Resources needs a specific version of Az.Accounts',
      advice: 'Update Az.Accounts too, then restart PowerShell and start this procedure again.',
      commands: ['Update-Module Az.Accounts -Force'],
    },
  ];

  return {
    target: describeTarget(scopes, groups.length),
    runAs: `Run as a user who is Owner or User Access Administrator on ${
      severalSubscriptions ? 'each of these subscriptions' : 'the subscription'
    }.`,
    powershell,
    azureCli,
    troubleshooting,
    catchAll,
    catchAllFallbacks,
    removal: scopes.map((scope) => ({
      purpose: `Remove the partner's Owner role on ${SCOPE_WORDS[scope.kind]}${scopes.length === 1 ? '' : ` (${renderScope(scope)})`}`,
      command:
        `Remove-AzRoleAssignment -ObjectId ${quotePowerShell(objectId)} -RoleDefinitionName ${quotePowerShell('Owner')}` +
        ` -Scope ${quotePowerShell(renderScope(scope))}`,
    })),
  };
}

/** The scripts for a recorded reinstatement once the partner group is known. */
export function customerScriptsFor(
  reinstatement: Pick<Reinstatement, 'customerTenantId' | 'scopes'> & { partnerGroupObjectId: string },
  partnerGroupName: string,
): CustomerScripts {
  return buildCustomerScripts({
    customerTenantId: reinstatement.customerTenantId,
    scopes: reinstatement.scopes.map(({ scope }) => parseScope(scope)),
    partnerGroupObjectId: reinstatement.partnerGroupObjectId,
    partnerGroupName,
  });
}

function describeTarget(scopes: Scope[], subscriptions: number): string {
  const [first] = scopes;
  if (scopes.length === 1 && first?.kind === 'subscription')
    return `your Azure CSP subscription ${first.subscriptionId}`;
  const scopeCount =
    scopes.length === 1 && first
      ? first.kind === 'resource'
        ? 'a resource'
        : 'a resource group'
      : `${scopes.length} scopes`;
  return subscriptions === 1 && first
    ? `${scopeCount} in your Azure CSP subscription ${first.subscriptionId}`
    : `${scopeCount} in ${subscriptions} of your Azure CSP subscriptions`;
}

function asScript(header: string[], commands: ScriptCommand[]): string {
  const lines = header.map((h) => `# ${h}`);
  commands.forEach((c, i) => lines.push('', `# Step ${i + 1}: ${c.purpose}`, c.command));
  return `${lines.join('\n')}\n`;
}

/** The PowerShell procedure as one file a customer can save and run (`.ps1`). */
export function renderPowerShellScript(scripts: CustomerScripts): string {
  return asScript(
    [`Restores your Microsoft partner's admin rights on ${scripts.target}.`, scripts.runAs],
    scripts.powershell,
  );
}

/** The Azure CLI procedure as one bash file. */
export function renderAzureCliScript(scripts: CustomerScripts): string {
  return asScript(
    [`Restores your Microsoft partner's admin rights on ${scripts.target} (Azure CLI, bash).`, scripts.runAs],
    scripts.azureCli,
  );
}

/** Everything, as plain text: the procedure, troubleshooting, and the catch-all with its fallbacks. */
export function renderFullGuide(scripts: CustomerScripts): string {
  const fallbacks = scripts.catchAllFallbacks.flatMap((f) => [
    '',
    `# If ${f.when}: ${f.advice}`,
    ...f.commands,
  ]);
  return [
    renderPowerShellScript(scripts).trimEnd(),
    '',
    '# ---- Azure CLI alternative ----',
    ...scripts.azureCli.flatMap((c, i) => ['', `# Step ${i + 1}: ${c.purpose}`, c.command]),
    '',
    '# ---- Troubleshooting ----',
    ...scripts.troubleshooting.flatMap((c) => ['', `# ${c.purpose}`, c.command]),
    '',
    '# ---- Known errors: what they mean and what to do ----',
    ...KNOWN_ERRORS.flatMap((e) => [
      '',
      `# If you see (${e.tool}): ${e.message}`,
      `#   Why: ${e.cause}`,
      `#   Fix: ${e.fix}`,
      ...e.commands.map((c) => `#   ${c}`),
    ]),
    '',
    '# ---- If that still fails: reinstall and retry ----',
    ...scripts.catchAll.flatMap((c, i) => ['', `# Step ${i + 1}: ${c.purpose}`, c.command]),
    ...fallbacks,
    '',
    '# ---- To take the access back later, whenever you choose ----',
    ...scripts.removal.flatMap((c) => ['', `# ${c.purpose}`, c.command]),
    '',
  ].join('\n');
}
