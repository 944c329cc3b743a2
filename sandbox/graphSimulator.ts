import type { TokenSigner } from './jwt';
import type { SandboxState } from './state';
import { bearer, json, type SimRequest } from './httpUtil';

/**
 * Microsoft Graph `GET /v1.0/groups` with `$filter=displayName eq '...'` and `$select`.
 * https://learn.microsoft.com/graph/api/group-list
 */
export function handleGraph(
  sim: SimRequest,
  state: SandboxState,
  signer: TokenSigner,
  audience: string,
): boolean {
  if (sim.path !== '/v1.0/groups') return false;
  const error = (status: number, code: string, message: string) => {
    json(sim.res, status, { error: { code, message, innerError: { date: new Date().toISOString() } } });
    return true;
  };
  const claims = signer.verify(bearer(sim.req) ?? '', [audience]);
  if (!claims)
    return error(401, 'InvalidAuthenticationToken', 'Access token validation failure. Invalid audience.');
  if (sim.method !== 'GET') return error(405, 'Request_BadRequest', 'Method not allowed');
  if (claims.tid !== state.partnerTenantId)
    return error(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
  const filter = sim.url.searchParams.get('$filter') ?? '';
  const m = /^displayName eq '((?:[^']|'')*)'$/.exec(filter);
  if (!m)
    return error(
      400,
      'Request_UnsupportedQuery',
      `Unsupported or invalid query filter clause specified for property 'displayName': ${filter}`,
    );
  const name = (m[1] ?? '').replace(/''/g, "'");
  const select = (sim.url.searchParams.get('$select') ?? 'id,displayName').split(',');
  const value = [...state.groups.values()]
    .filter((g) => g.tenantId === state.partnerTenantId && g.displayName === name)
    .map((g) =>
      Object.fromEntries(
        select.filter((k) => k === 'id' || k === 'displayName').map((k) => [k, g[k as 'id' | 'displayName']]),
      ),
    );
  json(sim.res, 200, { '@odata.context': `${sim.origin}/v1.0/$metadata#groups(${select.join(',')})`, value });
  return true;
}
