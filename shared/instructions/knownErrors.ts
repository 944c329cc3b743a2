import { MINIMUM_AZ_RESOURCES_VERSION, MINIMUM_AZURE_CLI_VERSION } from './minimumVersions';

/**
 * The errors a customer's administrator can meet with the generated commands, each with its cause
 * and fix in plain words. The one table of them: the instructions page shows it (and finds an entry
 * from a pasted message), the scripts' troubleshooting part prints it, and verification's per-scope
 * diagnosis links to the entry it recognises.
 *
 * Each entry carries the message as Azure or Windows really printed it somewhere public, typos
 * included (`PrinciaplType` is Azure's spelling), with where it was printed: the patterns are tested
 * against those, never against a tidied copy.
 */
export interface KnownError {
  /** Stable id, used as the page's anchor (`#known-<id>`). */
  id: string;
  tool: 'Azure CLI' | 'Azure PowerShell' | 'Azure CLI or PowerShell' | 'Azure portal' | 'This page';
  /** The message as the customer sees it (the characteristic part). */
  message: string;
  /** What identifies it in a pasted message (lower-cased, whitespace collapsed). */
  recognise: readonly RegExp[];
  cause: string;
  fix: string;
  /** Commands that carry the fix out, when there are any. */
  commands: readonly string[];
  /** Where the behaviour or the fix is documented. */
  source: string;
  /** The message as printed, verbatim, and where it was printed. */
  seenAs: readonly { text: string; source: string }[];
}

export const KNOWN_ERRORS: readonly KnownError[] = [
  {
    id: 'cli-foreign-group',
    tool: 'Azure CLI',
    message: "'ForeignGroup' is not a valid value for '--assignee-principal-type'",
    recognise: [/'?foreigngroup'? is not a valid value for '?--assignee-principal-type/],
    cause: `This Azure CLI is older than version ${MINIMUM_AZURE_CLI_VERSION}, the first that accepts ForeignGroup principals.`,
    fix: 'Update the Azure CLI, then run the command again; or use the Azure PowerShell commands instead.',
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
    tool: 'Azure CLI or PowerShell',
    message:
      "The PrincipalId '…' has type 'ForeignGroup' , which is different from specified PrinciaplType 'Group'",
    // Azure spells it PrinciaplType; the corrected spelling is accepted too, should Azure ever fix it.
    recognise: [
      /has type 'foreigngroup' ?, which is different from specified princi(?:apl|pal)type/,
      /unmatchedprincipaltype/,
    ],
    cause:
      "The partner's group lives in the partner's tenant, so Azure knows it as a ForeignGroup. The command was run without the ForeignGroup type (-ObjectType ForeignGroup, or --assignee-principal-type ForeignGroup), or with a tool too old to pass it.",
    fix: `Run the generated command exactly as written: it names the type. If it still fails, update Az.Resources to ${MINIMUM_AZ_RESOURCES_VERSION} or later, or the Azure CLI to ${MINIMUM_AZURE_CLI_VERSION} or later.`,
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
    tool: 'Azure CLI or PowerShell',
    message:
      "The client '…' with object id '…' does not have authorization to perform action 'Microsoft.Authorization/roleAssignments/write'",
    recognise: [
      /does not have authorization to perform action '?microsoft\.authorization\/roleassignments\/write/,
    ],
    cause:
      'The account you signed in with is not Owner or User Access Administrator of this subscription, so it may not grant roles on it.',
    fix: "Sign in as an Owner or User Access Administrator of the subscription (see who is, in the Azure portal under the subscription's Access control (IAM) > Role assignments). A Global administrator can give themselves that right first with Microsoft Entra ID > Properties > Access management for Azure resources.",
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
    tool: 'Azure portal',
    message:
      "does not have authorization to perform action 'Microsoft.Resources/deployments/validate/action'",
    recognise: [
      /does not have authorization to perform action '?microsoft\.resources\/deployments\/(?:validate\/action|write)/,
    ],
    cause:
      '"Deploy to Azure" runs a template deployment, which needs Microsoft.Resources/deployments/validate/action and /write. An Owner has them; a User Access Administrator, who may otherwise grant roles, does not.',
    fix: 'Use the Azure PowerShell or Azure CLI commands on this page: they make the same grant and need only the right to assign roles. Or ask an Owner of the subscription to use "Deploy to Azure".',
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
    tool: 'Azure CLI or PowerShell',
    message: "PrincipalNotFound: Principal '…' does not exist in the directory '…'",
    recognise: [/principalnotfound/, /principal \S+ does not exist in the directory/],
    cause:
      "Azure has not yet seen the partner's group in your directory: right after the partner's group changed this is a replication delay; without the ForeignGroup type Azure looks for it in your own directory.",
    fix: 'Wait five minutes, then run the generated command again exactly as written.',
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
    tool: 'Azure CLI or PowerShell',
    message: 'RoleAssignmentExists: The role assignment already exists.',
    recognise: [/roleassignmentexists/, /the role assignment already exists/],
    cause: 'The assignment is already there: it was made before, perhaps by a colleague.',
    fix: "Nothing to do: press \u201cI've done it\u201d on this page so that your partner checks it now.",
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
    tool: 'Azure CLI or PowerShell',
    message:
      "The subscription of '…' doesn't exist in cloud 'AzureCloud' / Please provide a valid tenant or a valid subscription",
    recognise: [
      /subscriptionnotfound/,
      /the subscription '?[0-9a-f-]{36}'? could not be found/,
      /the subscription of '[^']*' doesn't exist in cloud/,
      /please provide a valid tenant or a valid subscription/,
    ],
    cause: 'You are signed in to another tenant, or with an account that cannot see this subscription.',
    fix: 'Sign in to your own tenant (the sign-in command of the script does it with your tenant id), then list the subscriptions your account sees and check that this one is among them.',
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
    tool: 'Azure CLI',
    message: '… was unexpected at this time.',
    recognise: [/was unexpected at this time/],
    cause:
      'The Command Prompt read part of a value as its own syntax: on Windows, az is a batch file (az.cmd), and a value with parentheses or & that reaches it without double quotes breaks it. It happens when a command is retyped, or copied from a tab for another shell.',
    fix: 'Copy the command from the tab for the shell you use (Command Prompt, or PowerShell), or download that tab\u2019s file: there every value is quoted for that shell.',
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
    tool: 'Azure PowerShell',
    message:
      "The version '…' of module 'Az.Resources' is currently in use. Retry the operation after closing the applications.",
    recognise: [/of module '?az\.(?:resources|accounts)'? is currently in use/],
    cause: 'A PowerShell session still has the module loaded, so it cannot be replaced.',
    fix: 'Close every PowerShell window, open a new one, and start again.',
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
    tool: 'Azure PowerShell',
    message: `The specified module 'Az.Resources' with version '${MINIMUM_AZ_RESOURCES_VERSION}' was not loaded because no valid module file was found`,
    // PowerShell's wording for any module and version (Modules_ModuleWithVersionNotFound).
    recognise: [
      /the specified module '[^']*' with version '[^']*' was not loaded because no valid module file was found/,
    ],
    cause: `The module at the version asked for is not installed on this computer: these commands need Az.Resources ${MINIMUM_AZ_RESOURCES_VERSION} or later.`,
    fix: 'See which versions are installed, update the module, then start again.',
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
    tool: 'Azure PowerShell',
    message:
      'This module requires Az.Accounts version … An earlier version of Az.Accounts is imported in the current PowerShell session.',
    recognise: [/requires az\.accounts version/, /earlier version of az\.accounts is imported/],
    cause: 'Az.Resources needs a newer Az.Accounts than the one loaded in this session.',
    fix: 'Update Az.Accounts, close PowerShell, open a new window and start again.',
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
    tool: 'This page',
    message: 'Owner is assigned on resource group …, but this request is for the whole subscription',
    recognise: [/owner is assigned on resource group .*, but this request is for the whole subscription/],
    cause:
      'The command was run for a resource group (-ResourceGroupName or a --scope of a group) instead of the whole subscription. Your partner found the grant there.',
    fix: 'Run the generated command for the subscription as written, without naming a resource group.',
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

const normalise = (text: string) => text.toLowerCase().replace(/\s+/g, ' ').trim();

/** The entries a pasted message matches, best first (at most 2,000 characters are read). */
export function findKnownErrors(pasted: string): KnownError[] {
  const text = normalise(pasted.slice(0, 2000));
  if (!text) return [];
  return KNOWN_ERRORS.filter((entry) => entry.recognise.some((pattern) => pattern.test(text)));
}

/** The entry verification's diagnosis points at, for a finding it recognises. */
export function knownErrorForFinding(finding: string, explanation: string): KnownError | undefined {
  if (finding === 'narrower-scope' && /resource group/.test(explanation))
    return KNOWN_ERRORS.find((e) => e.id === 'owner-on-narrower-scope');
  if (finding === 'other-principal' && /must be ForeignGroup/.test(explanation))
    return KNOWN_ERRORS.find((e) => e.id === 'unmatched-principal-type');
  return undefined;
}
