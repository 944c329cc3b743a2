import type { Endpoint } from '../../runtime/functionHost';
import { requestBody } from '../support/fixtures';
import { startProduct, type Product } from '../support/productHarness';
import { KEYS } from '../support/runtimeHarness';

/**
 * Every path the runtime serves needs the key the same path needs in Azure. The runtime lists its
 * paths itself (the app's routes with their authLevel, the Durable Functions HTTP API, the host's
 * admin API, App Service authentication's /.auth/), so a route added tomorrow is checked tomorrow:
 *  - a path that needs a key answers 401 with a problem document saying what to send, to no key, a
 *    wrong key, and a key of another kind (the function key on the durable API, the system key on
 *    the app's routes);
 *  - a path open to everyone in Azure (authLevel anonymous, /.auth/) answers nothing but a redirect
 *    or a refusal to a caller with no key, no session and no valid token, unless it is one of the
 *    few public reads listed here.
 */
jest.setTimeout(120_000);

let product: Product;
beforeAll(async () => {
  product = await startProduct();
});
afterAll(() => product?.stop());

/** Paths that answer anyone, in Azure as here, and why that is right. */
const PUBLIC_READS: Record<string, string> = {
  'GET /api/health': 'a liveness probe',
  'GET /api/openapi.json': 'the API description, public by design',
  'GET /api/assets/{name}': "the console's stylesheet and script",
  'GET /.auth/login/aad': 'App Service sign-in: redirects to Entra ID',
  'GET /.auth/logout': 'App Service sign-out: redirects',
};

/** A concrete path for a template (values that pass each inline constraint). */
function concrete(template: string): string {
  return template
    .replace(/\{[^}]*:int\}/g, '1')
    .replace(/\{[^}]*:alpha\}/g, 'cancel')
    .replace(/\{kind\}/g, 'invitation')
    .replace(/\{[^}?]+\?\}/g, 'an-id')
    .replace(/\{[^}]+\}/g, 'r-0123456789abcdef0123456789abcdef');
}

const call = (method: string, path: string, headers: Record<string, string> = {}) =>
  fetch(`${product.host.url}${path}`, {
    method,
    redirect: 'manual',
    headers,
    // A plain cross-site form can send text/plain: the durable API must not take it without a key.
    ...(method === 'GET' || method === 'DELETE'
      ? {}
      : { body: '{}', headers: { 'content-type': 'text/plain', ...headers } }),
  });

const keyed = (endpoints: Endpoint[]) => endpoints.filter((e) => e.key !== 'anonymous');

describe('every path of the offline runtime needs the key Azure would require', () => {
  it('lists the app routes, the durable API, the admin API and /.auth/', () => {
    const served = new Set(product.host.endpoints().map((e) => e.servedBy));
    expect([...served].sort()).toEqual(
      ['App Service authentication', 'app', 'durable extension', 'host admin API'].sort(),
    );
    const durable = product.host.endpoints().filter((e) => e.servedBy === 'durable extension');
    expect(durable.every((e) => e.key === 'system')).toBe(true);
    expect(durable.map((e) => `${e.methods[0]} ${e.path}`)).toEqual(
      expect.arrayContaining([
        'GET /runtime/webhooks/durabletask/instances',
        'POST /runtime/webhooks/durabletask/instances/{instanceId}/raiseEvent/{eventName}',
      ]),
    );
  });

  it('answers 401 with a problem document saying what to send to a missing, wrong or weaker key', async () => {
    const { systemKey } = product.host.keys;
    const failures: string[] = [];
    for (const endpoint of keyed(product.host.endpoints())) {
      const wrongKinds: Record<string, string | undefined> = {
        'no key': undefined,
        'a wrong key': 'not-a-key',
        // A key of another kind must not open the path.
        ...(endpoint.key === 'function' || endpoint.key === 'admin' ? { 'the system key': systemKey } : {}),
        ...(endpoint.key !== 'function' ? { 'the function key': KEYS.functionKey } : {}),
      };
      for (const method of endpoint.methods) {
        const path = concrete(endpoint.path);
        for (const [kind, key] of Object.entries(wrongKinds)) {
          for (const via of ['header', 'query'] as const) {
            if (!key && via === 'query') continue;
            const target = key && via === 'query' ? `${path}?code=${encodeURIComponent(key)}` : path;
            const res = await call(method, target, key && via === 'header' ? { 'x-functions-key': key } : {});
            const body = res.status === 401 ? ((await res.json()) as { detail?: string }) : undefined;
            if (
              res.status !== 401 ||
              !res.headers.get('content-type')?.startsWith('application/problem+json') ||
              !body?.detail?.includes('x-functions-key') ||
              !body.detail.includes('?code=')
            )
              failures.push(`${method} ${target} with ${kind} (${via}): ${res.status}`);
          }
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it('lets nobody without a key, a session or a valid token read a list or change anything', async () => {
    const failures: string[] = [];
    for (const endpoint of product.host.endpoints().filter((e) => e.key === 'anonymous')) {
      for (const method of endpoint.methods) {
        const res = await call(method, concrete(endpoint.path));
        const name = `${method} ${endpoint.path}`;
        if (res.status >= 500) failures.push(`${name}: ${res.status}`);
        else if (res.status < 300 && !PUBLIC_READS[name])
          failures.push(`${name}: ${res.status} without any credential`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('serves the durable API only with its key: a cross-site text/plain event changes nothing', async () => {
    const started = await product.partner('/api/reinstatements', {
      method: 'POST',
      body: JSON.stringify(requestBody()),
    });
    expect(started.status).toBe(202);
    const { id } = (await started.json()) as { id: string };
    await product.settle();
    const state = async () =>
      ((await (await product.partner(`/api/reinstatements/${id}`)).json()) as { state: string }).state;
    // The app's own durable client reached the API (with the system key the binding handed it).
    expect(await state()).toBe('InvitationSent');

    // The extension's local RPC endpoint is not served on the app's port at all.
    for (const path of ['/durabletask/instances', `/durabletask/instances/${id}`])
      expect((await call('GET', path)).status).toBe(404);
    const attempts = [
      `/durabletask/instances/${id}/raiseEvent/Accepted`,
      `/runtime/webhooks/durabletask/instances/${id}/raiseEvent/Accepted`,
      `/Runtime/Webhooks/DurableTask/instances/${id}/raiseEvent/Accepted`,
      `/api/../runtime/webhooks/durabletask/instances/${id}/raiseEvent/Accepted`,
    ];
    for (const path of attempts) expect([401, 404]).toContain((await call('POST', path)).status);
    await product.settle();
    expect(await state()).toBe('InvitationSent');

    // The system key opens the durable API; it is not the master key.
    const { systemKey, masterKey } = product.host.keys;
    expect(systemKey).not.toBe(masterKey);
    const status = await call('GET', `/runtime/webhooks/durabletask/instances/${id}?code=${systemKey}`);
    expect(status.status).toBe(202);
    const list = await call('GET', '/runtime/webhooks/durabletask/instances', {
      'x-functions-key': systemKey,
    });
    expect(list.status).toBe(200);
    const start = await call('POST', `/runtime/webhooks/durabletask/orchestrators/nothing-by-this-name`, {
      'x-functions-key': masterKey,
      'content-type': 'application/json',
    });
    expect(start.status).toBe(400);
  });
});
