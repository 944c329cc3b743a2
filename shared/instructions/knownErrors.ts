import { english, translator, type MessageKey, type Translator } from '../i18n/translator';
import type { Language } from '../model/languages';
import { MINIMUM_AZ_RESOURCES_VERSION, MINIMUM_AZURE_CLI_VERSION } from './minimumVersions';

/**
 * The errors a customer's administrator can meet with the generated commands, each with its cause
 * and fix in plain words. The one table of them: the instructions page shows it (and finds an entry
 * from a pasted message), the scripts' troubleshooting part prints it, and verification's per-scope
 * diagnosis links to the entry it recognises.
 *
 * Each entry carries the message as Azure or Windows really printed it somewhere public, typos
 * included (`PrinciaplType` is Azure's spelling), with where it was printed: the patterns are tested
 * against those, never against a tidied copy. The message and the commands stay as Azure prints them
 * in every language; the tool, the cause and the fix are the catalogues' (`knownError.<id>.cause`).
 */
const KNOWN_ERROR_IDS = [
  'cli-foreign-group',
  'unmatched-principal-type',
  'authorization-failed',
  'deployment-not-allowed',
  'principal-not-found',
  'role-assignment-exists',
  'subscription-not-found',
  'cmd-unexpected',
  'module-in-use',
  'module-version-missing',
  'accounts-version',
  'owner-on-narrower-scope',
] as const;
type KnownErrorId = (typeof KNOWN_ERROR_IDS)[number];

/** Where the customer meets it: a product's name stays as it is; the others are words. */
type KnownErrorTool = 'cli' | 'powerShell' | 'cliOrPowerShell' | 'portal' | 'page';

interface KnownErrorEntry {
  /** Stable id, used as the page's anchor (`#known-<id>`) and its words' keys in the catalogues. */
  id: KnownErrorId;
  tool: KnownErrorTool;
  /** The message as the customer sees it (the characteristic part). */
  message: string;
  /** What identifies it in a pasted message (lower-cased, whitespace collapsed). */
  recognise: readonly RegExp[];
  /** Commands that carry the fix out, when there are any. */
  commands: readonly string[];
  /** Where the behaviour or the fix is documented. */
  source: string;
  /** The message as printed, verbatim, and where it was printed. */
  seenAs: readonly { text: string; source: string }[];
}

/** An entry with its words in one language. */
export interface KnownError extends Omit<KnownErrorEntry, 'tool'> {
  tool: string;
  cause: string;
  fix: string;
}

const ENTRIES: readonly KnownErrorEntry[] = [
  {
    id: 'cli-foreign-group',
    tool: 'cli',
    message: "'ForeignGroup' is not a valid value for '--assignee-principal-type'",
    recognise: [/'?foreigngroup'? is not a valid value for '?--assignee-principal-type/],
    commands: ['az upgrade', 'az version'],
    source: `https://learn.microsoft.com/cli/azure/release-notes-azure-cli (${MINIMUM_AZURE_CLI_VERSION}, Role)`,
    seenAs: [
      {
        text: "az role assignment create: 'ForeignGroup' is not a valid value for '--assignee-principal-type'. Allowed values: User, Group, ServicePrincipal.",
        source: 'https://github.com/Azure/azure-cli/issues/18616',
      },
    ],
  },
  {
    id: 'unmatched-principal-type',
    tool: 'cliOrPowerShell',
    message:
      "The PrincipalId '…' has type 'ForeignGroup' , which is different from specified PrinciaplType 'Group'",
    // Azure spells it PrinciaplType; the corrected spelling is accepted too, should Azure ever fix it.
    recognise: [
      /has type 'foreigngroup' ?, which is different from specified princi(?:apl|pal)type/,
      /unmatchedprincipaltype/,
    ],
    commands: ['Update-Module Az.Resources -Force', 'az upgrade'],
    source: 'https://learn.microsoft.com/azure/role-based-access-control/troubleshooting',
    seenAs: [
      {
        text: "New-AzRoleAssignment: The PrincipalId '*************************************' has type 'ForeignGroup' , which is different from specified PrinciaplType 'Group'.",
        source: 'https://github.com/Azure/azure-powershell/issues/14916',
      },
      {
        text: "The PrincipalId 'xxx' has type 'ForeignGroup' , which is different from specified PrinciaplType 'Group'",
        source: 'https://github.com/Azure/azure-cli/issues/18616',
      },
    ],
  },
  {
    id: 'authorization-failed',
    tool: 'cliOrPowerShell',
    message:
      "The client '…' with object id '…' does not have authorization to perform action 'Microsoft.Authorization/roleAssignments/write'",
    recognise: [
      /does not have authorization to perform action '?microsoft\.authorization\/roleassignments\/write/,
    ],
    commands: [],
    source: 'https://learn.microsoft.com/azure/role-based-access-control/elevate-access-global-admin',
    seenAs: [
      {
        text: "Status=403 Code=\"AuthorizationFailed\" Message=\"The client 'ed5eb828-25b9-42d5-af64-7282b4d1a781' with object id 'ed5eb828-25b9-42d5-af64-7282b4d1a781' does not have authorization to perform action 'Microsoft.Authorization/roleAssignments/write' over scope '/subscriptions/83bef7e9-cb2c-4a8f-91e5-bfeb97214469/resourceGroups/pikabytes-frontend/providers/Microsoft.Storage/storageAccounts/pikabytesmodules/providers/Microsoft.Authorization/roleAssignments/512a7fb8-2ef5-36af-50ae-502eea51ad52' or the scope is invalid. If access was recently granted, please refresh your credentials.\"",
        source: 'https://github.com/pulumi/pulumi-azure/issues/595',
      },
    ],
  },
  {
    id: 'deployment-not-allowed',
    tool: 'portal',
    message:
      "does not have authorization to perform action 'Microsoft.Resources/deployments/validate/action'",
    recognise: [
      /does not have authorization to perform action '?microsoft\.resources\/deployments\/(?:validate\/action|write)/,
    ],
    commands: [],
    source:
      'https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/privileged#user-access-administrator',
    seenAs: [
      {
        text: "The client 'utkarsh@xxxxxx.onmicrosoft.com' with object id '<GUID-xxxxx-xxxxx-xxxxx-xxxx>' does not have authorization to perform action 'Microsoft.Resources/deployments/validate/action' over scope '/providers/Microsoft.Resources/deployments/Microsoft.Template-20200716144824' or the scope is invalid. If access was recently granted, please refresh your credentials.",
        source: 'https://github.com/Azure/Enterprise-Scale/issues/69',
      },
    ],
  },
  {
    id: 'principal-not-found',
    tool: 'cliOrPowerShell',
    message: "PrincipalNotFound: Principal '…' does not exist in the directory '…'",
    recognise: [/principalnotfound/, /principal \S+ does not exist in the directory/],
    commands: [],
    source: 'https://learn.microsoft.com/azure/role-based-access-control/troubleshooting',
    seenAs: [
      {
        text: 'PrincipalNotFound\nPrincipal {principalId} does not exist in the directory {tenantId}. Check that you have the correct principal ID. If you are creating this principal and then immediately assigning a role, this error might be related to a replication delay. In this case, set the role assignment principalType property to a value, such as ServicePrincipal, User, or Group.  See https://aka.ms/docs-principaltype',
        source:
          'https://learn.microsoft.com/azure/role-based-access-control/troubleshooting (Symptom - Assigning a role to a new principal sometimes fails)',
      },
    ],
  },
  {
    id: 'role-assignment-exists',
    tool: 'cliOrPowerShell',
    message: 'RoleAssignmentExists: The role assignment already exists.',
    recognise: [/roleassignmentexists/, /the role assignment already exists/],
    commands: [],
    source: 'https://learn.microsoft.com/azure/role-based-access-control/troubleshooting',
    seenAs: [
      {
        text: 'Error: authorization.RoleAssignmentsClient#Create: Failure responding to request: StatusCode=409 -- Original Error: autorest/azure: Service returned an error. Status=409 Code="RoleAssignmentExists" Message="The role assignment already exists."',
        source: 'https://github.com/Pwd9000-ML/blog-devto (posts/2025/DevOps-Terraform-Idempotency)',
      },
    ],
  },
  {
    id: 'subscription-not-found',
    tool: 'cliOrPowerShell',
    message:
      "The subscription of '…' doesn't exist in cloud 'AzureCloud' / Please provide a valid tenant or a valid subscription",
    recognise: [
      /subscriptionnotfound/,
      /the subscription '?[0-9a-f-]{36}'? could not be found/,
      /the subscription of '[^']*' doesn't exist in cloud/,
      /please provide a valid tenant or a valid subscription/,
    ],
    commands: [
      'Connect-AzAccount -TenantId <your tenant id>',
      'Get-AzSubscription',
      'az login --tenant <your tenant id>',
      'az account list --output table',
    ],
    source: 'https://learn.microsoft.com/azure/azure-resource-manager/troubleshooting/error-not-found',
    seenAs: [
      {
        text: "The subscription of 'fy6kf4qan' doesn't exist in cloud 'AzureCloud'.",
        source: 'https://github.com/Azure/azure-cli/issues/16367',
      },
      {
        text: 'Set-AzureRmContext : Please provide a valid tenant or a valid subscription',
        source: 'https://github.com/Azure/azure-powershell/issues/9550',
      },
    ],
  },
  {
    id: 'cmd-unexpected',
    tool: 'cli',
    message: '… was unexpected at this time.',
    recognise: [/was unexpected at this time/],
    commands: [],
    source: 'https://learn.microsoft.com/cli/azure/use-azure-cli-successfully-quoting',
    seenAs: [
      {
        text: '--resource-group was unexpected at this time.',
        source: 'https://github.com/Azure/azure-cli/issues/14783',
      },
    ],
  },
  {
    id: 'module-in-use',
    tool: 'powerShell',
    message:
      "The version '…' of module 'Az.Resources' is currently in use. Retry the operation after closing the applications.",
    recognise: [/of module '?az\.(?:resources|accounts)'? is currently in use/],
    commands: [],
    source: 'https://learn.microsoft.com/powershell/module/powershellget/install-module',
    seenAs: [
      {
        text: "WARNING: The version '5.3.0' of module 'Az.Accounts' is currently in use. Retry the operation after closing the applications.",
        source: 'https://github.com/Azure/azure-powershell/issues/28774',
      },
    ],
  },
  {
    id: 'module-version-missing',
    tool: 'powerShell',
    message: `The specified module 'Az.Resources' with version '${MINIMUM_AZ_RESOURCES_VERSION}' was not loaded because no valid module file was found`,
    // PowerShell's wording for any module and version (Modules_ModuleWithVersionNotFound).
    recognise: [
      /the specified module '[^']*' with version '[^']*' was not loaded because no valid module file was found/,
    ],
    commands: ['Get-Module Az.Resources -ListAvailable', 'Update-Module Az.Resources -Force'],
    source: 'https://learn.microsoft.com/powershell/azure/install-azps-windows',
    seenAs: [
      {
        text: "Import-Module : The specified module 'AzureRM.RedisCache' with version '5.1.0' was not loaded because no valid module file was found in any module directory.",
        source: 'https://github.com/Azure/azure-powershell/issues/13406',
      },
    ],
  },
  {
    id: 'accounts-version',
    tool: 'powerShell',
    message:
      'This module requires Az.Accounts version … An earlier version of Az.Accounts is imported in the current PowerShell session.',
    recognise: [/requires az\.accounts version/, /earlier version of az\.accounts is imported/],
    commands: ['Update-Module Az.Accounts -Force'],
    source: 'https://learn.microsoft.com/powershell/azure/troubleshooting',
    seenAs: [
      {
        text: 'This module requires Az.Accounts version 2.12.5. An earlier version of Az.Accounts is imported in the current PowerShell session. Please open a new session before importing this module. This error could indicate that multiple incompatible versions of the Azure PowerShell cmdlets are installed on your system. Please see https://aka.ms/azps-version-error for troubleshooting information.',
        source: 'https://github.com/Azure-Player/azure.datafactory.devops/issues/149',
      },
    ],
  },
  {
    id: 'owner-on-narrower-scope',
    tool: 'page',
    message: 'Owner is assigned on resource group …, but this request is for the whole subscription',
    recognise: [/owner is assigned on resource group .*, but this request is for the whole subscription/],
    commands: [],
    source: 'https://learn.microsoft.com/azure/role-based-access-control/scope-overview',
    seenAs: [
      {
        text: 'Owner is assigned on resource group rg-one, but this request is for the whole subscription',
        source: 'this service: shared/adapters/arm/roleAssignmentVerifier.ts (a check\u2019s explanation)',
      },
    ],
  },
];

const VERSIONS = { cliVersion: MINIMUM_AZURE_CLI_VERSION, azResourcesVersion: MINIMUM_AZ_RESOURCES_VERSION };

const TOOL_KEYS: Record<KnownErrorTool, MessageKey> = {
  cli: 'knownError.tool.cli',
  powerShell: 'knownError.tool.powerShell',
  cliOrPowerShell: 'knownError.tool.cliOrPowerShell',
  portal: 'knownError.tool.portal',
  page: 'knownError.tool.page',
};

function inWords(entry: KnownErrorEntry, t: Translator): KnownError {
  return {
    ...entry,
    tool: t.text(TOOL_KEYS[entry.tool]),
    // Each id has its two keys in every catalogue (test/unit/catalogues.test.ts checks them).
    cause: t.text(`knownError.${entry.id}.cause` as MessageKey, VERSIONS),
    fix: t.text(`knownError.${entry.id}.fix` as MessageKey, VERSIONS),
  };
}

/** Every known error, its words in English. */
export const KNOWN_ERRORS: readonly KnownError[] = ENTRIES.map((entry) => inWords(entry, english()));

const byLanguage = new Map<Language, readonly KnownError[]>();

/** Every known error, its words in `language`. */
export function knownErrorsIn(language: Language): readonly KnownError[] {
  let found = byLanguage.get(language);
  if (!found) {
    found = ENTRIES.map((entry) => inWords(entry, translator(language)));
    byLanguage.set(language, found);
  }
  return found;
}

/** The catalogue keys the known errors' words need: `knownError.<id>.cause` and `.fix` for each. */
export const KNOWN_ERROR_KEYS: readonly string[] = KNOWN_ERROR_IDS.flatMap((id) => [
  `knownError.${id}.cause`,
  `knownError.${id}.fix`,
]);

const normalise = (text: string) => text.toLowerCase().replace(/\s+/g, ' ').trim();

/** The entries a pasted message matches, best first (at most 2,000 characters are read). */
export function findKnownErrors(pasted: string, language: Language = 'en'): readonly KnownError[] {
  const text = normalise(pasted.slice(0, 2000));
  if (!text) return [];
  return knownErrorsIn(language).filter((entry) => entry.recognise.some((pattern) => pattern.test(text)));
}

/** The entry verification's diagnosis points at, for a finding it recognises. */
export function knownErrorForFinding(
  finding: string,
  explanation: string,
  language: Language = 'en',
): KnownError | undefined {
  const entry = (id: KnownErrorId) => knownErrorsIn(language).find((e) => e.id === id);
  if (finding === 'narrower-scope' && /resource group/.test(explanation))
    return entry('owner-on-narrower-scope');
  if (finding === 'other-principal' && /must be ForeignGroup/.test(explanation))
    return entry('unmatched-principal-type');
  return undefined;
}
