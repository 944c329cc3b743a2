import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ChildRuntime } from '../support/childRuntime';
import { CUSTOMER_TENANT, SUBSCRIPTION } from '../support/fixtures';
import { compiledApp, startProductWorld, type ProductWorld } from '../support/productHarness';

/**
 * TELEMETRY_EXPORT=otlp, as a developer points the sandbox at a local collector: the compiled app, in
 * a process of its own, sends its spans and metrics over OTLP/HTTP (JSON here, by the standard
 * OTEL_EXPORTER_OTLP_PROTOCOL) to a collector this test runs on 127.0.0.1. One reinstatement's
 * spans arrive in one trace with the names and attributes the operations guide queries, and nothing
 * secret is in what was sent.
 */
interface OtlpSpan {
  traceId: string;
  name: string;
  attributes?: { key: string; value: { stringValue?: string } }[];
}
interface OtlpTraces {
  resourceSpans?: { scopeSpans?: { spans?: OtlpSpan[] }[] }[];
}
interface OtlpMetrics {
  resourceMetrics?: { scopeMetrics?: { metrics?: { name: string }[] }[] }[];
}

let world: ProductWorld;
let child: ChildRuntime | undefined;
let collector: Server;
const received: { path: string; body: string }[] = [];

beforeAll(async () => {
  collector = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ path: req.url ?? '', body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  child?.process.kill('SIGKILL');
  await world?.stop();
  await new Promise((resolve) => collector.close(resolve));
});

const spans = (): OtlpSpan[] =>
  received
    .filter((r) => r.path === '/v1/traces')
    .flatMap((r) => (JSON.parse(r.body) as OtlpTraces).resourceSpans ?? [])
    .flatMap((rs) => rs.scopeSpans ?? [])
    .flatMap((ss) => ss.spans ?? []);
const attribute = (span: OtlpSpan, key: string) =>
  span.attributes?.find((a) => a.key === key)?.value.stringValue;

it("sends one reinstatement's spans, in one trace, and its metrics to an OTLP endpoint", async () => {
  const endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
  world = await startProductWorld({
    TELEMETRY_EXPORT: 'otlp',
    OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_BSP_SCHEDULE_DELAY: '200',
    OTEL_METRIC_EXPORT_INTERVAL: '1000',
  });
  const { run, api } = compiledApp(world);
  child = await run();
  const started = await api('/api/reinstatements', {
    method: 'POST',
    body: JSON.stringify({
      customerTenantId: CUSTOMER_TENANT,
      customerName: 'Contoso',
      contact: { name: 'Ada', email: 'ada@contoso.com' },
      scopes: [`/subscriptions/${SUBSCRIPTION}`],
    }),
  });
  expect(started.status).toBe(202);
  const { id } = (await started.json()) as { id: string };

  const expected = [
    'start reinstatement',
    'activity queueMail',
    'send mail invitation',
    'ACS Email POST /emails:send',
  ];
  const deadline = Date.now() + 30_000;
  let ofIt: OtlpSpan[] = [];
  while (Date.now() < deadline) {
    ofIt = spans().filter((s) => attribute(s, 'reinstatement.id') === id);
    if (expected.every((name) => ofIt.some((s) => s.name === name))) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  expect(ofIt.map((s) => s.name)).toEqual(expect.arrayContaining(expected));
  // One trace: every span that names the reinstatement carries the trace id derived from it.
  expect(new Set(ofIt.map((s) => s.traceId)).size).toBe(1);
  // The request that started it is a span of its own (linked from the reinstatement's trace).
  expect(spans().map((s) => s.name)).toContain('POST /api/reinstatements');

  // A caller's W3C trace continues into the app's span (the host hands the invocation its
  // traceparent); a malformed or all-zero one starts a trace of the app's own.
  const callerTrace = '4bf92f3577b34da6a3ce929d0e0e4736';
  const callerSpan = '00f067aa0ba902b7';
  for (const traceparent of [
    `00-${callerTrace}-${callerSpan}-01`,
    '00-zz-00f067aa0ba902b7-01',
    `00-${'0'.repeat(32)}-${callerSpan}-01`,
  ])
    expect((await api('/api/email/backlog', { headers: { traceparent } })).status).toBe(200);
  const backlogSpans = async () => {
    for (const until = Date.now() + 10_000; Date.now() < until;) {
      const found = spans().filter((s) => s.name === 'GET /api/email/backlog');
      if (found.length >= 3) return found;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    return spans().filter((s) => s.name === 'GET /api/email/backlog');
  };
  const continued = (await backlogSpans()) as (OtlpSpan & { parentSpanId?: string })[];
  expect(continued.filter((s) => s.traceId === callerTrace).map((s) => s.parentSpanId)).toEqual([callerSpan]);
  expect(continued.filter((s) => s.traceId !== callerTrace && !/^0+$/.test(s.traceId))).toHaveLength(2);

  // Metrics arrive too (the state moves are counted).
  const metricsDeadline = Date.now() + 15_000;
  const metricNames = () =>
    received
      .filter((r) => r.path === '/v1/metrics')
      .flatMap((r) => (JSON.parse(r.body) as OtlpMetrics).resourceMetrics ?? [])
      .flatMap((rm) => rm.scopeMetrics ?? [])
      .flatMap((sm) => sm.metrics ?? [])
      .map((m) => m.name);
  while (!metricNames().includes('reinstatement.transitions') && Date.now() < metricsDeadline)
    await new Promise((resolve) => setTimeout(resolve, 200));
  expect(metricNames()).toContain('reinstatement.transitions');

  // Never a token, a key or a secret: none of the app's secret settings is in anything sent (the
  // runtime passes settings as arguments, which the SDK's process detector would export).
  const everything = received.map((r) => r.body).join('\n');
  for (const setting of [
    'PARTNER_APP_CLIENT_SECRET',
    'LINK_SIGNING_KEY',
    'PARTNER_REFRESH_TOKEN',
    'ALERT_WEBHOOK_SECRET',
    'ALERT_TEAMS_WEBHOOK_URL',
  ]) {
    const value = world.settings[setting];
    if (value) expect([setting, everything.includes(value)]).toEqual([setting, false]);
  }
  expect(everything).not.toMatch(/accesskey=/i);
  expect(everything).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.eyJ/);
}, 90_000);
