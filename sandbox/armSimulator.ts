import type { TokenClaims, TokenSigner } from './jwt';
import type { RoleAssignment, SandboxState, SimulatedCustomer } from './state';
import { armError, bearer, json, parseJson, type SimRequest } from './httpUtil';

/**
 * Azure Resource Manager, as far as role assignments go (api-version 2022-04-01):
 *   GET    {scope}/providers/Microsoft.Authorization/roleAssignments?$filter=...   (list for scope)
 *   PUT    {scope}/providers/Microsoft.Authorization/roleAssignments/{name}       (create)
 *   GET    {scope}/providers/Microsoft.Authorization/roleAssignments/{name}
 *   DELETE {scope}/providers/Microsoft.Authorization/roleAssignments/{name}
 * https://learn.microsoft.com/rest/api/authorization/role-assignments
 * and GET /subscriptions/{id}/resourcegroups (api-version 2021-04-01), which lists only the groups
 * the caller may read (https://learn.microsoft.com/rest/api/resources/resource-groups/list).
 * Listing with `principalId eq '{id}'` returns the principal's assignments at, above and below the
 * scope; `atScope()` those at and above it. Errors use ARM's `{ "error": { "code", "message" } }`.
 */
const PROVIDER = '/providers/Microsoft.Authorization/roleAssignments';
export const API_VERSION = '2022-04-01';
const RESOURCE_GROUPS_API_VERSION = '2021-04-01';

const lower = (s: string) => s.toLowerCase().replace(/\/+$/, '');

/** A request ARM has authenticated: who calls, in which customer's subscription, at which scope. */
interface Authorized {
  sim: SimRequest;
  state: SandboxState;
  claims: TokenClaims;
  customer: SimulatedCustomer;
  subscriptionId: string;
  scope: string;
  /** The customer's own administrator (Owner of the subscription): may do anything there. */
  isCustomerAdmin: boolean;
}

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
  if (/^\/subscriptions\/[^/]+\/resourcegroups$/i.test(sim.path)) {
    const request = authorize(sim, state, signer, audiences, sim.path, RESOURCE_GROUPS_API_VERSION);
    if (request) listResourceGroups(request);
    return true;
  }
  const at = sim.path.toLowerCase().indexOf(PROVIDER.toLowerCase());
  if (!sim.path.toLowerCase().startsWith('/subscriptions/') || at < 0) return false;
  const request = authorize(sim, state, signer, audiences, sim.path.slice(0, at), API_VERSION);
  if (!request) return true;
  const name = sim.path.slice(at + PROVIDER.length).replace(/^\//, '');
  if (!name && sim.method === 'GET') return (listAssignments(request), true);
  if (!/^[0-9a-f-]{36}$/i.test(name)) {
    armError(
      sim.res,
      400,
      'InvalidRoleAssignmentId',
      `The role assignment ID '${name}' is not valid. The role assignment ID must be a GUID.`,
    );
    return true;
  }
  if (sim.method === 'GET') getAssignment(request, name.toLowerCase());
  else if (sim.method === 'DELETE') deleteAssignment(request, name.toLowerCase());
  else if (sim.method === 'PUT') createAssignment(request, name.toLowerCase());
  else armError(sim.res, 405, 'MethodNotAllowed', 'The method is not allowed.');
  return true;
}

/** The api-version, the bearer token, the subscription and the token's tenant; undefined once answered. */
function authorize(
  sim: SimRequest,
  state: SandboxState,
  signer: TokenSigner,
  audiences: string[],
  scope: string,
  apiVersion: string,
): Authorized | undefined {
  const subscriptionId = (scope.split('/')[2] ?? '').toLowerCase();
  const asked = sim.url.searchParams.get('api-version');
  if (asked !== apiVersion) {
    armError(
      sim.res,
      400,
      'InvalidApiVersionParameter',
      `The api-version '${asked}' is invalid. The supported versions are '${apiVersion}'.`,
    );
    return undefined;
  }
  const claims = signer.verify(bearer(sim.req) ?? '', audiences);
  if (!claims) {
    armError(sim.res, 401, 'InvalidAuthenticationToken', 'The access token is invalid.');
    return undefined;
  }
  const customer = state.customerOfSubscription(subscriptionId);
  if (!customer) {
    armError(
      sim.res,
      404,
      'SubscriptionNotFound',
      `The subscription '${subscriptionId}' could not be found.`,
    );
    return undefined;
  }
  if (claims.tid !== customer.tenantId.toLowerCase()) {
    armError(
      sim.res,
      401,
      'InvalidAuthenticationTokenTenant',
      'The access token is from the wrong issuer. It must match the tenant associated with this subscription.',
    );
    return undefined;
  }
  return {
    sim,
    state,
    claims,
    customer,
    subscriptionId,
    scope,
    isCustomerAdmin: claims.appid === customer.admin.clientId,
  };
}

function denied(request: Authorized, action: string): void {
  const { claims, scope } = request;
  const client = typeof claims.upn === 'string' ? claims.upn : claims.appid;
  armError(
    request.sim.res,
    403,
    'AuthorizationFailed',
    `The client '${client}' with object id '${claims.oid}' does not have authorization to perform action '${action}' over scope '${scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
  );
}

/**
 * The principals a token acts as, for Azure RBAC: a user's token (it has `scp`) is the user and the
 * groups of its home tenant it belongs to, which is how a partner user of AdminAgents holds what a
 * customer granted to AdminAgents as a ForeignGroup; an app's token is its service principal in the
 * tenant that issued it, never a group of another tenant.
 * https://learn.microsoft.com/azure/role-based-access-control/role-assignments-external-users
 */
function principalsOf(request: Authorized): string[] {
  const { claims, state } = request;
  if (typeof claims.scp !== 'string') return [claims.oid];
  const user = state.users.get(claims.oid);
  return user ? [user.id, ...user.memberOf] : [claims.oid];
}

/** The caller may read at `scope`: its own admin always; anyone else holding a role there or above. */
function mayRead(request: Authorized, scope = request.scope): boolean {
  if (request.isCustomerAdmin) return true;
  const principals = principalsOf(request);
  return request.state.roleAssignments
    .around(lower(scope), false)
    .some((a) => principals.includes(a.principalId));
}

function listAssignments(request: Authorized): void {
  const { sim, state, scope } = request;
  if (!mayRead(request)) return denied(request, 'Microsoft.Authorization/roleAssignments/read');
  const filter = sim.url.searchParams.get('$filter') ?? '';
  const principal = /principalId eq '([0-9a-f-]{36})'/i.exec(filter)?.[1]?.toLowerCase();
  const atScopeOnly = /atScope\(\)/i.test(filter);
  if (filter && !principal && !atScopeOnly)
    return armError(
      sim.res,
      400,
      'InvalidFilterInQueryString',
      `Invalid $filter '${filter}' specified in the query string.`,
    );
  const value = state.roleAssignments
    .around(lower(scope), !atScopeOnly)
    .filter((a) => !principal || a.principalId === principal)
    .map(toResource);
  json(sim.res, 200, { value });
}

function getAssignment(request: Authorized, name: string): void {
  if (!mayRead(request)) return denied(request, 'Microsoft.Authorization/roleAssignments/read');
  const existing = request.state.roleAssignments.get(name);
  if (!existing)
    return armError(
      request.sim.res,
      404,
      'RoleAssignmentNotFound',
      `The role assignment '${name}' is not found.`,
    );
  json(request.sim.res, 200, toResource(existing));
}

/**
 * Role Assignments - Delete (api-version 2022-04-01): 200 with the deleted assignment, 204 when it was
 * already deleted or does not exist; the caller needs Microsoft.Authorization/roleAssignments/delete.
 * https://learn.microsoft.com/rest/api/authorization/role-assignments/delete
 */
function deleteAssignment(request: Authorized, name: string): void {
  if (!request.isCustomerAdmin) return denied(request, 'Microsoft.Authorization/roleAssignments/delete');
  const existing = request.state.roleAssignments.get(name);
  if (!existing) return json(request.sim.res, 204);
  request.state.roleAssignments.delete(name);
  json(request.sim.res, 200, toResource(existing));
}

function createAssignment(request: Authorized, name: string): void {
  const { sim, state, customer, scope, subscriptionId } = request;
  if (!request.isCustomerAdmin) return denied(request, 'Microsoft.Authorization/roleAssignments/write');
  const body = parseJson(sim.body) as
    { properties?: { roleDefinitionId?: string; principalId?: string; principalType?: string } } | undefined;
  const props = body?.properties;
  if (!props?.roleDefinitionId || !props.principalId)
    return armError(
      sim.res,
      400,
      'InvalidRequestContent',
      'The request content was invalid and could not be deserialized.',
    );
  const roleGuid = /\/providers\/Microsoft\.Authorization\/roleDefinitions\/([0-9a-f-]{36})$/i.exec(
    props.roleDefinitionId,
  )?.[1];
  if (!roleGuid)
    return armError(
      sim.res,
      400,
      'InvalidRoleDefinitionId',
      `The role definition ID '${props.roleDefinitionId}' is not valid.`,
    );
  const principalId = props.principalId.toLowerCase();
  const problem = principalProblem(state, customer, principalId, props.principalType);
  if (problem) return armError(sim.res, 400, problem.code, problem.message);
  // ARM's PUT is idempotent by name: the same assignment PUT again answers 200 (this is how
  // templates with guid()-derived names redeploy); changing who, what or where under an existing name
  // is RoleAssignmentUpdateNotPermitted (400), and the same grant under another name
  // RoleAssignmentExists (409). learn.microsoft.com/azure/role-based-access-control/troubleshooting
  const named = state.roleAssignments.get(name);
  if (named) {
    const same =
      lower(named.scope) === lower(scope) &&
      named.principalId === principalId &&
      named.roleDefinitionId.toLowerCase().endsWith(roleGuid.toLowerCase());
    if (same) return json(sim.res, 200, toResource(named));
    return armError(
      sim.res,
      400,
      'RoleAssignmentUpdateNotPermitted',
      'Tenant ID, application ID, principal ID, and scope are not allowed to be updated.',
    );
  }
  const duplicate = [...state.roleAssignments.values()].find(
    (a) =>
      lower(a.scope) === lower(scope) &&
      a.principalId === principalId &&
      a.roleDefinitionId.toLowerCase().endsWith(roleGuid.toLowerCase()),
  );
  if (duplicate) return armError(sim.res, 409, 'RoleAssignmentExists', 'The role assignment already exists.');
  const assignment: RoleAssignment = {
    id: `${scope}${PROVIDER}/${name}`,
    name,
    scope,
    roleDefinitionId: `/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${roleGuid.toLowerCase()}`,
    principalId,
    principalType: props.principalType ?? 'ServicePrincipal',
    createdOn: new Date().toISOString(),
  };
  state.roleAssignments.set(assignment.name, assignment);
  json(sim.res, 201, toResource(assignment));
}

/**
 * Whether ARM finds the principal: a group of another tenant (the partner's AdminAgents) only when
 * the caller says it is a ForeignGroup, else PrincipalNotFound or UnmatchedPrincipalType, the errors
 * a script that forgets `-ObjectType ForeignGroup` meets.
 */
function principalProblem(
  state: SandboxState,
  customer: SimulatedCustomer,
  principalId: string,
  principalType: string | undefined,
): { code: string; message: string } | undefined {
  if (state.groups.get(principalId)) {
    if (!principalType)
      return {
        code: 'PrincipalNotFound',
        message: `Principal ${principalId} does not exist in the directory ${customer.tenantId}. Check that you have the correct principal ID. If you are creating this principal and then immediately assigning a role, this error might be related to a replication delay. In this case, set the role assignment principalType property to a value, such as ServicePrincipal, User, or Group.`,
      };
    if (principalType !== 'ForeignGroup')
      return {
        code: 'UnmatchedPrincipalType',
        message: `The PrincipalId '${principalId}' has type 'ForeignGroup' , which is different from specified PrincipalType '${principalType}'.`,
      };
    return undefined;
  }
  const local = [...state.apps.values()].some(
    (a) => a.objectId === principalId && a.homeTenantId === customer.tenantId,
  );
  return local
    ? undefined
    : {
        code: 'PrincipalNotFound',
        message: `Principal ${principalId} does not exist in the directory ${customer.tenantId}.`,
      };
}

/** Only the groups the caller may read: for a partner, where one of its groups holds a role on the group or above. */
function listResourceGroups(request: Authorized): void {
  const { sim, state, subscriptionId } = request;
  if (sim.method !== 'GET') return armError(sim.res, 405, 'MethodNotAllowed', 'The method is not allowed.');
  const groups = new Set<string>();
  for (const a of state.roleAssignments.values()) {
    const m = /^\/subscriptions\/([^/]+)\/resourcegroups\/([^/]+)/i.exec(a.scope);
    if (m && (m[1] ?? '').toLowerCase() === subscriptionId) groups.add(m[2] ?? '');
  }
  const value = [...groups]
    .filter((g) => mayRead(request, `/subscriptions/${subscriptionId}/resourceGroups/${g}`))
    .map((name) => ({
      id: `/subscriptions/${subscriptionId}/resourceGroups/${name}`,
      name,
      type: 'Microsoft.Resources/resourceGroups',
      location: 'westeurope',
      properties: { provisioningState: 'Succeeded' },
    }));
  json(sim.res, 200, { value });
}
