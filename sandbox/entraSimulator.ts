import { randomUUID } from 'node:crypto';
import type { TokenSigner } from './jwt';
import type { SandboxState } from './state';
import { json, type SimRequest } from './httpUtil';

/**
 * Microsoft Entra ID's v2.0 endpoints for the client-credentials flow, as MSAL (inside
 * @azure/identity) calls them: tenant discovery (openid-configuration) and the token endpoint.
 * https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow
 */
export function handleEntra(sim: SimRequest, state: SandboxState, signer: TokenSigner): boolean {
  const discovery = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/.exec(sim.path);
  if (discovery && sim.method === 'GET') {
    const tenant = discovery[1] as string;
    const base = `${sim.origin}/${tenant}`;
    json(sim.res, 200, {
      token_endpoint: `${base}/oauth2/v2.0/token`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      jwks_uri: `${base}/discovery/v2.0/keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      issuer: `${sim.origin}/${tenant}/v2.0`,
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
      end_session_endpoint: `${base}/oauth2/v2.0/logout`,
      tenant_region_scope: 'EU',
      cloud_instance_name: 'sandbox',
    });
    return true;
  }
  if (sim.path === '/common/discovery/instance' && sim.method === 'GET') {
    json(sim.res, 200, {
      tenant_discovery_endpoint: `${sim.origin}/common/v2.0/.well-known/openid-configuration`,
      'api-version': '1.1',
      metadata: [],
    });
    return true;
  }
  const token = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(sim.path);
  if (!token || sim.method !== 'POST') return false;
  const tenant = (token[1] as string).toLowerCase();
  const form = new URLSearchParams(sim.body.toString('utf8'));
  const fail = (status: number, error: string, description: string) => {
    json(sim.res, status, {
      error,
      error_description: description,
      error_codes: [Number(/AADSTS(\d+)/.exec(description)?.[1] ?? 0)],
      trace_id: randomUUID(),
    });
    return true;
  };
  if (form.get('grant_type') !== 'client_credentials')
    return fail(400, 'unsupported_grant_type', 'AADSTS70003: The app requested an unsupported grant type.');
  const app = state.apps.get(form.get('client_id') ?? '');
  if (!app)
    return fail(
      400,
      'unauthorized_client',
      `AADSTS700016: Application with identifier '${form.get('client_id')}' was not found in the directory.`,
    );
  const knownTenant = tenant === state.partnerTenantId || state.customers.has(tenant);
  if (!knownTenant) return fail(400, 'invalid_request', `AADSTS90002: Tenant '${tenant}' not found.`);
  // A customer's own admin app is single-tenant; the partner's app is multi-tenant.
  if (app.homeTenantId !== state.partnerTenantId && app.homeTenantId !== tenant) {
    return fail(
      400,
      'invalid_client',
      `AADSTS700016: Application '${app.clientId}' was not found in the directory '${tenant}'.`,
    );
  }
  if (form.get('client_secret') !== app.secret)
    return fail(401, 'invalid_client', 'AADSTS7000215: Invalid client secret provided.');
  const scope = form.get('scope') ?? '';
  const resource = scope.split(' ').find((s) => s.endsWith('/.default'));
  if (!resource)
    return fail(400, 'invalid_scope', 'AADSTS1002012: The provided value for scope is not valid.');
  const now = Math.floor(Date.now() / 1000);
  const accessToken = signer.sign({
    aud: resource.slice(0, -'/.default'.length),
    iss: `${sim.origin}/${tenant}/v2.0`,
    tid: tenant,
    oid: app.objectId,
    appid: app.clientId,
    iat: now,
    nbf: now,
    exp: now + 3600,
  });
  json(sim.res, 200, {
    token_type: 'Bearer',
    expires_in: 3599,
    ext_expires_in: 3599,
    access_token: accessToken,
  });
  return true;
}
