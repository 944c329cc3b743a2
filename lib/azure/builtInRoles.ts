/**
 * Azure's built-in role definition ids: the same GUID in every tenant and subscription.
 * https://learn.microsoft.com/azure/role-based-access-control/built-in-roles
 */
export const BUILT_IN_ROLES = {
  Owner: '8e3af657-a8ff-443c-a75c-2fe8c4bcb635',
  Contributor: 'b24988ac-6180-42a0-ab88-20f7382dd24c',
  Reader: 'acdd72a7-3385-48ef-bd42-f606fba81ae7',
  'User Access Administrator': '18d7d88d-d35e-4fb5-a5c3-7773c20a72d9',
  // What the deployment template grants the app's managed identity (infra/azuredeploy.json).
  'Storage Blob Data Owner': 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b',
  'Storage Queue Data Contributor': '974c5e8b-45b9-4653-ba55-5f855dd0fb88',
  'Storage Table Data Contributor': '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3',
  'Key Vault Secrets User': '4633458b-17de-408a-b874-0445c86b69e6',
} as const;

/** The role the customer grants the partner group. */
export const OWNER_ROLE_DEFINITION_ID = BUILT_IN_ROLES.Owner;

/** A built-in role's name for a role definition id (a bare GUID or a full resource id), if it is one. */
export function builtInRoleName(roleDefinitionId: string): string | undefined {
  const guid = roleDefinitionId.toLowerCase().split('/').pop() ?? '';
  return Object.entries(BUILT_IN_ROLES).find(([, id]) => id === guid)?.[0];
}
