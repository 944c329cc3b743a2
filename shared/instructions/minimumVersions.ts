/** The oldest Az.Resources whose New-AzRoleAssignment passes `-ObjectType ForeignGroup` through. */
export const MINIMUM_AZ_RESOURCES_VERSION = '4.1.1';

/**
 * The oldest Azure CLI whose `az role assignment create` accepts `--assignee-principal-type
 * ForeignGroup`: its 2.28.0 release notes, Role: "Support `ForeignGroup` for
 * `--assignee-principal-type` (#19132)" (learn.microsoft.com/cli/azure/release-notes-azure-cli;
 * Azure/azure-cli#18616 is the report it fixed).
 */
export const MINIMUM_AZURE_CLI_VERSION = '2.28.0';
