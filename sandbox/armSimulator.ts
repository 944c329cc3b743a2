import type { TokenClaims, TokenSigner } from './jwt';
import type { RoleAssignment, SandboxState } from './state';
import { armError, bearer, json, parseJson, type SimRequest } from './httpUtil';

/**
 * Azure Resource Manager role assignments, api-version 2022-04-01:
 *   GET    {scope}/providers/Microsoft.Authorization/roleAssignments?$filter=...   (list for scope)
 *   PUT    {scope}/providers/Microsoft.Authorization/roleAssignments/{name}       (create)
 *   GET    {scope}/providers/Microsoft.Authorization/roleAssignments/{name}
 *   DELETE {scope}/providers/Microsoft.Authorization/roleAssignments/{name}
 * https://learn.microsoft.com/rest/api/authorization/role-assignments
 * Listing with `principalId eq '{id}'` returns the principal's assignments at, above and below the
 * scope; `atScope()` those at and above it. Errors use ARM's `{ "error": { "code", "message" } }`.
 */
const PROVIDER = '/providers/Microsoft.Authorization/roleAssignments';
export const API_VERSION = '2022-04-01';

const lower = (s: string) => s.toLowerCase().replace(/\/+$/, '');

function toResource(a: RoleAssignment) {
  return {
    properties: {
      roleDefinitionId: a.roleDefinitionId,
      principalId: a.principalId,
      principalType: a.principalType,
      scope: a.scope,
      condition: null,
      conditionVersion: null,
      createdOn: a.createdOn,
      updatedOn: a.createdOn,
      createdBy: null,
      updatedBy: null,
      delegatedManagedIdentityResourceId: null,
      description: null,
    },
    id: a.id,
    type: 'Microsoft.Authorization/roleAssignments',
    name: a.name,
  };
}

export function handleArm(
  sim: SimRequest,
  state: SandboxState,
  signer: TokenSigner,
  audiences: string[],
): boolean {
  if (/^\/subscriptions\/[^/]+\/resourcegroups$/i.test(sim.path))
    return listResourceGroups(sim, state, signer, audiences);
  const at = sim.path.toLowerCase().indexOf(PROVIDER.toLowerCase());
  if (!sim.path.toLowerCase().startsWith('/subscriptions/') || at < 0) return false;
  const scope = sim.path.slice(0, at);
  const name = sim.path.slice(at + PROVIDER.length).replace(/^\//, '');
  const subscriptionId = (scope.split('/')[2] ?? '').toLowerCase();

  if (sim.url.searchParams.get('api-version') !== API_VERSION) {
    armError(
      sim.res,
      400,
      'InvalidApiVersionParameter',
      `The api-version '${sim.url.searchParams.get('api-version')}' is invalid. The supported versions are '${API_VERSION}'.`,
    );
    return true;
  }
  const claims = signer.verify(bearer(sim.req) ?? '', audiences);
  if (!claims) {
    armError(sim.res, 401, 'InvalidAuthenticationToken', 'The access token is invalid.');
    return true;
  }
  const customer = state.customerOfSubscription(subscriptionId);
  if (!customer) {
    armError(
      sim.res,
      404,
      'SubscriptionNotFound',
      `The subscription '${subscriptionId}' could not be found.`,
    );
    return true;
  }
  if (claims.tid !== customer.tenantId.toLowerCase()) {
    armError(
      sim.res,
      401,
      'InvalidAuthenticationTokenTenant',
      `The access token is from the wrong issuer. It must match the tenant associated with this subscription.`,
    );
    return true;
  }
  const isCustomerAdmin = claims.appid === customer.admin.clientId;
  const denied = (action: string) =>
    armError(
      sim.res,
      403,
      'AuthorizationFailed',
      `The client '${claims.appid}' with object id '${claims.oid}' does not have authorization to perform action '${action}' over scope '${scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
    );

  if (!name && sim.method === 'GET') {
    if (!isCustomerAdmin && !canRead(state, claims, scope)) {
      denied('Microsoft.Authorization/roleAssignments/read');
      return true;
    }
    const filter = sim.url.searchParams.get('$filter') ?? '';
    const principal = /principalId eq '([0-9a-f-]{36})'/i.exec(filter)?.[1]?.toLowerCase();
    const atScopeOnly = /atScope\(\)/i.test(filter);
    if (filter && !principal && !atScopeOnly) {
      armError(
        sim.res,
        400,
        'InvalidFilterInQueryString',
        `Invalid $filter '${filter}' specified in the query string.`,
      );
      return true;
    }
    const target = lower(scope);
    const value = state.roleAssignments
      .around(target, !atScopeOnly)
      .filter((a) => !principal || a.principalId === principal)
      .map(toResource);
    json(sim.res, 200, { value });
    return true;
  }

  if (!/^[0-9a-f-]{36}$/i.test(name)) {
    armError(
      sim.res,
      400,
      'InvalidRoleAssignmentId',
      `The role assignment ID '${name}' is not valid. The role assignment ID must be a GUID.`,
    );
    return true;
  }
  const id = `${scope}${PROVIDER}/${name}`;
  const existing = state.roleAssignments.get(name.toLowerCase());

  if (sim.method === 'GET') {
    if (!isCustomerAdmin && !canRead(state, claims, scope)) {
      denied('Microsoft.Authorization/roleAssignments/read');
      return true;
    }
    if (!existing) {
      armError(sim.res, 404, 'RoleAssignmentNotFound', `The role assignment '${name}' is not found.`);
      return true;
    }
    {
      json(sim.res, 200, toResource(existing));
      return true;
    }
  }
  if (sim.method === 'DELETE') {
    if (!isCustomerAdmin) {
      denied('Microsoft.Authorization/roleAssignments/delete');
      return true;
    }
    if (!existing) {
      json(sim.res, 204);
      return true;
    }
    state.roleAssignments.delete(name.toLowerCase());
    {
      json(sim.res, 200, toResource(existing));
      return true;
    }
  }
  if (sim.method !== 'PUT') {
    armError(sim.res, 405, 'MethodNotAllowed', 'The method is not allowed.');
    return true;
  }
  if (!isCustomerAdmin) {
    denied('Microsoft.Authorization/roleAssignments/write');
    return true;
  }

  const body = parseJson(sim.body) as
    { properties?: { roleDefinitionId?: string; principalId?: string; principalType?: string } } | undefined;
  const props = body?.properties;
  if (!props?.roleDefinitionId || !props.principalId) {
    armError(
      sim.res,
      400,
      'InvalidRequestContent',
      'The request content was invalid and could not be deserialized.',
    );
    return true;
  }
  const roleGuid = /\/providers\/Microsoft\.Authorization\/roleDefinitions\/([0-9a-f-]{36})$/i.exec(
    props.roleDefinitionId,
  )?.[1];
  if (!roleGuid) {
    armError(
      sim.res,
      400,
      'InvalidRoleDefinitionId',
      `The role definition ID '${props.roleDefinitionId}' is not valid.`,
    );
    return true;
  }
  const principalId = props.principalId.toLowerCase();
  const foreignGroup = state.groups.get(principalId);
  const localApp = [...state.apps.values()].find(
    (a) => a.objectId === principalId && a.homeTenantId === customer.tenantId,
  );
  if (foreignGroup) {
    // A group from another tenant is only found when the caller says what it is.
    if (!props.principalType) {
      armError(
        sim.res,
        400,
        'PrincipalNotFound',
        `Principal ${principalId} does not exist in the directory ${customer.tenantId}. Check that you have the correct principal ID. If you are creating this principal and then immediately assigning a role, this error might be related to a replication delay. In this case, set the role assignment principalType property to a value, such as ServicePrincipal, User, or Group.`,
      );
      return true;
    }
    if (props.principalType !== 'ForeignGroup') {
      armError(
        sim.res,
        400,
        'UnmatchedPrincipalType',
        `The PrincipalId '${principalId}' has type 'ForeignGroup' , which is different from specified PrincipalType '${props.principalType}'.`,
      );
      return true;
    }
  } else if (!localApp) {
    {
      armError(
        sim.res,
        400,
        'PrincipalNotFound',
        `Principal ${principalId} does not exist in the directory ${customer.tenantId}.`,
      );
      return true;
    }
  }
  const duplicate = [...state.roleAssignments.values()].find(
    (a) =>
      lower(a.scope) === lower(scope) &&
      a.principalId === principalId &&
      a.roleDefinitionId.toLowerCase().endsWith(roleGuid.toLowerCase()),
  );
  if (duplicate) {
    armError(sim.res, 409, 'RoleAssignmentExists', 'The role assignment already exists.');
    return true;
  }
  const assignment: RoleAssignment = {
    id,
    name: name.toLowerCase(),
    scope,
    roleDefinitionId: `/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${roleGuid.toLowerCase()}`,
    principalId,
    principalType: props.principalType ?? 'ServicePrincipal',
    createdOn: new Date().toISOString(),
  };
  state.roleAssignments.set(assignment.name, assignment);
  json(sim.res, 201, toResource(assignment));
  return true;
}

/**
 * Resource Groups - List, api-version 2021-04-01: only the groups the caller may read, which for a
 * partner is where one of its groups holds a role on the group or above it.
 * https://learn.microsoft.com/rest/api/resources/resource-groups/list
 */
function listResourceGroups(
  sim: SimRequest,
  state: SandboxState,
  signer: TokenSigner,
  audiences: string[],
): true {
  const subscriptionId = (sim.path.split('/')[2] ?? '').toLowerCase();
  if (sim.method !== 'GET')
    return (armError(sim.res, 405, 'MethodNotAllowed', 'The method is not allowed.'), true);
  if (sim.url.searchParams.get('api-version') !== '2021-04-01')
    return (
      armError(
        sim.res,
        400,
        'InvalidApiVersionParameter',
        `The api-version '${sim.url.searchParams.get('api-version')}' is invalid. The supported versions are '2021-04-01'.`,
      ),
      true
    );
  const claims = signer.verify(bearer(sim.req) ?? '', audiences);
  if (!claims)
    return (armError(sim.res, 401, 'InvalidAuthenticationToken', 'The access token is invalid.'), true);
  const customer = state.customerOfSubscription(subscriptionId);
  if (!customer)
    return (
      armError(
        sim.res,
        404,
        'SubscriptionNotFound',
        `The subscription '${subscriptionId}' could not be found.`,
      ),
      true
    );
  if (claims.tid !== customer.tenantId.toLowerCase())
    return (
      armError(
        sim.res,
        401,
        'InvalidAuthenticationTokenTenant',
        'The access token is from the wrong issuer. It must match the tenant associated with this subscription.',
      ),
      true
    );
  const groups = new Set<string>();
  for (const a of state.roleAssignments.values()) {
    const m = /^\/subscriptions\/([^/]+)\/resourcegroups\/([^/]+)/i.exec(a.scope);
    if (m && (m[1] as string).toLowerCase() === subscriptionId) groups.add(m[2] as string);
  }
  const isAdmin = claims.appid === customer.admin.clientId;
  const value = [...groups]
    .filter((g) => isAdmin || canRead(state, claims, `/subscriptions/${subscriptionId}/resourceGroups/${g}`))
    .map((name) => ({
      id: `/subscriptions/${subscriptionId}/resourceGroups/${name}`,
      name,
      type: 'Microsoft.Resources/resourceGroups',
      location: 'westeurope',
      properties: { provisioningState: 'Succeeded' },
    }));
  json(sim.res, 200, { value });
  return true;
}

/** A partner app may read at a scope once one of its groups holds a role there or above. */
function canRead(state: SandboxState, claims: TokenClaims, scope: string): boolean {
  const app = state.apps.get(claims.appid);
  if (!app) return false;
  return state.roleAssignments.around(lower(scope), false).some((a) => app.memberOf.includes(a.principalId));
}
