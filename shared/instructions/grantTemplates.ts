import { OWNER_ROLE_DEFINITION_ID } from '../../lib/azure/builtInRoles';
import type { ScopeStatus } from '../model/reinstatement';

/**
 * The customer's one-click grant: ARM templates that create the Owner role assignment for the
 * partner's group as a ForeignGroup — the same assignment the scripts make and verification looks
 * for — at a subscription or at a resource group. The assignment's name is derived with guid() from
 * the scope, the group and the role, so deploying twice changes nothing (ARM's PUT is idempotent by
 * name). Committed as infra/customer-grant*.json (`npm run infra`); the app serves them per
 * reinstatement with the partner's values filled in, behind the instructions page's "Deploy to
 * Azure" links.
 * https://learn.microsoft.com/azure/role-based-access-control/role-assignments-template
 */
export type GrantTarget = 'subscription' | 'resourceGroup';

interface Defaults {
  partnerGroupObjectId?: string;
  partnerName?: string;
}

export function grantTemplate(target: GrantTarget, defaults: Defaults = {}): Record<string, unknown> {
  const scope = target === 'subscription' ? 'subscription().id' : 'resourceGroup().id';
  return {
    $schema:
      target === 'subscription'
        ? 'https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#'
        : 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#',
    contentVersion: '1.0.0.0',
    metadata: {
      description: `Grants Owner on this ${target === 'subscription' ? 'subscription' : 'resource group'} to your Microsoft CSP partner's admin group, a ForeignGroup of the partner's tenant. Remove it at any time under Access control (IAM).`,
    },
    parameters: {
      partnerGroupObjectId: {
        type: 'string',
        ...(defaults.partnerGroupObjectId ? { defaultValue: defaults.partnerGroupObjectId } : {}),
        metadata: {
          description: "Object id of the partner's admin group (AdminAgents) in the partner's tenant.",
        },
      },
      partnerName: {
        type: 'string',
        defaultValue: defaults.partnerName ?? 'your Microsoft partner',
        metadata: { description: "The partner's name, recorded in the assignment's description." },
      },
    },
    variables: { ownerRoleDefinitionId: OWNER_ROLE_DEFINITION_ID },
    resources: [
      {
        type: 'Microsoft.Authorization/roleAssignments',
        apiVersion: '2022-04-01',
        name: `[guid(${scope}, parameters('partnerGroupObjectId'), variables('ownerRoleDefinitionId'))]`,
        properties: {
          roleDefinitionId:
            "[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', variables('ownerRoleDefinitionId'))]",
          principalId: "[parameters('partnerGroupObjectId')]",
          principalType: 'ForeignGroup',
          description:
            "[concat('Admin rights for ', parameters('partnerName'), ', your Microsoft CSP partner')]",
        },
      },
    ],
    outputs: {
      roleAssignmentId: {
        type: 'string',
        value: `[extensionResourceId(${scope}, 'Microsoft.Authorization/roleAssignments', guid(${scope}, parameters('partnerGroupObjectId'), variables('ownerRoleDefinitionId')))]`,
      },
    },
  };
}

/** The portal's "Deploy to Azure" address for a template served at `templateUrl`. */
export function deployToAzureUrl(templateUrl: string): string {
  return `https://portal.azure.com/#create/Microsoft.Template/uri/${encodeURIComponent(templateUrl)}`;
}

/**
 * "Deploy to Azure" for each scope still pending that a template can grant (a subscription or a
 * resource group); `linkBase` is the customer's link (`.../api/c/<token>`).
 */
export function grantLinks(linkBase: string, scopes: ScopeStatus[]): { scope: string; url: string }[] {
  return scopes.flatMap((s, i) =>
    s.kind === 'resource' || s.status === 'Verified'
      ? []
      : [{ scope: s.scope, url: deployToAzureUrl(`${linkBase}/grant/${i + 1}`) }],
  );
}
