/** The oldest Az.Resources whose New-AzRoleAssignment passes `-ObjectType ForeignGroup` through. */
export const MINIMUM_AZ_RESOURCES_VERSION = '4.1.1';
