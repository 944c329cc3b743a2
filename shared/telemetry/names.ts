/**
 * Every name the product's telemetry uses, in one place: the attributes its spans carry, the metrics
 * it records, and the Microsoft services its dependency spans name. The alert rules, the workbook and
 * the queries of docs/OPERATIONS.md are built from these names (and tests hold them to it), so a name
 * changed here changes everywhere or fails a test.
 */

/** The tracer's and meter's name (the instrumentation scope). */
export const INSTRUMENTATION_SCOPE = 'csp-admin-reinstatement';

/** Attributes of the product's spans (Application Insights shows them as customDimensions). */
export const Attributes = {
  reinstatementId: 'reinstatement.id',
  customerTenantId: 'reinstatement.customer_tenant_id',
  /** What the reinstatement was doing: the activity, the HTTP function, the event, the mail. */
  step: 'reinstatement.step',
  /** The activity's answer: done, retry (throttling or an outage, waited out) or failed. */
  activityOutcome: 'activity.outcome',
  mailKind: 'mail.kind',
  dependencyService: 'dependency.service',
  /** OpenTelemetry's FaaS attributes: the trigger (http, other) and the host's invocation id. */
  faasTrigger: 'faas.trigger',
  faasInvocationId: 'faas.invocation_id',
  /** The name Application Insights gives a request filed from a CONSUMER span (an activity). */
  applicationInsightsOperationName: 'ai.operation.name',
} as const;

/**
 * How the product names its spans. Application Insights files SERVER and CONSUMER spans (HTTP
 * invocations, activities) under requests, the others under dependencies; it renames a dependency
 * with an HTTP method to `<method> <path>`.
 */
export const SpanNames = {
  /** An HTTP function invocation, by its route template: `POST /api/reinstatements/{id}/{action}`. */
  http: (method: string, route: string) => `${method} ${route}`,
  activity: (name: string) => `activity ${name}`,
  /** The durable client starting an orchestration, or raising an event to one. */
  start: (orchestration: string) => `start ${orchestration}`,
  raise: (event: string) => `raise ${event}`,
  /** A mail of the reinstatement handed to ACS by the dispatcher. */
  mail: (kind: string) => `send mail ${kind}`,
  verifyScope: 'verify scope',
  /** A call to one of Microsoft's APIs: `ARM GET /subscriptions/{id}/providers/...`. */
  dependency: (service: MicrosoftService, method: string, pathTemplate: string) =>
    `${service} ${method} ${pathTemplate}`,
} as const;

/** The Microsoft APIs the product calls, as its dependency spans and throttling metric name them. */
export const MicrosoftServices = [
  'ARM',
  'Microsoft Graph',
  'Partner Center',
  'Entra ID',
  'ACS Email',
] as const;
export type MicrosoftService = (typeof MicrosoftServices)[number];

/**
 * The correlation ids Microsoft's services put on their responses, which their support asks for:
 * ARM's x-ms-request-id and x-ms-correlation-request-id (Azure/azure-resource-manager-rpc,
 * v1.0/common-api-details.md), Partner Center's MS-RequestId and MS-CorrelationId
 * (https://learn.microsoft.com/partner-center/developer/headers), Graph's request-id and
 * client-request-id (https://learn.microsoft.com/graph/errors), Entra ID's x-ms-request-id. Each is
 * recorded as `http.response.header.<name>`, as OpenTelemetry's HTTP conventions name headers.
 */
export const CORRELATION_RESPONSE_HEADERS = [
  'x-ms-request-id',
  'x-ms-correlation-request-id',
  'ms-correlationid',
  'ms-requestid',
  'request-id',
  'client-request-id',
] as const;
/** The ids the Azure SDK and Partner Center clients send themselves (recorded as http.request.header.*). */
export const CORRELATION_REQUEST_HEADERS = [
  'x-ms-client-request-id',
  'client-request-id',
  'ms-correlationid',
  'ms-requestid',
] as const;

export interface MetricDefinition {
  name: string;
  kind: 'counter' | 'histogram' | 'gauge';
  unit: string;
  description: string;
  /** The attributes (customDimensions) each point carries. */
  attributes: readonly string[];
}

/** Every metric the product records; Application Insights keeps them in customMetrics by these names. */
export const Metrics = {
  transitions: {
    name: 'reinstatement.transitions',
    kind: 'counter',
    unit: '{transition}',
    description: 'Reinstatements entering a state (from_state is "none" for a new one)',
    attributes: ['reinstatement.from_state', 'reinstatement.to_state'],
  },
  timeInState: {
    name: 'reinstatement.state.duration',
    kind: 'histogram',
    unit: 's',
    description: 'Time a reinstatement spent in the state it just left',
    attributes: ['reinstatement.state'],
  },
  active: {
    name: 'reinstatements.active',
    kind: 'gauge',
    unit: '{reinstatement}',
    description: 'Reinstatements not yet final, per state (sampled by the watchdog)',
    attributes: ['reinstatement.state'],
  },
  mailBacklog: {
    name: 'mail.backlog',
    kind: 'gauge',
    unit: '{mail}',
    description: 'Mails queued, per lane (sampled by the watchdog)',
    attributes: ['mail.lane'],
  },
  mailFinishIn: {
    name: 'mail.backlog.finish_in',
    kind: 'gauge',
    unit: 's',
    description: 'Time until the last queued mail is expected to go, at the current pace (0 when none)',
    attributes: [],
  },
  mailSentLastHour: {
    name: 'mail.sent_last_hour',
    kind: 'gauge',
    unit: '{mail}',
    description: 'Mails ACS accepted in the last hour, from the pace record (sampled by the watchdog)',
    attributes: [],
  },
  throttled: {
    name: 'dependency.throttled',
    kind: 'counter',
    unit: '{response}',
    description: "Microsoft's 429 answers, per service",
    attributes: ['dependency.service'],
  },
  partnerCenterBudgetUsed: {
    name: 'partner_center.budget.used',
    kind: 'gauge',
    unit: '{request}',
    description:
      "Partner Center requests sent in the last minute, of the partner tenant's shared budget (sampled by the watchdog)",
    attributes: ['partner_center.budget.limit'],
  },
  partnerCenterBudgetRefused: {
    name: 'partner_center.budget.refused',
    kind: 'counter',
    unit: '{request}',
    description:
      "Partner Center requests held back by the shared budget: its per-minute limit, or a 429's Retry-After still running",
    attributes: ['partner_center.budget.cause'],
  },
  findings: {
    name: 'verification.findings',
    kind: 'counter',
    unit: '{check}',
    description: 'Role-assignment checks, per finding',
    attributes: ['verification.finding'],
  },
  identityHealthy: {
    name: 'verification.identity.healthy',
    kind: 'gauge',
    unit: '1',
    description: "1 when verification's identity works, 0 when it needs a person (sampled by the watchdog)",
    attributes: ['verification.identity.mode', 'verification.identity.problem'],
  },
  identityDaysLeft: {
    name: 'verification.identity.days_left',
    kind: 'gauge',
    unit: 'd',
    description: "Days before the partner user's sign-in lapses unused (Secure Application Model only)",
    attributes: [],
  },
} as const satisfies Record<string, MetricDefinition>;

/** Every metric name, for the checks that hold queries to the code. */
export const METRIC_NAMES: readonly string[] = Object.values(Metrics).map((m) => m.name);

/**
 * Every attribute key the product puts on a span or a metric point, as Application Insights' queries
 * read them (customDimensions["<key>"]).
 */
export const RECORDED_ATTRIBUTE_KEYS: readonly string[] = [
  ...Object.values(Attributes),
  ...Object.values(Metrics).flatMap((m) => m.attributes),
  ...CORRELATION_RESPONSE_HEADERS.map((h) => `http.response.header.${h}`),
  ...CORRELATION_REQUEST_HEADERS.map((h) => `http.request.header.${h}`),
  'url.template',
];
