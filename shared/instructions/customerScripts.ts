import { isGuid, normalizeGuid } from '../model/identifiers';
import { parseScope, renderScope, type Scope, type ScopeKind } from '../model/scopes';
import { ValidationError } from '../model/validationError';
import type { Reinstatement } from '../model/reinstatement';
import { translator, type MessageKey, type Translator } from '../i18n/translator';
import type { Language } from '../model/languages';
import { arg, renderCommand, type Command } from './commands';
import { knownErrorsIn } from './knownErrors';
import { MINIMUM_AZ_RESOURCES_VERSION, MINIMUM_AZURE_CLI_VERSION } from './minimumVersions';
import {
  PROCEDURES,
  procedureWords,
  type KnownProcedure,
  type Procedure,
  type ProcedureId,
  type ProcedureInWords,
} from './procedures';
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
  /** The language of every explanation and comment (English when absent); commands stay as they are. */
  language?: Language;
}

/** One thing to try when the previous one failed. */
export interface Fallback {
  when: string;
  advice: string;
  commands: string[];
}

/** One procedure (a tab on the page, a file to download) with the customer's values. */
export interface ProcedureScripts {
  procedure: KnownProcedure & ProcedureInWords;
  /** The grant, one command per step. */
  steps: ScriptCommand[];
  /** The assignment again with debug output written to a log, per scope, for Microsoft's support. */
  troubleshooting: ScriptCommand[];
}

export interface CustomerScripts {
  /** The language of the explanations and comments. */
  language: Language;
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

const SCOPE_WORDS: Record<ScopeKind, MessageKey> = {
  subscription: 'script.scope.subscription',
  resourceGroup: 'script.scope.resourceGroup',
  resource: 'script.scope.resource',
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
function buildSteps(input: CustomerScriptInput, t: Translator) {
  const { tenantId, objectId, scopes, groupName } = checkedInput(input);
  const groups = bySubscription(scopes);
  const severalSubscriptions = groups.length > 1;
  const contextWhy = t.text(
    severalSubscriptions ? 'script.step.selectNeededHere' : 'script.step.selectNeededIfSeveral',
  );
  const grant = (scope: Scope) =>
    t.text('script.step.grant', { groupName, where: t.text(SCOPE_WORDS[scope.kind]) });
  const which = (scope: Scope) =>
    scopes.length === 1
      ? t.text(SCOPE_WORDS[scope.kind])
      : t.text('script.scope.named', { where: t.text(SCOPE_WORDS[scope.kind]), scope: renderScope(scope) });
  const select = (subscriptionId: string) =>
    t.text('script.step.selectSubscription', { subscriptionId, why: contextWhy });
  const signIn = t.text('script.step.signIn');

  const connect: Step = {
    purpose: signIn,
    command: ps('Connect-AzAccount', '-TenantId', arg(tenantId)),
  };
  const assignmentsPs: Step[] = groups.flatMap(([subscriptionId, subScopes]) => [
    {
      purpose: select(subscriptionId),
      command: ps('Set-AzContext', '-SubscriptionId', arg(subscriptionId)),
    },
    ...subScopes.map((scope) => ({ purpose: grant(scope), command: newRoleAssignment(objectId, scope) })),
  ]);

  const azPowerShell: Step[] = [
    {
      purpose: t.text('script.step.updateModule', { version: MINIMUM_AZ_RESOURCES_VERSION }),
      command: ps('Update-Module', '-Name', 'Az.Resources', '-Force'),
    },
    connect,
    ...assignmentsPs,
  ];

  const azureCli: Step[] = [
    {
      purpose: t.text('script.step.checkCliVersion', { version: MINIMUM_AZURE_CLI_VERSION }),
      command: az('version'),
    },
    { purpose: signIn, command: az('login', '--tenant', arg(tenantId)) },
    ...groups.flatMap(([subscriptionId, subScopes]) => [
      {
        purpose: select(subscriptionId),
        command: az('account', 'set', '--subscription', arg(subscriptionId)),
      },
      ...subScopes.map((scope) => ({
        purpose: grant(scope),
        command: roleAssignmentCreate(objectId, scope),
      })),
    ]),
  ];

  // One log per scope, so that a second failure does not overwrite the first one's evidence.
  const logFile = (index: number) =>
    scopes.length === 1 ? 'newRoleAssignment.log' : `newRoleAssignment-${index + 1}.log`;
  const troubleshooting = (make: (objectId: string, scope: Scope) => Command): Step[] =>
    scopes.map((scope, index) => ({
      purpose: t.text('script.step.troubleshoot', { where: which(scope), logFile: logFile(index) }),
      command: { ...make(objectId, scope), debugLog: logFile(index) },
    }));

  const catchAll: Step[] = [
    {
      purpose: t.text('script.step.reinstallModule'),
      command: ps('Install-Module', '-Name', 'Az.Resources', '-Force', '-Verbose'),
    },
    {
      purpose: t.text('script.step.importModule', { version: MINIMUM_AZ_RESOURCES_VERSION }),
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
    purpose: t.text('script.step.remove', { where: which(scope) }),
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
  const language = input.language ?? 'en';
  const t = translator(language);
  const built = buildSteps(input, t);
  const powershell = { shell: 'powershell' } as const;
  return {
    language,
    target: describeTarget(built.scopes, built.subscriptions, t),
    runAs: t.text('script.runAs', { several: built.severalSubscriptions ? 'yes' : 'no' }),
    procedures: PROCEDURES.map((procedure) => ({
      procedure: { ...procedure, ...procedureWords(procedure, t) },
      steps: rendered(procedure.tool === 'azPowerShell' ? built.azPowerShell : built.azureCli, procedure),
      troubleshooting: rendered(
        procedure.tool === 'azPowerShell' ? built.troubleshootingPs : built.troubleshootingCli,
        procedure,
      ),
    })),
    catchAll: rendered(built.catchAll, powershell),
    catchAllFallbacks: [
      {
        when: t.text('script.fallback.inUse.when'),
        advice: t.text('script.fallback.inUse.advice'),
        commands: [],
      },
      {
        when: t.text('script.fallback.importFails.when'),
        advice: t.text('script.fallback.importFails.advice'),
        commands: ['Get-Module Az.Resources -ListAvailable'],
      },
      {
        when: t.text('script.fallback.versionMissing.when', { version: MINIMUM_AZ_RESOURCES_VERSION }),
        advice: t.text('script.fallback.versionMissing.advice'),
        commands: ['Update-Module Az.Resources -Force'],
      },
      {
        when: t.text('script.fallback.accounts.when'),
        advice: t.text('script.fallback.accounts.advice'),
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
  language: Language = 'en',
): CustomerScripts {
  return buildCustomerScripts({
    customerTenantId: reinstatement.customerTenantId,
    scopes: reinstatement.scopes.map(({ scope }) => parseScope(scope)),
    partnerGroupObjectId: reinstatement.partnerGroupObjectId,
    partnerGroupName,
    language,
  });
}

/** One procedure of the scripts. */
export function procedureScripts(scripts: CustomerScripts, id: ProcedureId): ProcedureScripts {
  const found = scripts.procedures.find((p) => p.procedure.id === id);
  if (!found) throw new Error(`no procedure ${id}`);
  return found;
}

function describeTarget(scopes: Scope[], subscriptions: number, t: Translator): string {
  const [first] = scopes;
  if (!first) return '';
  if (scopes.length === 1 && first.kind === 'subscription')
    return t.text('script.target.subscription', { subscriptionId: first.subscriptionId });
  const what = scopes.length === 1 ? first.kind : 'scopes';
  return subscriptions === 1
    ? t.text('script.target.inSubscription', {
        what,
        scopeCount: scopes.length,
        subscriptionId: first.subscriptionId,
      })
    : t.text('script.target.inSubscriptions', {
        what,
        scopeCount: scopes.length,
        subscriptionCount: subscriptions,
      });
}

/** The header every file starts with: what it restores, who may run it, in which shell. */
function fileHeader(scripts: CustomerScripts, procedure: ProcedureInWords): string[] {
  return [
    translator(scripts.language).text('script.header', {
      target: scripts.target,
      procedure: procedure.label,
    }),
    scripts.runAs,
  ];
}

/** A procedure as one file the customer can save and run, its comments in the scripts' language. */
export function scriptFile(scripts: CustomerScripts, id: ProcedureId): ScriptFile {
  const { procedure, steps } = procedureScripts(scripts, id);
  const t = translator(scripts.language);
  return renderScriptFile(procedure, fileHeader(scripts, procedure), steps, (number, purpose) =>
    t.text('script.step', { number, purpose }),
  );
}

/**
 * Everything, as plain text: the Azure PowerShell procedure, the Azure CLI in Bash, troubleshooting,
 * the known errors, and the catch-all with its fallbacks.
 */
export function renderFullGuide(scripts: CustomerScripts): string {
  const t = translator(scripts.language);
  const section = (commands: ScriptCommand[], numbered: boolean) =>
    commands.flatMap((c, i) => [
      '',
      `# ${numbered ? t.text('script.step', { number: i + 1, purpose: c.purpose }) : c.purpose}`,
      c.command,
    ]);
  const heading = (key: MessageKey) => ['', `# ---- ${t.text(key)} ----`];
  const powershell = procedureScripts(scripts, 'powershell');
  const bash = procedureScripts(scripts, 'cli-bash');
  const fallbacks = scripts.catchAllFallbacks.flatMap((f) => [
    '',
    `# ${t.text('script.guide.fallback', { when: f.when, advice: f.advice })}`,
    ...f.commands,
  ]);
  return [
    ...fileHeader(scripts, powershell.procedure).map((h) => `# ${h}`),
    ...section(powershell.steps, true),
    ...heading('script.guide.cliAlternative'),
    ...section(bash.steps, true),
    ...heading('script.guide.troubleshooting'),
    ...section(powershell.troubleshooting, false),
    ...section(bash.troubleshooting, false),
    ...heading('script.guide.knownErrors'),
    ...knownErrorsIn(scripts.language).flatMap((e) => [
      '',
      `# ${t.text('script.guide.ifYouSee', { tool: e.tool, message: e.message })}`,
      `#   ${t.text('script.guide.why', { cause: e.cause })}`,
      `#   ${t.text('script.guide.fix', { fix: e.fix })}`,
      ...e.commands.map((c) => `#   ${c}`),
    ]),
    ...heading('script.guide.catchAll'),
    ...section(scripts.catchAll, true),
    ...fallbacks,
    ...heading('script.guide.removal'),
    ...section(scripts.removal, false),
    '',
  ].join('\n');
}
