import { MINIMUM_AZ_RESOURCES_VERSION } from './minimumVersions';

/**
 * The errors a customer's administrator can meet with the generated commands, each with its cause
 * and fix in plain words. The one table of them: the instructions page shows it (and finds an entry
 * from a pasted message), the scripts' troubleshooting part prints it, and verification's per-scope
 * diagnosis links to the entry it recognises.
 */
export interface KnownError {
  /** Stable id, used as the page's anchor (`#known-<id>`). */
  id: string;
  tool: 'Azure CLI' | 'Azure PowerShell' | 'Azure CLI or PowerShell';
  /** The message as the customer sees it (the characteristic part). */
  message: string;
  /** What identifies it in a pasted message (lower-cased, whitespace collapsed). */
  recognise: readonly RegExp[];
  cause: string;
  fix: string;
  /** Commands that carry the fix out, when there are any. */
  commands: readonly string[];
  /** Where the behaviour is documented or reported. */
  source: string;
}

export const KNOWN_ERRORS: readonly KnownError[] = [
  {
    id: 'cli-foreign-group',
    tool: 'Azure CLI',
    message: "'ForeignGroup' is not a valid value for '--assignee-principal-type'",
    recognise: [/'?foreigngroup'? is not a valid value for '?--assignee-principal-type/],
    cause:
      'This Azure CLI is older than version 2.27: support for ForeignGroup principals was added in August 2021.',
    fix: 'Update the Azure CLI, then run the command again; or use the PowerShell commands instead.',
    commands: ['az upgrade', 'az version'],
    source: 'https://learn.microsoft.com/cli/azure/release-notes-azure-cli (2.27.0, role)',
  },
  {
    id: 'unmatched-principal-type',
    tool: 'Azure PowerShell',
    message:
      "The PrincipalId '…' has type 'ForeignGroup', which is different from specified PrincipalType 'Group'",
    recognise: [
      /has type 'foreigngroup' ?, which is different from specified principaltype/,
      /unmatchedprincipaltype/,
    ],
    cause:
      "The partner's group lives in the partner's tenant, so Azure knows it as a ForeignGroup. The command was run without -ObjectType ForeignGroup, or with an Az.Resources module too old to pass it.",
    fix: `Run the generated command exactly as written (it includes -ObjectType ForeignGroup). If it still fails, update Az.Resources to ${MINIMUM_AZ_RESOURCES_VERSION} or later.`,
    commands: ['Update-Module Az.Resources -Force'],
    source: 'https://learn.microsoft.com/azure/role-based-access-control/troubleshooting',
  },
  {
    id: 'authorization-failed',
    tool: 'Azure CLI or PowerShell',
    message:
      "The client '…' with object id '…' does not have authorization to perform action 'Microsoft.Authorization/roleAssignments/write'",
    recognise: [
      /does not have authorization to perform action '?microsoft\.authorization\/roleassignments\/write/,
      /authorizationfailed/,
    ],
    cause:
      'The account you signed in with is not Owner or User Access Administrator of this subscription, so it may not grant roles on it.',
    fix: "Sign in as an Owner or User Access Administrator of the subscription (see who is, in the Azure portal under the subscription's Access control (IAM) > Role assignments). A Global administrator can give themselves that right first with Microsoft Entra ID > Properties > Access management for Azure resources.",
    commands: [],
    source: 'https://learn.microsoft.com/azure/role-based-access-control/elevate-access-global-admin',
  },
  {
    id: 'principal-not-found',
    tool: 'Azure CLI or PowerShell',
    message: "PrincipalNotFound: Principal '…' does not exist in the directory '…'",
    recognise: [
      /principalnotfound/,
      /principal [0-9a-f-]{36} does not exist in the directory/,
      /does not exist in the directory/,
    ],
    cause:
      "Azure has not yet seen the partner's group in your directory: right after the partner's group changed this is a replication delay; without -ObjectType ForeignGroup (or --assignee-principal-type ForeignGroup) Azure looks for it in your own directory.",
    fix: 'Wait five minutes, then run the generated command again exactly as written.',
    commands: [],
    source: 'https://learn.microsoft.com/azure/role-based-access-control/troubleshooting',
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
  },
  {
    id: 'subscription-not-found',
    tool: 'Azure CLI or PowerShell',
    message: "SubscriptionNotFound: The subscription '…' could not be found",
    recognise: [
      /subscriptionnotfound/,
      /the subscription '?[0-9a-f-]{36}'? could not be found/,
      /subscription .* doesn't exist in cloud/,
      /please provide a valid tenant or a valid subscription/,
      /subscription .* was not found/,
    ],
    cause: 'You are signed in to another tenant, or with an account that cannot see this subscription.',
    fix: 'Sign in to your own tenant (the first command of the script does it with your tenant id), then list the subscriptions your account sees and check that this one is among them.',
    commands: [
      'Connect-AzAccount -TenantId <your tenant id>',
      'Get-AzSubscription',
      'az login --tenant <your tenant id>',
      'az account list --output table',
    ],
    source: 'https://learn.microsoft.com/azure/azure-resource-manager/troubleshooting/error-not-found',
  },
  {
    id: 'module-in-use',
    tool: 'Azure PowerShell',
    message: "Module 'Az.Resources' is currently in use",
    recognise: [
      /module '?az\.(resources|accounts)'? is currently in use/,
      /currently in use\. retry the operation/,
    ],
    cause: 'A PowerShell session still has the module loaded, so it cannot be replaced.',
    fix: 'Close every PowerShell window, open a new one, and start again.',
    commands: [],
    source: 'https://learn.microsoft.com/powershell/module/powershellget/install-module',
  },
  {
    id: 'module-version-missing',
    tool: 'Azure PowerShell',
    message: `The specified module 'Az.Resources' with version '${MINIMUM_AZ_RESOURCES_VERSION}' was not loaded because no valid module file was found`,
    recognise: [
      /the specified module '?az\.resources'? .*was not loaded because no valid module file was found/,
    ],
    cause: `Az.Resources ${MINIMUM_AZ_RESOURCES_VERSION} or later is not installed on this computer.`,
    fix: 'See which versions are installed, update the module, then start again.',
    commands: ['Get-Module Az.Resources -ListAvailable', 'Update-Module Az.Resources -Force'],
    source: 'https://learn.microsoft.com/powershell/azure/install-azps-windows',
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
  },
  {
    id: 'owner-on-narrower-scope',
    tool: 'Azure CLI or PowerShell',
    message: 'Owner is assigned on resource group …, but this request is for the whole subscription',
    recognise: [/owner is assigned on resource group .*, but this request is for the whole subscription/],
    cause:
      'The command was run for a resource group (-ResourceGroupName or a --scope of a group) instead of the whole subscription. Your partner found the grant there.',
    fix: 'Run the generated command for the subscription as written, without naming a resource group.',
    commands: [],
    source: 'https://learn.microsoft.com/azure/role-based-access-control/scope-overview',
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
