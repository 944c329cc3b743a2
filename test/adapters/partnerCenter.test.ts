import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { createCredentials } from '../../shared/adapters/identity/credentials';
import { PartnerCenterClient } from '../../shared/adapters/partnerCenter/partnerCenterClient';
import { parsePartnerCenterEvent } from '../../shared/adapters/partnerCenter/webhookEvents';
import { REQUIRED_EVENTS, WebhookReadiness } from '../../shared/adapters/partnerCenter/webhookReadiness';
import { WebhookVerifier } from '../../shared/adapters/partnerCenter/webhookVerifier';
import { CUSTOMER_TENANT, SUBSCRIPTION } from '../support/fixtures';
import { startSandboxWorld, type SandboxWorld } from '../support/sandboxHarness';

let world: SandboxWorld;
let client: PartnerCenterClient;
let verifier: WebhookVerifier;
let receiver: Server;
let receiverUrl: string;
const received: { verified: boolean; body: string }[] = [];

beforeAll(async () => {
  world = await startSandboxWorld();
  world.cloud.state.addCustomer(CUSTOMER_TENANT, [SUBSCRIPTION]);
  world.cloud.partnerCenter.retryDelayMs = 5;
  client = new PartnerCenterClient(world.config, createCredentials(world.config));
  verifier = new WebhookVerifier({
    certificateHost: world.config.cloud.webhookCertificateHost,
    extraTrustedRootsPem: world.cloud.pki.trustedRootsPem,
    downloadCa: readFileSync(world.caFile, 'utf8'),
  });
  // The product's callback, reduced to verification: 200 when Partner Center signed it, 401 if not.
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      const result = await verifier.verify(req.headers, body);
      received.push({ verified: result.ok, body: body.toString() });
      res.writeHead(result.ok ? 200 : 401).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', () => resolve()));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/api/webhooks/partner-center`;
});
afterAll(async () => {
  receiver.close();
  await world.stop();
});

/** A request exactly as Partner Center would send it, signed by the sandbox's Microsoft certificate. */
const signed = (
  body = JSON.stringify({
    EventName: 'reseller-relationship-accepted-by-customer',
    ResourceUri: `${world.cloud.url}/v1/customers/${CUSTOMER_TENANT}`,
    ResourceName: 'customer',
    AuditUri: null,
    ResourceChangeUtcDate: '2026-11-27T08:00:00Z',
  }),
) => {
  world.cloud.partnerCenter.signer = 'microsoft';
  const r = world.cloud.partnerCenter.signedRequest(body);
  return {
    headers: Object.fromEntries(Object.entries(r.headers).map(([k, v]) => [k.toLowerCase(), v])),
    body: Buffer.from(r.body),
  };
};

let cleanups: (() => void)[] = [];
const afterThis = (cleanup: () => void) => cleanups.push(cleanup);
afterEach(() => {
  for (const cleanup of cleanups) cleanup();
  cleanups = [];
});

describe('Partner Center webhook verification', () => {
  it('accepts a correctly signed request', async () => {
    const { headers, body } = signed();
    expect(await verifier.verify(headers, body)).toEqual({ ok: true });
  });

  it.each([
    [
      'a changed body',
      (h: Record<string, string>, b: Buffer) => ({
        h,
        b: Buffer.from(b.toString().replace('2026-11-27', '2026-11-28')),
      }),
    ],
    [
      'a certificate on another host',
      (h: Record<string, string>, b: Buffer) => ({
        h: { ...h, 'x-ms-certificate-url': h['x-ms-certificate-url']!.replace('127.0.0.1', 'localhost') },
        b,
      }),
    ],
    [
      'a look-alike certificate host',
      (h: Record<string, string>, b: Buffer) => ({
        h: {
          ...h,
          'x-ms-certificate-url': h['x-ms-certificate-url']!.replace(
            '://127.0.0.1',
            '://127.0.0.1.evil.example',
          ),
        },
        b,
      }),
    ],
    [
      'plain http',
      (h: Record<string, string>, b: Buffer) => ({
        h: { ...h, 'x-ms-certificate-url': h['x-ms-certificate-url']!.replace('https:', 'http:') },
        b,
      }),
    ],
    [
      'a certificate URL with a query',
      (h: Record<string, string>, b: Buffer) => ({
        h: { ...h, 'x-ms-certificate-url': `${h['x-ms-certificate-url']}?x=1` },
        b,
      }),
    ],
    [
      'an unknown algorithm',
      (h: Record<string, string>, b: Buffer) => ({ h: { ...h, 'x-ms-signature-algorithm': 'rsa-sha1' }, b }),
    ],
    [
      'a missing Authorization header',
      (h: Record<string, string>, b: Buffer) => ({ h: { ...h, authorization: '' }, b }),
    ],
    [
      'another authorization scheme',
      (h: Record<string, string>, b: Buffer) => ({
        h: { ...h, authorization: h.authorization!.replace('Signature', 'Bearer') },
        b,
      }),
    ],
    [
      'a missing certificate URL',
      (h: Record<string, string>, b: Buffer) => ({ h: { ...h, 'x-ms-certificate-url': '' }, b }),
    ],
    [
      'a missing algorithm header',
      (h: Record<string, string>, b: Buffer) => ({ h: { ...h, 'x-ms-signature-algorithm': '' }, b }),
    ],
    [
      'a replayed signature on an altered body',
      (h: Record<string, string>, b: Buffer) => ({
        h,
        b: Buffer.from(b.toString().replace(CUSTOMER_TENANT, '00000000-1111-4222-8333-444444444444')),
      }),
    ],
    [
      'a signature with a flipped byte',
      (h: Record<string, string>, b: Buffer) => {
        const sig = Buffer.from(h.authorization!.slice('Signature '.length), 'base64');
        sig[10] = (sig[10] as number) ^ 1;
        return { h: { ...h, authorization: `Signature ${sig.toString('base64')}` }, b };
      },
    ],
  ])('rejects %s', async (_what, alter) => {
    const { headers, body } = signed();
    const { h, b } = alter(headers as Record<string, string>, body);
    expect(await verifier.verify(h, b)).toMatchObject({ ok: false });
  });

  it('rejects certificates that do not chain to a trusted root, or are not issued to Microsoft Corporation', async () => {
    afterThis(() => (world.cloud.partnerCenter.signer = 'microsoft'));
    for (const signer of ['impostor', 'other-organisation'] as const) {
      world.cloud.partnerCenter.signer = signer;
      const r = world.cloud.partnerCenter.signedRequest('{"EventName":"test-created"}');
      const headers = Object.fromEntries(Object.entries(r.headers).map(([k, v]) => [k.toLowerCase(), v]));
      expect(await verifier.verify(headers, Buffer.from(r.body))).toEqual({
        ok: false,
        reason:
          signer === 'impostor'
            ? 'certificate does not chain to a trusted root'
            : 'certificate is not issued by Microsoft Corporation',
      });
    }
    world.cloud.partnerCenter.signer = 'microsoft';
  });
});

describe('Partner Center events', () => {
  it('parses the acceptance and DAP events with the customer tenant, and refuses anything else', () => {
    const ok = parsePartnerCenterEvent(
      JSON.stringify({
        EventName: 'dap-admin-relationship-approved',
        ResourceUri: `https://api.partnercenter.microsoft.com/v1/customers/${CUSTOMER_TENANT.toUpperCase()}`,
        ResourceName: 'customer',
        AuditUri: null,
        ResourceChangeUtcDate: '2026-11-27T08:00:00.1234567+00:00',
      }),
    );
    expect(ok).toEqual({
      ok: true,
      event: {
        eventName: 'dap-admin-relationship-approved',
        resourceUri: expect.any(String),
        customerTenantId: CUSTOMER_TENANT,
        changedAt: '2026-11-27T08:00:00.123Z',
      },
    });
    for (const bad of [
      'not json',
      '{}',
      '[]',
      JSON.stringify({
        EventName: 'subscription-updated',
        ResourceUri: 'https://x/v1/customers/abc',
        ResourceChangeUtcDate: '2026-01-01',
      }),
      JSON.stringify({
        EventName: 'reseller-relationship-accepted-by-customer',
        ResourceUri: 'https://x/v1/customers/not-a-guid',
        ResourceChangeUtcDate: '2026-01-01',
      }),
      JSON.stringify({
        EventName: 'reseller-relationship-accepted-by-customer',
        ResourceUri: `https://x/v1/customers/${CUSTOMER_TENANT}`,
        ResourceChangeUtcDate: 'yesterday',
      }),
    ]) {
      expect(parsePartnerCenterEvent(bad)).toMatchObject({ ok: false });
    }
  });
});

describe('Partner Center client and webhook readiness', () => {
  it('knows whether the customer relationship exists', async () => {
    expect(await client.customerRelationship(CUSTOMER_TENANT)).toEqual({ kind: 'notRelated' });
    await world.cloud.partnerCenter.accept(CUSTOMER_TENANT, false);
    expect(await client.customerRelationship(CUSTOMER_TENANT)).toEqual({
      kind: 'related',
      relationship: 'reseller',
    });
    world.cloud.faults.set('partnerCenter', { rate429: 1, retryAfterSeconds: 0 });
    expect(await client.customerRelationship(CUSTOMER_TENANT)).toEqual({
      kind: 'failed',
      failure: { kind: 'throttled', retryAfterMs: 0 },
    });
    world.cloud.faults.clear();
  });

  it('registers when nothing is registered, runs the validation event, and records readiness', async () => {
    world.cloud.state.registration = undefined;
    const readiness = new WebhookReadiness(client, await world.table('state'));
    const result = await readiness.ensure(receiverUrl, { validate: true, waitMs: 5000 });
    expect(result).toMatchObject({
      registered: true,
      urlCurrent: true,
      eventsPresent: true,
      missingEvents: [],
      lastValidation: { result: 'delivered' },
    });
    expect(world.cloud.state.registration).toMatchObject({
      WebhookUrl: receiverUrl,
      WebhookEvents: REQUIRED_EVENTS,
    });
    expect(received.at(-1)).toMatchObject({ verified: true, body: expect.stringContaining('test-created') });
    expect(await readiness.read()).toEqual(result);
  });

  it('reports what Partner Center says now, writing nothing there: a registration that went is seen at once', async () => {
    const readiness = new WebhookReadiness(client, await world.table('state'));
    await readiness.ensure(receiverUrl, { validate: true, waitMs: 5000 });
    world.cloud.state.registration = undefined; // gone (another tool, or a reset sandbox)
    const now = await readiness.check(receiverUrl);
    expect(now).toMatchObject({
      registered: false,
      urlCurrent: false,
      lastValidation: { result: 'delivered' },
    });
    expect(world.cloud.state.registration).toBeUndefined();
    world.cloud.state.registration = {
      SubscriberId: 's',
      WebhookUrl: receiverUrl,
      WebhookEvents: ['test-created'],
    };
    expect(await readiness.check(receiverUrl)).toMatchObject({
      registered: true,
      urlCurrent: true,
      eventsPresent: false,
      missingEvents: ['reseller-relationship-accepted-by-customer', 'dap-admin-relationship-approved'],
    });
    expect(world.cloud.state.registration.WebhookEvents).toEqual(['test-created']);
  });

  it('adds missing events to its own registration, keeping the others', async () => {
    world.cloud.state.registration = {
      SubscriberId: 's',
      WebhookUrl: receiverUrl,
      WebhookEvents: ['subscription-updated', 'test-created'],
    };
    const result = await new WebhookReadiness(client, await world.table('state')).ensure(receiverUrl, {
      validate: false,
    });
    expect(result).toMatchObject({ eventsPresent: true, urlCurrent: true });
    expect(world.cloud.state.registration?.WebhookEvents.sort()).toEqual(
      ['subscription-updated', ...REQUIRED_EVENTS].sort(),
    );
  });

  it("never replaces another tool's registration: reports the conflict instead", async () => {
    const theirs = {
      SubscriberId: 's',
      WebhookUrl: 'https://other-tool.example/hook',
      WebhookEvents: ['subscription-updated'],
    };
    world.cloud.state.registration = { ...theirs };
    const result = await new WebhookReadiness(client, await world.table('state')).ensure(receiverUrl, {
      validate: true,
    });
    expect(result).toMatchObject({
      registered: true,
      urlCurrent: false,
      eventsPresent: false,
      conflict: { registeredUrl: theirs.WebhookUrl, registeredEvents: theirs.WebhookEvents },
    });
    expect(world.cloud.state.registration).toEqual(theirs);
  });

  it('delivers the acceptance webhook signed, and the receiver verifies it', async () => {
    world.cloud.state.registration = {
      SubscriberId: 's',
      WebhookUrl: receiverUrl,
      WebhookEvents: REQUIRED_EVENTS,
    };
    const before = received.length;
    expect(await world.cloud.partnerCenter.accept(CUSTOMER_TENANT, true)).toEqual({ notified: true });
    const events = received.slice(before);
    expect(
      events.map((e) => [
        e.verified,
        parsePartnerCenterEvent(e.body).ok && (JSON.parse(e.body) as { EventName: string }).EventName,
      ]),
    ).toEqual([
      [true, 'reseller-relationship-accepted-by-customer'],
      [true, 'dap-admin-relationship-approved'],
    ]);
  });
});
