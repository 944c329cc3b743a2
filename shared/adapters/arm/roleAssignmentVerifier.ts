import { AuthorizationManagementClient } from '@azure/arm-authorization';
import { isRestError } from '@azure/core-rest-pipeline';
import type { AppConfig } from '../../config/appConfig';
import { scopeFor } from '../../../lib/azure/clouds';
import { isGuid } from '../../model/identifiers';
import { coversScope, parseScope, renderScope } from '../../model/scopes';
import { OWNER_ROLE_DEFINITION_ID } from '../../../lib/azure/builtInRoles';
import type { Credentials } from '../identity';
import { failureFor, type Failure } from '../outcomes';
import { tlsOptions } from '../tls';

export type ScopeCheck =
  | { kind: 'verified'; assignmentId: string; grantedAt: string }
  /** 401/403 (the partner cannot read there yet) or no qualifying assignment. */
  | { kind: 'notYet'; reason: string }
  | { kind: 'throttled'; retryAfterMs: number }
  | { kind: 'error'; failure: Failure };

export interface RoleAssignmentVerifier {
  verify(customerTenantId: string, scope: string, partnerGroupId: string): Promise<ScopeCheck>;
}

/**
 * Verifies with the partner's identity that the customer granted Owner to the partner group as a
 * ForeignGroup at the scope or above it: `roleAssignments.listForScope` with
 * `principalId eq '<group id>'` (which returns assignments at, above and below the scope).
 * https://learn.microsoft.com/rest/api/authorization/role-assignments/list-for-scope
 */
export class ArmRoleAssignmentVerifier implements RoleAssignmentVerifier {
  private readonly clients = new Map<string, AuthorizationManagementClient>();

  constructor(
    private readonly config: AppConfig,
    private readonly credentials: Credentials,
  ) {}

  private client(tenantId: string, subscriptionId: string): AuthorizationManagementClient {
    const key = `${tenantId}/${subscriptionId}`;
    let client = this.clients.get(key);
    if (!client) {
      client = new AuthorizationManagementClient(this.credentials.forTenant(tenantId), subscriptionId, {
        endpoint: this.config.cloud.arm,
        // `endpoint` would otherwise become the token scope; the audience names ARM itself.
        credentialScopes: [scopeFor(this.config.cloud.audiences.arm)],
        retryOptions: { maxRetries: 2, retryDelayInMs: 200, maxRetryDelayInMs: 5000 },
        ...tlsOptions(this.config),
      });
      this.clients.set(key, client);
    }
    return client;
  }

  async verify(customerTenantId: string, scopeId: string, partnerGroupId: string): Promise<ScopeCheck> {
    if (!isGuid(customerTenantId) || !isGuid(partnerGroupId))
      throw new Error('tenant and group ids must be GUIDs');
    const scope = parseScope(scopeId);
    const principalId = partnerGroupId.toLowerCase();
    const ownerSuffix = `/roledefinitions/${OWNER_ROLE_DEFINITION_ID}`;
    try {
      const iterator = this.client(customerTenantId, scope.subscriptionId).roleAssignments.listForScope(
        renderScope(scope),
        {
          filter: `principalId eq '${principalId}'`,
        },
      );
      for await (const assignment of iterator) {
        const qualifies =
          assignment.principalId?.toLowerCase() === principalId &&
          assignment.principalType === 'ForeignGroup' &&
          (assignment.roleDefinitionId ?? '').toLowerCase().endsWith(ownerSuffix) &&
          typeof assignment.scope === 'string' &&
          coversScope(assignment.scope, scope);
        if (qualifies) {
          return {
            kind: 'verified',
            assignmentId: assignment.id ?? '',
            grantedAt: (assignment.createdOn ?? new Date()).toString(),
          };
        }
      }
      return {
        kind: 'notYet',
        reason: 'no Owner assignment to the partner group as ForeignGroup at or above this scope',
      };
    } catch (error) {
      const status = isRestError(error) ? error.statusCode : undefined;
      if (status === 401 || status === 403)
        return {
          kind: 'notYet',
          reason: `ARM answered ${status}: the partner cannot read role assignments there yet`,
        };
      if (status === 404)
        return {
          kind: 'notYet',
          reason: 'ARM answered 404: the subscription or scope is not visible to the partner yet',
        };
      const retryAfter = isRestError(error) ? error.response?.headers.get('retry-after') : undefined;
      const failure = failureFor(
        status,
        `ARM role assignments: ${error instanceof Error ? error.message.slice(0, 200) : String(error)}`,
        retryAfter,
      );
      if (failure.kind === 'throttled') return { kind: 'throttled', retryAfterMs: failure.retryAfterMs };
      return { kind: 'error', failure };
    }
  }
}
