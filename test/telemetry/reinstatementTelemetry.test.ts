import { createHash } from 'node:crypto';
import { context, metrics, propagation, trace } from '@opentelemetry/api';
import { metrics as sdkMetrics, node, tracing } from '@opentelemetry/sdk-node';
import { METRIC_NAMES } from '../../shared/telemetry/names';
import { CUSTOMER_TENANT, SUBSCRIPTION } from '../support/fixtures';
import { linkIn, startProduct, type Product } from '../support/productHarness';

/**
 * The telemetry of one reinstatement, through the whole app on the offline runtime, caught by
 * in-memory exporters (the app itself exports nothing in tests): one trace from the request to
 * Reinstated, whatever ran it and whenever, with the names and attributes operators query, and
 * nothing in it that is a secret, a mail or an address.
 */
const spans = new tracing.InMemorySpanExporter();
const tracerProvider = new node.NodeTracerProvider({
  spanProcessors: [new tracing.SimpleSpanProcessor(spans)],
});
const metricReader = new sdkMetrics.PeriodicExportingMetricReader({
  exporter: new sdkMetrics.InMemoryMetricExporter(sdkMetrics.AggregationTemporality.CUMULATIVE),
  exportIntervalMillis: 3_600_000,
});
const meterProvider = new sdkMetrics.MeterProvider({ readers: [metricReader] });

let p: Product;
let id: string;
beforeAll(async () => {
  tracerProvider.register();
  metrics.setGlobalMeterProvider(meterProvider);
  p = await startProduct();

  // Partner Center: the webhook's readiness (its calls are dependencies of that request's own trace).
  expect((await p.partner('/api/webhooks/partner-center/readiness', { method: 'POST' })).status).toBe(200);

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
  const invitation = p.mailsTo('ada@contoso.com')[0];
  expect((await p.anonymous(linkIn(invitation?.plainText, /\/api\/c\//))).status).toBe(302);
  await p.cloud.partnerCenter.accept(CUSTOMER_TENANT, false);
  await p.settle();
  await p.grantOwner(`/subscriptions/${SUBSCRIPTION}`);
  await p.runVerificationTimer();
  expect(((await (await p.partner(`/api/reinstatements/${id}`)).json()) as { state: string }).state).toBe(
    'Reinstated',
  );
  // Partner Center throttles once: the next call's 429 is counted, and the call after it is held back.
  p.cloud.faults.set('partnerCenter', { rate429: 1, retryAfterSeconds: 60, limit: 1 });
  await p.partner('/api/webhooks/partner-center/readiness');
  // Within its Retry-After, the shared budget holds the next request back without sending it.
  await p.partner('/api/webhooks/partner-center/readiness');
  await p.host.runTimerNow('watchdog');
  await p.settle();
}, 120_000);

afterAll(async () => {
  await p.stop();
  await tracerProvider.shutdown();
  await meterProvider.shutdown();
  trace.disable();
  metrics.disable();
  context.disable();
  propagation.disable();
});

const all = () => spans.getFinishedSpans();
const attr = (s: tracing.ReadableSpan, key: string) => s.attributes[key];
/** As docs/OPERATIONS.md tells operators to compute it: the first 16 bytes of SHA-256("reinstatement <id>"). */
const traceIdOf = (reinstatementId: string) =>
  createHash('sha256').update(`reinstatement ${reinstatementId}`).digest('hex').slice(0, 32);
const rootSpanIdOf = (reinstatementId: string) =>
  createHash('sha256').update(`reinstatement ${reinstatementId}`).digest('hex').slice(32, 48);

describe("one reinstatement's telemetry", () => {
  it('forms one trace, derived from its id, from the request to Reinstated, with nothing else in it', () => {
    const ofIt = all().filter((s) => attr(s, 'reinstatement.id') === id);
    const inTrace = all().filter((s) => s.spanContext().traceId === traceIdOf(id));
    expect(ofIt.length).toBeGreaterThan(20);
    expect(new Set(ofIt.map((s) => s.spanContext().traceId))).toEqual(new Set([traceIdOf(id)]));
    expect(inTrace.map((s) => s.spanContext().spanId).sort()).toEqual(
      ofIt.map((s) => s.spanContext().spanId).sort(),
    );
    // Every span hangs off the reinstatement's root or off another span of the trace.
    const ids = new Set(inTrace.map((s) => s.spanContext().spanId));
    const orphans = inTrace.filter((s) => {
      const parent = s.parentSpanContext?.spanId ?? '';
      return !ids.has(parent) && parent !== rootSpanIdOf(id);
    });
    expect(orphans.map((s) => s.name)).toEqual([]);

    const names = new Set(ofIt.map((s) => s.name));
    for (const expected of [
      'start reinstatement',
      'activity queueMail',
      'send mail invitation',
      'ACS Email POST /emails:send',
      'raise MailSent',
      'activity recordMailSent',
      'GET /api/c/{token}',
      'raise Accepted',
      'activity recordAcceptance',
      'activity lookupPartnerGroup',
      'Entra ID POST /{id}/oauth2/v2.0/token',
      'Microsoft Graph GET /v1.0/groups',
      'activity checkScopesNow',
      'verify scope',
      'ARM GET /subscriptions/{id}/providers/Microsoft.Authorization/roleAssignments',
      'send mail instructions',
      'raise ScopeVerified',
      'activity finish',
      'send mail thanks',
      `GET /api/reinstatements/{id}`,
    ])
      expect([expected, names.has(expected)]).toEqual([expected, true]);
  });

  it('names the customer and the step on its spans, and links the request that started it', () => {
    const ofIt = all().filter((s) => attr(s, 'reinstatement.id') === id);
    const activities = ofIt.filter((s) => s.name.startsWith('activity '));
    expect(activities.length).toBeGreaterThan(5);
    for (const s of activities) {
      expect([s.name, attr(s, 'reinstatement.step')]).toEqual([s.name, s.name.slice('activity '.length)]);
      expect([s.name, attr(s, 'reinstatement.customer_tenant_id')]).toEqual([s.name, CUSTOMER_TENANT]);
      expect(attr(s, 'faas.invocation_id')).toEqual(expect.any(String));
    }
    const verify = ofIt.find((s) => s.name === 'verify scope');
    expect(attr(verify as tracing.ReadableSpan, 'reinstatement.customer_tenant_id')).toBe(CUSTOMER_TENANT);

    // The POST that created it is a trace of its own (the id did not exist yet), linked from the start.
    const post = all().find((s) => s.name === 'POST /api/reinstatements');
    const start = ofIt.find((s) => s.name === 'start reinstatement');
    expect(start?.links.map((l) => l.context.spanId)).toContain(post?.spanContext().spanId);
    expect(attr(post as tracing.ReadableSpan, 'http.response.status_code')).toBe(202);
    // The customer's click is in the trace, its token is not.
    const click = ofIt.find((s) => s.name === 'GET /api/c/{token}');
    expect(String(attr(click as tracing.ReadableSpan, 'url.full'))).toMatch(/\/api\/c\/\{token\}$/);
  });

  it("carries Microsoft's correlation ids on the dependency spans", () => {
    const dependencies = all().filter((s) => typeof attr(s, 'dependency.service') === 'string');
    const arm = dependencies.filter((s) => attr(s, 'dependency.service') === 'ARM');
    expect(arm.length).toBeGreaterThan(0);
    for (const s of arm) {
      expect(attr(s, 'http.response.header.x-ms-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      expect(attr(s, 'http.response.header.x-ms-correlation-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    }
    const graph = dependencies.find((s) => attr(s, 'dependency.service') === 'Microsoft Graph');
    expect(attr(graph as tracing.ReadableSpan, 'http.response.header.request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const partnerCenter = dependencies.filter((s) => attr(s, 'dependency.service') === 'Partner Center');
    expect(partnerCenter.length).toBeGreaterThan(0);
    for (const s of partnerCenter)
      expect(attr(s, 'http.response.header.ms-correlationid')).toMatch(/^[0-9a-f-]{36}$/);
    const entra = dependencies.filter((s) => attr(s, 'dependency.service') === 'Entra ID');
    expect(entra.length).toBeGreaterThan(0);
    expect(attr(entra[0] as tracing.ReadableSpan, 'http.response.header.x-ms-request-id')).toMatch(
      /^[0-9a-f-]{36}$/,
    );
    const send = dependencies.find((s) => s.name === 'ACS Email POST /emails:send');
    expect(attr(send as tracing.ReadableSpan, 'http.response.status_code')).toBe(202);
    expect(attr(send as tracing.ReadableSpan, 'http.request.header.x-ms-client-request-id')).toEqual(
      expect.any(String),
    );
  });

  it('holds no token, key, secret, mail body or address in any attribute', () => {
    const values = all().flatMap((s) => [
      s.name,
      ...Object.values(s.attributes)
        .flatMap((v) => (Array.isArray(v) ? v : [v]))
        .map(String),
    ]);
    // The offline host hands the app its settings as environment variables, as Azure does.
    const settings = process.env;
    const secrets = [
      settings.LINK_SIGNING_KEY,
      settings.PARTNER_APP_CLIENT_SECRET,
      settings.PARTNER_REFRESH_TOKEN,
      /accesskey=([^;]+)/.exec(settings.ACS_CONNECTION_STRING ?? '')?.[1],
      p.cloud.acsAccessKey.toString('base64'),
      'test-function-key',
      ...[...p.cloud.state.customers.values()].map((c) => c.admin.secret),
    ].filter((s): s is string => typeof s === 'string' && s.length > 8);
    expect(secrets.length).toBeGreaterThan(4);
    const mails = p.cloud.state.outbox.flatMap((m) => [
      m.subject,
      ...(m.plainText ?? '').split('\n').filter((line) => line.trim().length > 30),
    ]);
    expect(mails.length).toBeGreaterThan(5);
    const text = values.join('\n');
    expect([...secrets, ...mails].filter((secret) => text.includes(secret))).toEqual([]);
    for (const value of values) {
      // No JWT (access and refresh tokens), no customer link token, no address.
      expect(value).not.toMatch(/eyJ[\w-]+\.[\w-]+\.[\w-]+/);
      expect(value).not.toMatch(/v1\.[\w-]{10,}\.[\w-]{20,}/);
      expect(value).not.toMatch(/[^\s@/]+@[^\s@/]+\.[a-z]{2,}/i);
    }
  });
});

describe('the operations metrics', () => {
  it('records every metric the alerts and the workbook read, with what happened', async () => {
    const { resourceMetrics } = await metricReader.collect();
    const recorded = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics);
    const byName = (name: string) => recorded.find((m) => m.descriptor.name === name);
    expect(METRIC_NAMES.filter((name) => !byName(name))).toEqual([]);

    const points = (name: string) =>
      (byName(name)?.dataPoints ?? []).map((d) => ({ attributes: d.attributes, value: d.value }));
    // The funnel: one reinstatement entered each state on its way (and no other got anywhere).
    expect(
      points('reinstatement.transitions')
        .map((d) => [
          d.attributes['reinstatement.from_state'],
          d.attributes['reinstatement.to_state'],
          d.value,
        ])
        .sort(),
    ).toEqual(
      [
        ['none', 'Requested', 1],
        ['Requested', 'InvitationSent', 1],
        ['InvitationSent', 'Accepted', 1],
        ['Accepted', 'AwaitingRoleAssignment', 1],
        ['AwaitingRoleAssignment', 'Reinstated', 1],
      ].sort(),
    );
    // The watchdog's sample: nothing left in flight, no mail waiting, the identity well.
    expect(points('reinstatements.active').every((d) => d.value === 0)).toBe(true);
    expect(points('mail.backlog').map((d) => d.value)).toEqual([0, 0]);
    expect(points('verification.identity.healthy').map((d) => d.value)).toEqual([1]);
    expect(points('verification.identity.days_left')[0]?.value).toBeGreaterThan(80);
    expect(points('dependency.throttled')).toEqual([
      { attributes: { 'dependency.service': 'Partner Center' }, value: 1 },
    ]);
    expect(points('partner_center.budget.refused')).toEqual([
      { attributes: { 'partner_center.budget.cause': 'retry-after' }, value: 1 },
    ]);
    const used = points('partner_center.budget.used');
    expect(used.map((d) => d.attributes)).toEqual([{ 'partner_center.budget.limit': 500 }]);
    expect(used[0]?.value).toBeGreaterThan(0);
    expect(
      points('verification.findings')
        .map((d) => d.attributes['verification.finding'])
        .sort(),
    ).toEqual(expect.arrayContaining(['no-access', 'verified']));
  });
});
