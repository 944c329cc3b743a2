import { GUID_RULE, isGuid, normalizeGuid } from './identifiers';
import { ValidationError } from './validationError';

/**
 * The three places docs/PROCEDURE.md step 6 lets a customer grant Owner: a whole subscription, one resource
 * group, or one resource. Scopes arrive as ARM resource ids and are parsed into this shape so that
 * everything downstream (scripts, verification, table rows) works from checked parts.
 */
export type Scope = SubscriptionScope | ResourceGroupScope | ResourceScope;

export interface SubscriptionScope {
  kind: 'subscription';
  subscriptionId: string;
}

export interface ResourceGroupScope {
  kind: 'resourceGroup';
  subscriptionId: string;
  resourceGroup: string;
}

export interface ResourceScope {
  kind: 'resource';
  subscriptionId: string;
  resourceGroup: string;
  providerNamespace: string;
  /** Type/name pairs, outermost first: `virtualMachines/vm1`, or `servers/s1/databases/db1`. */
  path: { type: string; name: string }[];
}

export type ScopeKind = Scope['kind'];

export const MAX_SCOPE_LENGTH = 1024;

/**
 * Azure resource group naming rules: 1–90 characters; letters (Unicode letters are allowed by ARM),
 * digits, underscores, hyphens, periods and parentheses; must not end in a period.
 * https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules#microsoftresources
 */
const RESOURCE_GROUP_NAME = /^[\p{L}\p{N}_\-.()]{1,90}$/u;
export const RESOURCE_GROUP_RULE =
  "resource group name must be 1-90 letters, digits, '-', '_', '.', '(' or ')', not ending in '.'";

export function isResourceGroupName(value: string): boolean {
  return RESOURCE_GROUP_NAME.test(value) && !value.endsWith('.');
}

/**
 * Resource names differ per type; this is the common safe subset (the resource group alphabet, up to
 * 260 characters). Anything more exotic is refused on purpose: a customer can grant at the resource
 * group instead, and no name outside this alphabet can ever reach a generated script.
 */
const RESOURCE_NAME = /^[\p{L}\p{N}_\-.()]{1,260}$/u;
const RESOURCE_TYPE = /^[A-Za-z][A-Za-z0-9]{0,79}$/;
const PROVIDER_NAMESPACE = /^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)+$/;

function fail(field: string, rule: string): never {
  throw ValidationError.single(field, rule);
}

/**
 * Parses an ARM id into a Scope. Segment names (`subscriptions`, `resourceGroups`, `providers`) are
 * matched case-insensitively, as ARM does; the result is rendered in canonical casing.
 */
export function parseScope(raw: unknown, field = 'scope'): Scope {
  if (typeof raw !== 'string') fail(field, 'must be a string holding an ARM resource id');
  // A subscription ID alone is what people copy from the portal: it means the whole subscription.
  if (isGuid(raw.trim())) return { kind: 'subscription', subscriptionId: normalizeGuid(raw.trim()) };
  if (raw.length === 0 || raw.length > MAX_SCOPE_LENGTH)
    fail(field, `must be 1-${MAX_SCOPE_LENGTH} characters`);
  if (!raw.startsWith('/'))
    fail(field, "must be a subscription ID or an Azure resource ID starting with '/subscriptions/'");
  const trimmed = raw.endsWith('/') ? raw.slice(0, -1) : raw;
  const segments = trimmed.slice(1).split('/');
  if (segments.some((s) => s.length === 0)) fail(field, 'must not contain empty path segments');

  if (segments[0]?.toLowerCase() !== 'subscriptions' || segments.length < 2) {
    fail(field, "must start with '/subscriptions/<subscription-id>'");
  }
  const subscriptionId = segments[1] ?? '';
  if (!isGuid(subscriptionId)) fail(field, `subscription id ${GUID_RULE}`);
  const sub = normalizeGuid(subscriptionId);
  if (segments.length === 2) return { kind: 'subscription', subscriptionId: sub };

  if (segments[2]?.toLowerCase() !== 'resourcegroups' || segments.length < 4) {
    fail(field, "after the subscription, only '/resourceGroups/<name>' may follow");
  }
  const resourceGroup = segments[3] ?? '';
  if (!isResourceGroupName(resourceGroup)) fail(field, RESOURCE_GROUP_RULE);
  if (segments.length === 4) return { kind: 'resourceGroup', subscriptionId: sub, resourceGroup };

  if (segments[4]?.toLowerCase() !== 'providers' || segments.length < 8) {
    fail(field, "a resource id must continue '/providers/<Namespace>/<type>/<name>'");
  }
  const providerNamespace = segments[5] ?? '';
  if (!PROVIDER_NAMESPACE.test(providerNamespace)) {
    fail(field, "provider namespace must look like 'Microsoft.Compute'");
  }
  const rest = segments.slice(6);
  if (rest.length % 2 !== 0) fail(field, 'a resource id must end with a type/name pair');
  const path: ResourceScope['path'] = [];
  for (let i = 0; i < rest.length; i += 2) {
    const type = rest[i] ?? '';
    const name = rest[i + 1] ?? '';
    if (!RESOURCE_TYPE.test(type))
      fail(field, `resource type '${type.slice(0, 40)}' must be letters and digits`);
    if (!RESOURCE_NAME.test(name) || name.endsWith('.')) {
      fail(
        field,
        "resource name must be 1-260 letters, digits, '-', '_', '.', '(' or ')', not ending in '.'",
      );
    }
    path.push({ type, name });
  }
  return { kind: 'resource', subscriptionId: sub, resourceGroup, providerNamespace, path };
}

/** Renders the canonical ARM id of a scope. */
export function renderScope(scope: Scope): string {
  const sub = `/subscriptions/${scope.subscriptionId}`;
  if (scope.kind === 'subscription') return sub;
  const rg = `${sub}/resourceGroups/${scope.resourceGroup}`;
  if (scope.kind === 'resourceGroup') return rg;
  const path = scope.path.map((p) => `${p.type}/${p.name}`).join('/');
  return `${rg}/providers/${scope.providerNamespace}/${path}`;
}

/** ARM ids are case-insensitive: this is the form to compare and de-duplicate on. */
export function scopeKey(scopeOrId: Scope | string): string {
  const id = typeof scopeOrId === 'string' ? scopeOrId : renderScope(scopeOrId);
  const trimmed = id.length > 1 && id.endsWith('/') ? id.slice(0, -1) : id;
  return trimmed.toLowerCase();
}

/**
 * True when a role assignment made at `assignmentScope` applies to `requested`: the same scope, or
 * one of its ancestors. Root ('/') and management-group scopes are ancestors ARM only returns from
 * `listForScope` when they really sit above the requested scope, so they count too.
 */
export function coversScope(assignmentScope: string, requested: Scope | string): boolean {
  const granted = scopeKey(assignmentScope);
  const target = scopeKey(requested);
  if (granted === '/' || granted.startsWith('/providers/microsoft.management/managementgroups/')) return true;
  return target === granted || target.startsWith(`${granted}/`);
}
