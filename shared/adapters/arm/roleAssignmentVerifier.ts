import { AuthorizationManagementClient, type RoleAssignment } from '@azure/arm-authorization';
import { createPipelineRequest, isRestError } from '@azure/core-rest-pipeline';
import { builtInRoleName, OWNER_ROLE_DEFINITION_ID } from '../../../lib/azure/builtInRoles';
import { scopeFor } from '../../../lib/azure/clouds';
import type { AppConfig } from '../../config/appConfig';
import { isGuid } from '../../model/identifiers';
import type { ScopeFinding } from '../../model/reinstatement';
import { coversScope, parseScope, renderScope, type Scope } from '../../model/scopes';
import type { TokenCredential } from '@azure/identity';
import { identityErrorFrom, type IdentityProblem } from '../identity/entraErrors';
import { microsoftApiTelemetry } from '../../telemetry/microsoftApiSpans';
import { failureFor, type Failure } from '../outcomes';
import { tlsOptions } from '../../../lib/azure/tls';
import { errorMessage } from '../../../lib/errors';

export type ScopeCheck =
  | { kind: 'verified'; assignmentId: string; grantedAt: string; explanation: string }
  /** Not granted (yet): what was found instead, in words the customer can act on. */
  | {
      kind: 'missing';
      finding: Exclude<ScopeFinding, 'verified' | 'could-not-check' | 'partner-identity'>;
      explanation: string;
    }
  /** The verification identity could not get a token in the customer's tenant: the partner must act. */
  | { kind: 'identity'; problem: IdentityProblem; explanation: string }
  | { kind: 'throttled'; retryAfterMs: number; explanation: string }
  | { kind: 'error'; failure: Failure; explanation: string };

export interface RoleAssignmentVerifier {
  verify(customerTenantId: string, scope: string, partnerGroupId: string): Promise<ScopeCheck>;
}

const SCOPE_WORDS: Record<Scope['kind'], string> = {
  subscription: 'the whole subscription',
  resourceGroup: 'the resource group',
  resource: 'the resource',
};
/** Resource groups looked at when looking for a grant made below a requested subscription. */
const MAX_GROUPS_EXAMINED = 20;

/**
 * Verifies with the partner's identity that the customer granted Owner to the partner group as a
 * ForeignGroup at the scope or above it: `roleAssignments.listForScope` with
 * `principalId eq '<group id>'`, which returns the principal's assignments at, above and below the
 * scope (https://learn.microsoft.com/rest/api/authorization/role-assignments/list-for-scope).
 *
 * When the grant is not there, it says what is: Owner granted only lower down (found through the
 * resource groups the partner can see, `GET /subscriptions/{id}/resourcegroups`, which ARM filters
 * by the caller's access: https://learn.microsoft.com/rest/api/resources/resource-groups/list), a
 * weaker role, Owner granted to someone else, or nothing visible at all.
 */
export class ArmRoleAssignmentVerifier implements RoleAssignmentVerifier {
  private readonly clients = new Map<string, AuthorizationManagementClient>();

  /**
   * `tokensIn` gives the verification identity in a customer's tenant: the partner user's delegated
   * tokens (Secure Application Model) or the app's own (app-only), see docs/IDENTITY.md.
   */
  constructor(
    private readonly config: AppConfig,
    private readonly tokensIn: (tenantId: string) => TokenCredential,
  ) {}

  private client(tenantId: string, subscriptionId: string): AuthorizationManagementClient {
    const key = `${tenantId}/${subscriptionId}`;
    let client = this.clients.get(key);
    if (!client) {
      client = new AuthorizationManagementClient(this.tokensIn(tenantId), subscriptionId, {
        endpoint: this.config.cloud.arm,
        // `endpoint` would otherwise become the token scope; the audience names ARM itself.
        credentialScopes: [scopeFor(this.config.cloud.audiences.arm)],
        // No waiting inside the call: throttling is reported and waited out by the caller.
        retryOptions: { maxRetries: 0 },
        ...tlsOptions(this.config.identity.caFile),
        ...microsoftApiTelemetry('ARM'),
      });
      this.clients.set(key, client);
    }
    return client;
  }

  async verify(customerTenantId: string, scopeId: string, partnerGroupId: string): Promise<ScopeCheck> {
    if (!isGuid(customerTenantId) || !isGuid(partnerGroupId))
      throw new Error('tenant and group ids must be GUIDs');
    const scope = parseScope(scopeId);
    const client = this.client(customerTenantId, scope.subscriptionId);
    const principalId = partnerGroupId.toLowerCase();
    try {
      const mine = await list(client, renderScope(scope), `principalId eq '${principalId}'`);
      const grant = mine.find((a) => isOwnerGrant(a, principalId) && coversScope(a.scope ?? '', scope));
      if (grant)
        return {
          kind: 'verified',
          assignmentId: grant.id ?? '',
          grantedAt: (grant.createdOn ?? new Date()).toString(),
          explanation: `Owner is granted to the partner group on ${describeScope(grant.scope ?? '')}`,
        };
      return (
        explainOwnGrants(mine, scope, principalId, 'narrower') ??
        (await this.explainOthers(client, scope, principalId, mine)) ??
        explainOwnGrants(mine, scope, principalId, 'covering') ?? {
          kind: 'missing',
          finding: 'no-access',
          explanation: 'no Owner assignment for the partner group at or above this scope yet',
        }
      );
    } catch (error) {
      const identity = identityErrorFrom(error, {
        tenantId: customerTenantId,
        clientId: this.config.identity.clientId,
        partnerGroupName: this.config.partner.groupName,
      });
      if (identity?.problem === 'tenant-not-found')
        return { kind: 'missing', finding: 'not-found', explanation: identity.explanation };
      if (identity) return { kind: 'identity', problem: identity.problem, explanation: identity.explanation };
      const status = isRestError(error) ? error.statusCode : undefined;
      if (status === 401 || status === 403)
        return (
          (await this.explainBelow(client, scope, principalId)) ?? {
            kind: 'missing',
            finding: 'no-access',
            explanation:
              'no access yet: the Owner role assignment for the partner group has not been made here, or has not reached Azure yet',
          }
        );
      if (status === 404)
        return {
          kind: 'missing',
          finding: 'not-found',
          explanation: `${describeScope(renderScope(scope))} was not found in the customer's tenant: check the id`,
        };
      return unavailable(error, status);
    }
  }

  /** The partner can read here but holds no Owner: is Owner granted to another principal? */
  private async explainOthers(
    client: AuthorizationManagementClient,
    scope: Scope,
    principalId: string,
    mine: RoleAssignment[],
  ): Promise<ScopeCheck | undefined> {
    const atScope = await list(client, renderScope(scope), 'atScope()').catch(() => []);
    const owner = atScope.find(
      (a) =>
        isOwner(a) &&
        (a.principalId ?? '').toLowerCase() !== principalId &&
        coversScope(a.scope ?? '', scope),
    );
    if (!owner) return undefined;
    const own = mine.find((a) => coversScope(a.scope ?? '', scope));
    const has = own
      ? `; the partner group has ${builtInRoleName(own.roleDefinitionId ?? '') ?? 'a custom role'}`
      : '';
    return {
      kind: 'missing',
      finding: 'other-principal',
      explanation: `Owner is assigned to another principal (${owner.principalId}, ${owner.principalType}), not to the partner group (${principalId})${has}`,
    };
  }

  /**
   * The partner cannot read at the requested subscription: perhaps Owner was granted on some of its
   * resource groups only. ARM lists only the groups the caller can read, and each is then examined.
   */
  private async explainBelow(
    client: AuthorizationManagementClient,
    scope: Scope,
    principalId: string,
  ): Promise<ScopeCheck | undefined> {
    if (scope.kind !== 'subscription') return undefined;
    let groups: string[];
    try {
      const response = await client.sendRequest(
        createPipelineRequest({
          url: `${this.config.cloud.arm.replace(/\/+$/, '')}/subscriptions/${scope.subscriptionId}/resourcegroups?api-version=2021-04-01`,
          method: 'GET',
        }),
      );
      if (response.status !== 200) return undefined;
      const body = JSON.parse(response.bodyAsText ?? '{}') as { value?: { name?: unknown }[] };
      groups = (body.value ?? []).map((g) => g.name).filter((n): n is string => typeof n === 'string');
    } catch {
      return undefined;
    }
    for (const group of groups.slice(0, MAX_GROUPS_EXAMINED)) {
      const at = `/subscriptions/${scope.subscriptionId}/resourceGroups/${group}`;
      const mine = await list(client, at, `principalId eq '${principalId}'`).catch(() => []);
      if (mine.some((a) => isOwnerGrant(a, principalId)))
        return {
          kind: 'missing',
          finding: 'narrower-scope',
          explanation: `Owner is assigned on resource group ${group}, but this request is for the whole subscription`,
        };
    }
    return undefined;
  }
}

async function list(
  client: AuthorizationManagementClient,
  scope: string,
  filter: string,
): Promise<RoleAssignment[]> {
  const found: RoleAssignment[] = [];
  for await (const assignment of client.roleAssignments.listForScope(scope, { filter }))
    found.push(assignment);
  return found;
}

const isOwner = (a: RoleAssignment) =>
  (a.roleDefinitionId ?? '').toLowerCase().endsWith(`/roledefinitions/${OWNER_ROLE_DEFINITION_ID}`);

const isOwnerGrant = (a: RoleAssignment, principalId: string) =>
  isOwner(a) && (a.principalId ?? '').toLowerCase() === principalId && a.principalType === 'ForeignGroup';

/**
 * What the partner group's own assignments say, when none of them is the grant: Owner granted only
 * below the scope (`narrower`), or a role other than Owner, or Owner as the wrong type (`covering`).
 */
function explainOwnGrants(
  mine: RoleAssignment[],
  scope: Scope,
  principalId: string,
  look: 'narrower' | 'covering',
): ScopeCheck | undefined {
  if (look === 'narrower') {
    const below = mine.find((a) => isOwnerGrant(a, principalId) && !coversScope(a.scope ?? '', scope));
    return below
      ? {
          kind: 'missing',
          finding: 'narrower-scope',
          explanation: `Owner is assigned on ${describeScope(below.scope ?? '')}, but this request is for ${SCOPE_WORDS[scope.kind]}`,
        }
      : undefined;
  }
  const covering = mine.filter((a) => coversScope(a.scope ?? '', scope));
  const ownerAsOther = covering.find((a) => isOwner(a));
  if (ownerAsOther)
    return {
      kind: 'missing',
      finding: 'other-principal',
      explanation: `Owner is assigned to the partner group's id as ${ownerAsOther.principalType}; it must be ForeignGroup`,
    };
  const weaker = covering[0];
  if (weaker) {
    const role = builtInRoleName(weaker.roleDefinitionId ?? '') ?? 'a custom role';
    return {
      kind: 'missing',
      finding: 'wrong-role',
      explanation: `the role assigned is ${role}; Owner is needed`,
    };
  }
  return undefined;
}

/** `/subscriptions/x/resourceGroups/rg-one` → "resource group rg-one", and so on. */
function describeScope(id: string): string {
  try {
    const scope = parseScope(id);
    if (scope.kind === 'subscription') return `subscription ${scope.subscriptionId}`;
    if (scope.kind === 'resourceGroup') return `resource group ${scope.resourceGroup}`;
    return `resource ${scope.path.map((p) => p.name).join('/')} in resource group ${scope.resourceGroup}`;
  } catch {
    return id;
  }
}

function unavailable(error: unknown, status: number | undefined): ScopeCheck {
  const retryAfter = isRestError(error) ? error.response?.headers.get('retry-after') : undefined;
  const failure = failureFor(
    status,
    `ARM role assignments: ${errorMessage(error).slice(0, 200)}`,
    retryAfter,
  );
  const explanation = `could not check: Azure ${status ? `answered ${status}` : 'did not answer'}; it is checked again later`;
  return failure.kind === 'throttled'
    ? { kind: 'throttled', retryAfterMs: failure.retryAfterMs, explanation }
    : { kind: 'error', failure, explanation };
}
