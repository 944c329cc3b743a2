import { isGuid, normalizeGuid } from '../model/identifiers';
import { parseScope, renderScope, type Scope, type ScopeKind } from '../model/scopes';
import { ValidationError } from '../model/validationError';
import type { Reinstatement } from '../model/reinstatement';
import { arg, renderCommand, type Command } from './commands';
import { KNOWN_ERRORS } from './knownErrors';
import { MINIMUM_AZ_RESOURCES_VERSION, MINIMUM_AZURE_CLI_VERSION } from './minimumVersions';
import { PROCEDURES, type KnownProcedure, type Procedure, type ProcedureId } from './procedures';
import { renderScriptFile, type ScriptCommand, type ScriptFile } from './scriptFiles';

export { MINIMUM_AZ_RESOURCES_VERSION, MINIMUM_AZURE_CLI_VERSION };
export type { ScriptCommand };

export interface CustomerScriptInput {
  customerTenantId: string;
  scopes: readonly Scope[];
  /** Object id of the partner's AdminAgents group in the partner tenant. */
  partnerGroupObjectId: string;
  /** Display name of the partner group, for the explanations only (e.g. AdminAgents). */
  partnerGroupName?: string;
}

/** One thing to try when the previous one failed. */
export interface Fallback {
  when: string;
  advice: string;
  commands: string[];
}

/** One procedure (a tab on the page, a file to download) with the customer's values. */
export interface ProcedureScripts {
  procedure: KnownProcedure;
  /** The grant, one command per step. */
  steps: ScriptCommand[];
  /** The assignment again with debug output written to a log, per scope, for Microsoft's support. */
  troubleshooting: ScriptCommand[];
}

export interface CustomerScripts {
  /** What the scripts restore, for their header: "your Azure CSP subscription <id>" or a count. */
  target: string;
  /** Who may run them, in words. */
  runAs: string;
  /** Every procedure, in the order of PROCEDURES. */
  procedures: ProcedureScripts[];
  /** Reinstall-and-import procedure (Azure PowerShell) for when the normal one fails. */
  catchAll: ScriptCommand[];
  catchAllFallbacks: Fallback[];
  /** How the customer takes the grant back later, whenever they choose (Azure PowerShell). */
  removal: ScriptCommand[];
}

interface Step {
  purpose: string;
  command: Command;
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

const ps = (...words: Command['words']): Command => ({ tool: 'azPowerShell', words });
const az = (...words: Command['words']): Command => ({ tool: 'azureCli', words: ['az', ...words] });

/** docs/PROCEDURE.md step 6, in Azure PowerShell. */
const newRoleAssignment = (objectId: string, scope: Scope) =>
  ps(
    'New-AzRoleAssignment',
    '-ObjectId',
    arg(objectId),
    '-RoleDefinitionName',
    arg('Owner'),
    '-Scope',
    arg(renderScope(scope)),
    '-ObjectType',
    arg('ForeignGroup'),
  );

/** docs/PROCEDURE.md step 6, with the Azure CLI. */
const roleAssignmentCreate = (objectId: string, scope: Scope) =>
  az(
    'role',
    'assignment',
    'create',
    '--role',
    arg('Owner'),
    '--assignee-object-id',
    arg(objectId),
    '--scope',
    arg(renderScope(scope)),
    '--assignee-principal-type',
    arg('ForeignGroup'),
  );

/**
 * The customer's side of docs/PROCEDURE.md steps 5-8 for every requested scope, as commands before
 * any shell sees them. Only GUIDs and checked ARM ids reach the commands, each as a value the shell's
 * quoting keeps one inert argument; no free text typed by anyone (names, notes) is placed in a script.
 */
function buildSteps(input: CustomerScriptInput) {
  const { tenantId, objectId, scopes, groupName } = checkedInput(input);
  const groups = bySubscription(scopes);
  const severalSubscriptions = groups.length > 1;
  const contextWhy = severalSubscriptions
    ? 'needed here: the scopes span more than one subscription'
    : 'needed only when you can assign roles in more than one subscription; harmless otherwise';
  const owner = `Grant Owner to the partner's ${groupName} group (a ForeignGroup from the partner's tenant) on`;
  const which = (scope: Scope) =>
    `${SCOPE_WORDS[scope.kind]}${scopes.length === 1 ? '' : ` (${renderScope(scope)})`}`;

  const connect: Step = {
    purpose: 'Sign in to your tenant',
    command: ps('Connect-AzAccount', '-TenantId', arg(tenantId)),
  };
  const assignmentsPs: Step[] = groups.flatMap(([subscriptionId, subScopes]) => [
    {
      purpose: `Select the CSP subscription ${subscriptionId} (${contextWhy})`,
      command: ps('Set-AzContext', '-SubscriptionId', arg(subscriptionId)),
    },
    ...subScopes.map((scope) => ({
      purpose: `${owner} ${SCOPE_WORDS[scope.kind]}`,
      command: newRoleAssignment(objectId, scope),
    })),
  ]);

  const azPowerShell: Step[] = [
    {
      purpose: `Update the Az.Resources module (${MINIMUM_AZ_RESOURCES_VERSION} or later is needed)`,
      command: ps('Update-Module', '-Name', 'Az.Resources', '-Force'),
    },
    connect,
    ...assignmentsPs,
  ];

  const azureCli: Step[] = [
    {
      purpose: `Check the Azure CLI's version: ${MINIMUM_AZURE_CLI_VERSION} or later is needed, the first that accepts ForeignGroup; if yours is older, update it (az upgrade) first`,
      command: az('version'),
    },
    { purpose: 'Sign in to your tenant', command: az('login', '--tenant', arg(tenantId)) },
    ...groups.flatMap(([subscriptionId, subScopes]) => [
      {
        purpose: `Select the CSP subscription ${subscriptionId} (${contextWhy})`,
        command: az('account', 'set', '--subscription', arg(subscriptionId)),
      },
      ...subScopes.map((scope) => ({
        purpose: `${owner} ${SCOPE_WORDS[scope.kind]}`,
        command: roleAssignmentCreate(objectId, scope),
      })),
    ]),
  ];

  // One log per scope, so that a second failure does not overwrite the first one's evidence.
  const logFile = (index: number) =>
    scopes.length === 1 ? 'newRoleAssignment.log' : `newRoleAssignment-${index + 1}.log`;
  const troubleshooting = (make: (objectId: string, scope: Scope) => Command): Step[] =>
    scopes.map((scope, index) => ({
      purpose:
        `If the assignment on ${which(scope)} fails: run it again with debug output; ` +
        `every stream goes to ${logFile(index)}, for a support request with Microsoft`,
      command: { ...make(objectId, scope), debugLog: logFile(index) },
    }));

  const catchAll: Step[] = [
    {
      purpose: 'Reinstall the Az.Resources module',
      command: ps('Install-Module', '-Name', 'Az.Resources', '-Force', '-Verbose'),
    },
    {
      purpose: `Load Az.Resources ${MINIMUM_AZ_RESOURCES_VERSION} or later into this session`,
      command: ps(
        'Import-Module',
        '-Name',
        'Az.Resources',
        '-Verbose',
        '-MinimumVersion',
        MINIMUM_AZ_RESOURCES_VERSION,
      ),
    },
    connect,
    ...assignmentsPs,
  ];

  const removal: Step[] = scopes.map((scope) => ({
    purpose: `Remove the partner's Owner role on ${which(scope)}`,
    command: ps(
      'Remove-AzRoleAssignment',
      '-ObjectId',
      arg(objectId),
      '-RoleDefinitionName',
      arg('Owner'),
      '-Scope',
      arg(renderScope(scope)),
    ),
  }));

  return {
    scopes,
    severalSubscriptions,
    subscriptions: groups.length,
    azPowerShell,
    azureCli,
    troubleshootingPs: troubleshooting(newRoleAssignment),
    troubleshootingCli: troubleshooting(roleAssignmentCreate),
    catchAll,
    removal,
  };
}

const rendered = (steps: Step[], procedure: Pick<Procedure, 'shell'>): ScriptCommand[] =>
  steps.map((s) => ({ purpose: s.purpose, command: renderCommand(s.command, procedure.shell) }));

/** Every procedure with the customer's values, each rendered for its own shell. */
export function buildCustomerScripts(input: CustomerScriptInput): CustomerScripts {
  const built = buildSteps(input);
  const powershell = { shell: 'powershell' } as const;
  return {
    target: describeTarget(built.scopes, built.subscriptions),
    runAs: `Run as a user who is Owner or User Access Administrator on ${
      built.severalSubscriptions ? 'each of these subscriptions' : 'the subscription'
    }.`,
    procedures: PROCEDURES.map((procedure) => ({
      procedure,
      steps: rendered(procedure.tool === 'azPowerShell' ? built.azPowerShell : built.azureCli, procedure),
      troubleshooting: rendered(
        procedure.tool === 'azPowerShell' ? built.troubleshootingPs : built.troubleshootingCli,
        procedure,
      ),
    })),
    catchAll: rendered(built.catchAll, powershell),
    catchAllFallbacks: [
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
    ],
    removal: rendered(built.removal, powershell),
  };
}

/** The scripts for a recorded reinstatement once the partner group is known. */
export function customerScriptsFor(
  reinstatement: Pick<Reinstatement, 'customerTenantId'> & {
    scopes: readonly { scope: string }[];
    partnerGroupObjectId: string;
  },
  partnerGroupName: string,
): CustomerScripts {
  return buildCustomerScripts({
    customerTenantId: reinstatement.customerTenantId,
    scopes: reinstatement.scopes.map(({ scope }) => parseScope(scope)),
    partnerGroupObjectId: reinstatement.partnerGroupObjectId,
    partnerGroupName,
  });
}

/** One procedure of the scripts. */
export function procedureScripts(scripts: CustomerScripts, id: ProcedureId): ProcedureScripts {
  const found = scripts.procedures.find((p) => p.procedure.id === id);
  if (!found) throw new Error(`no procedure ${id}`);
  return found;
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

/** The header every file starts with: what it restores, who may run it, in which shell. */
function fileHeader(scripts: CustomerScripts, procedure: Procedure): string[] {
  return [
    `Restores your Microsoft partner's admin rights on ${scripts.target} (${procedure.label}).`,
    scripts.runAs,
  ];
}

/** A procedure as one file the customer can save and run. */
export function scriptFile(scripts: CustomerScripts, id: ProcedureId): ScriptFile {
  const { procedure, steps } = procedureScripts(scripts, id);
  return renderScriptFile(procedure, fileHeader(scripts, procedure), steps);
}

/**
 * Everything, as plain text: the Azure PowerShell procedure, the Azure CLI in Bash, troubleshooting,
 * the known errors, and the catch-all with its fallbacks.
 */
export function renderFullGuide(scripts: CustomerScripts): string {
  const section = (commands: ScriptCommand[], numbered: boolean) =>
    commands.flatMap((c, i) => ['', `# ${numbered ? `Step ${i + 1}: ` : ''}${c.purpose}`, c.command]);
  const powershell = procedureScripts(scripts, 'powershell');
  const bash = procedureScripts(scripts, 'cli-bash');
  const fallbacks = scripts.catchAllFallbacks.flatMap((f) => [
    '',
    `# If ${f.when}: ${f.advice}`,
    ...f.commands,
  ]);
  return [
    ...fileHeader(scripts, powershell.procedure).map((h) => `# ${h}`),
    ...section(powershell.steps, true),
    '',
    '# ---- Azure CLI alternative (Bash; the page has it for PowerShell and Command Prompt too) ----',
    ...section(bash.steps, true),
    '',
    '# ---- Troubleshooting ----',
    ...section(powershell.troubleshooting, false),
    ...section(bash.troubleshooting, false),
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
    ...section(scripts.catchAll, true),
    ...fallbacks,
    '',
    '# ---- To take the access back later, whenever you choose ----',
    ...section(scripts.removal, false),
    '',
  ].join('\n');
}
