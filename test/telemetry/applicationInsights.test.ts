import { createHash } from 'node:crypto';
import type { Server } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { shutdownAzureMonitor } from '@azure/monitor-opentelemetry';
import { ALERT_RULES, WORKBOOK_QUERIES } from '../../shared/telemetry/operationsQueries';
import { CUSTOMER_TENANT, SUBSCRIPTION } from '../support/fixtures';
import { kustoReferences } from '../support/kustoReferences';
import { linkIn, startProduct, type Product } from '../support/productHarness';
import { sharedPki } from '../support/sandboxHarness';

/**
 * The app as Azure runs it, exporting with Microsoft's distribution to a stand-in for Application
 * Insights' ingestion endpoint (the connection string's IngestionEndpoint; the exporter posts
 * envelopes to /v2.1/track). What arrives is what the alert rules and the workbook query: each
 * metric by name, each customDimensions key, requests with their result codes, one operation id per
 * reinstatement.
 */
interface Envelope {
  name: string;
  tags: Record<string, string>;
  data: {
    baseType: string;
    baseData: {
      name?: string;
      responseCode?: string;
      resultCode?: string;
      properties?: Record<string, string>;
      metrics?: { name: string; value: number }[];
    };
  };
}

const CALLER_TRACE = '0af7651916cd43dd8448eb211c80319c';
const CALLER_SPAN = 'b7ad6b7169203331';
const CALLER_TRACEPARENT = `00-${CALLER_TRACE}-${CALLER_SPAN}-01`;
const received: Envelope[] = [];
let ingestion: Server;
let p: Product;
let id: string;

beforeAll(async () => {
  // The exporter turns any http:// endpoint into https:// (connectionStringParser), so the stand-in
  // serves TLS with the sandbox's certificate, which the app trusts through TLS_CA_FILE.
  const { tls } = await sharedPki();
  ingestion = createServer({ cert: tls.certPem, key: tls.keyPem }, (request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      if (request.url?.startsWith('/v2.1/track')) {
        const text = (request.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body).toString(
          'utf8',
        );
        const items = (
          text.trim().startsWith('[')
            ? JSON.parse(text)
            : text
                .trim()
                .split('\n')
                .map((l) => JSON.parse(l))
        ) as Envelope[];
        received.push(...items);
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(
          JSON.stringify({ itemsReceived: items.length, itemsAccepted: items.length, errors: [] }),
        );
      } else response.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => ingestion.listen(0, '127.0.0.1', resolve));
  const endpoint = `https://127.0.0.1:${(ingestion.address() as AddressInfo).port}/`;
  // Statsbeat (the SDK's own usage reporting to Microsoft) would call out of this machine.
  process.env.APPLICATIONINSIGHTS_STATSBEAT_DISABLED = 'true';
  process.env.APPLICATION_INSIGHTS_NO_STATSBEAT = 'true';
  p = await startProduct({
    APPLICATIONINSIGHTS_CONNECTION_STRING: `InstrumentationKey=00000000-0000-0000-0000-000000000001;IngestionEndpoint=${endpoint};LiveEndpoint=${endpoint}`,
  });

  const started = await p.partner('/api/reinstatements', {
    method: 'POST',
    body: JSON.stringify({
      customerTenantId: CUSTOMER_TENANT,
      customerName: 'Contoso Ltd',
      contact: { name: 'Ada Admin', email: 'ada@contoso.com' },
      scopes: [`/subscriptions/${SUBSCRIPTION}`],
    }),
  });
  id = ((await started.json()) as { id: string }).id;
  await p.settle();
  await p.anonymous(linkIn(p.mailsTo('ada@contoso.com')[0]?.plainText, /\/api\/c\//));
  await p.cloud.partnerCenter.accept(CUSTOMER_TENANT, false);
  await p.settle();
  await p.grantOwner(`/subscriptions/${SUBSCRIPTION}`);
  await p.runVerificationTimer();
  // Partner Center throttles a call once, and the shared budget holds the next back: the throttling the
  // workbook shows.
  p.cloud.faults.set('partnerCenter', { rate429: 1, retryAfterSeconds: 60, limit: 1 });
  await p.partner('/api/webhooks/partner-center/readiness');
  // Within its Retry-After, the shared budget holds the next request back without sending it.
  await p.partner('/api/webhooks/partner-center/readiness');
  await p.host.runTimerNow('watchdog');
  // A caller (a PSA tool) that traces its own calls: the host hands its traceparent to the invocation.
  await p.partner('/api/email/backlog', { headers: { traceparent: CALLER_TRACEPARENT } });
  await p.settle();
  await shutdownAzureMonitor(); // flushes every span and metric to the endpoint
}, 180_000);

afterAll(async () => {
  await p.stop();
  await new Promise((resolve) => ingestion.close(resolve));
});

const ofType = (baseType: string) => received.filter((e) => e.data.baseType === baseType);
const traceIdOf = (reinstatementId: string) =>
  createHash('sha256').update(`reinstatement ${reinstatementId}`).digest('hex').slice(0, 32);

describe('exported to Application Insights with @azure/monitor-opentelemetry', () => {
  it("files one reinstatement's requests and dependencies under one operation id, derived from its id", () => {
    const ofIt = received.filter((e) => e.data.baseData.properties?.['reinstatement.id'] === id);
    expect(ofIt.map((e) => e.data.baseType)).toEqual(
      expect.arrayContaining(['RequestData', 'RemoteDependencyData']),
    );
    expect(new Set(ofIt.map((e) => e.tags['ai.operation.id']))).toEqual(new Set([traceIdOf(id)]));
    // Activities are requests named as the code names them; Microsoft's APIs are dependencies.
    const names = ofIt.map((e) => e.data.baseData.name);
    expect(names).toEqual(expect.arrayContaining(['activity recordAcceptance', 'GET /api/c/{token}']));
  });

  it("continues a caller's trace into the request, through the distribution's Azure Functions hook", () => {
    const request = ofType('RequestData').find((e) => e.data.baseData.name === 'GET /api/email/backlog');
    expect(request?.tags['ai.operation.id']).toBe(CALLER_TRACE);
    expect(request?.tags['ai.operation.parentId']).toBe(CALLER_SPAN);
  });

  it('delivers every metric and dimension the alert rules and the workbook query', () => {
    const queries = [...ALERT_RULES.map((r) => r.query), ...WORKBOOK_QUERIES.map((q) => q.query)];
    const metricNames = new Set(
      ofType('MetricData').flatMap((e) => (e.data.baseData.metrics ?? []).map((m) => m.name)),
    );
    const dimensions = new Set(received.flatMap((e) => Object.keys(e.data.baseData.properties ?? {})));
    for (const query of queries) {
      const refs = kustoReferences(query);
      for (const name of refs.metricNames) expect([name, metricNames.has(name)]).toEqual([name, true]);
      for (const key of refs.dimensions) expect([key, dimensions.has(key)]).toEqual([key, true]);
    }
  });

  it("marks the app's HTTP requests, with their status, for the 5xx alert", () => {
    const http = ofType('RequestData').filter((e) => e.data.baseData.properties?.['faas.trigger'] === 'http');
    expect(http.length).toBeGreaterThan(3);
    for (const e of http) expect(e.data.baseData.responseCode).toMatch(/^[1-5]\d\d$/);
    expect(http.map((e) => e.data.baseData.name)).toContain('POST /api/reinstatements');
  });

  it("keeps Microsoft's correlation ids on the dependencies, and no secret, token or address anywhere", () => {
    const arm = ofType('RemoteDependencyData').filter(
      (e) => e.data.baseData.properties?.['dependency.service'] === 'ARM',
    );
    expect(arm.length).toBeGreaterThan(0);
    for (const e of arm)
      expect(e.data.baseData.properties?.['http.response.header.x-ms-correlation-request-id']).toMatch(
        /^[0-9a-f-]{36}$/,
      );
    const everything = JSON.stringify(received);
    for (const secret of [process.env.LINK_SIGNING_KEY, process.env.PARTNER_APP_CLIENT_SECRET])
      expect(everything.includes(String(secret))).toBe(false);
    expect(everything).not.toMatch(/eyJ[\w-]+\.[\w-]+\.[\w-]+/);
    expect(everything).not.toMatch(/ada@contoso\.com|ops@partner\.example/);
    expect(everything).not.toMatch(/\/api\/c\/v1\./);
  });
});
