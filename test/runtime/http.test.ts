import { connect } from 'node:net';
import { KEYS, startSampleRuntime, type SampleRuntime } from '../support/runtimeHarness';

let rt: SampleRuntime;
beforeAll(async () => {
  rt = await startSampleRuntime();
});
afterAll(() => rt.stop());

describe('offline runtime: HTTP triggers', () => {
  it('routes by template with route parameters and the host route prefix, and returns status, headers, cookies and body', async () => {
    const res = await rt.fetch('/api/hello/Ada?punctuation=!');
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('Hello, Ada!');
    expect(res.headers.get('x-sample')).toBe('yes');
    expect(res.headers.get('set-cookie')).toBe('seen=Ada; Path=/; HttpOnly');
  });

  it('matches literal segments case-insensitively and decodes parameters', async () => {
    const res = await rt.fetch('/API/Hello/J%C3%BCrgen');
    expect(await res.text()).toBe('Hello, Jürgen');
  });

  it('answers 404 for unknown routes, 405 for a known route with the wrong method, and enforces route constraints', async () => {
    expect((await rt.fetch('/api/nothing-here')).status).toBe(404);
    expect((await rt.fetch('/hello/Ada')).status).toBe(404);
    expect((await rt.fetch('/api/hello/Ada', { method: 'DELETE' })).status).toBe(405);
    expect((await rt.fetch(`/api/secret/abc?code=${KEYS.functionKey}`)).status).toBe(404);
  });

  it('requires a key on function-level routes: 401 without, 200 with the function key (header or code) or the master key', async () => {
    const missing = await rt.fetch('/api/secret/7');
    expect(missing.status).toBe(401);
    // A problem document that says what to send, not an empty 401.
    expect(missing.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await missing.json()).toEqual({
      type: 'about:blank',
      title: 'A key is required',
      status: 401,
      detail:
        'This path needs a function key: send it in the x-functions-key header or as the code query parameter (?code=).',
      neededKey: 'function',
    });
    const wrong = await rt.fetch('/api/secret/7', { headers: { 'x-functions-key': 'wrong' } });
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { detail: string }).detail).toMatch(
      /^The key sent is not one this path accepts\. This path needs a function key/,
    );
    const byHeader = await rt.fetch('/api/secret/7', { headers: { 'x-functions-key': KEYS.functionKey } });
    expect(byHeader.status).toBe(200);
    expect(await byHeader.json()).toEqual({ id: 7, method: 'GET' });
    expect((await rt.fetch(`/api/secret/7?code=${KEYS.functionKey}`)).status).toBe(200);
    expect((await rt.fetch(`/api/secret/7?code=${KEYS.masterKey}`)).status).toBe(200);
  });

  it('never passes on platform identity headers a client sent, and has no sign-in while authentication is off', async () => {
    const res = await rt.fetch('/api/principal', {
      headers: {
        'X-MS-CLIENT-PRINCIPAL': Buffer.from('{"claims":[]}').toString('base64'),
        'X-MS-CLIENT-PRINCIPAL-NAME': 'mallory@example.com',
        'X-MS-TOKEN-AAD-ID-TOKEN': 'forged',
      },
    });
    expect(await res.json()).toEqual({});
    expect((await rt.fetch('/.auth/me')).status).toBe(404);
    expect((await rt.fetch('/.auth/login/aad')).status).toBe(404);
  });

  it('answers an absolute-form request target (RFC 9112 section 3.2.2) as it answers the origin-form', async () => {
    const { port } = new URL(rt.host.url);
    /** One request written on a raw socket, as a proxy-style client writes it; the whole answer. */
    const raw = (requestLine: string, host = `127.0.0.1:${port}`) =>
      new Promise<string>((resolve, reject) => {
        const socket = connect(Number(port), '127.0.0.1');
        let answer = '';
        socket.on('data', (chunk: Buffer) => (answer += chunk.toString('utf8')));
        socket.on('end', () => resolve(answer));
        socket.on('error', reject);
        socket.write(`${requestLine}\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
      });
    const origin = await raw('GET /api/hello/Ada?punctuation=! HTTP/1.1');
    const absolute = await raw(`GET http://127.0.0.1:${port}/api/hello/Ada?punctuation=! HTTP/1.1`);
    expect(absolute).toMatch(/^HTTP\/1\.1 200 /);
    expect(absolute.split('\r\n\r\n')[1]).toBe(origin.split('\r\n\r\n')[1]);
    expect(absolute).toContain('Hello, Ada!');
    // Keys and unknown paths behave the same in either form.
    expect(await raw(`GET http://127.0.0.1:${port}/api/secret/7 HTTP/1.1`)).toMatch(/^HTTP\/1\.1 401 /);
    expect(await raw(`GET HTTP://LOCALHOST:${port}/api/nothing HTTP/1.1`, 'elsewhere.example')).toMatch(
      /^HTTP\/1\.1 404 /,
    );
    // Targets that are neither: a 400 (or Node's own refusal), never a 500.
    for (const target of ['api/hello/Ada', 'ftp://127.0.0.1/api/hello/Ada', 'http://[::1/x', '*'])
      expect(await raw(`GET ${target} HTTP/1.1`)).toMatch(/^HTTP\/1\.1 4\d\d /);
  });

  it('passes request bodies through', async () => {
    const res = await rt.fetch('/api/secret/8', {
      method: 'PUT',
      headers: { 'x-functions-key': KEYS.functionKey, 'content-type': 'application/json' },
      body: JSON.stringify({ a: [1, 2] }),
    });
    expect(await res.json()).toEqual({ id: 8, method: 'PUT', body: { a: [1, 2] } });
  });

  it('protects the Durable HTTP API with the system key or the master key, and serves no keyless RPC path', async () => {
    expect((await rt.fetch('/runtime/webhooks/durabletask/instances/x')).status).toBe(401);
    expect(
      (await rt.fetch(`/runtime/webhooks/durabletask/instances/x?code=${KEYS.functionKey}`)).status,
    ).toBe(401);
    for (const key of [KEYS.masterKey, rt.host.keys.systemKey])
      expect(
        (await rt.fetch(`/runtime/webhooks/durabletask/instances/x?code=${encodeURIComponent(key)}`)).status,
      ).toBe(404);
    expect((await rt.fetch('/durabletask/instances')).status).toBe(404);
    // The host's admin API: the master key only, checked before the path is looked at.
    const admin = await rt.fetch('/admin/host/status', { headers: { 'x-functions-key': KEYS.functionKey } });
    expect(admin.status).toBe(401);
    expect(((await admin.json()) as { neededKey: string }).neededKey).toBe('admin');
    // Names of Object.prototype members are no function and no orchestrator.
    const withMaster = { 'x-functions-key': KEYS.masterKey, 'content-type': 'application/json' };
    for (const name of ['constructor', '__proto__', 'toString']) {
      const post = (path: string) => rt.fetch(path, { method: 'POST', headers: withMaster, body: '{}' });
      expect((await post(`/admin/functions/${name}`)).status).toBe(404);
      expect((await post(`/runtime/webhooks/durabletask/orchestrators/${name}`)).status).toBe(400);
    }
  });
});
