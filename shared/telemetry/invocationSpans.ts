import {
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  context,
  trace,
  type Attributes as SpanAttributes,
  type Context,
  type Span,
} from '@opentelemetry/api';
import { Attributes, SpanNames } from './names';
import { endWhenDone, inReinstatementSpan, isReinstatementInstance, tracer } from './reinstatementTrace';

/**
 * The spans of the app's own invocations: each HTTP function call (SERVER) and each activity
 * (CONSUMER: a durable work item). An invocation that concerns one reinstatement joins that
 * reinstatement's trace; any other continues the trace the host gave the invocation.
 */

export interface HttpInvocation {
  method: string;
  /** The route template as registered, e.g. `reinstatements/{id}/{action:alpha}`. */
  route: string;
  /** The request's URL; its query (which may carry `code=<function key>`) is never recorded. */
  url: string;
  /** Path values that are secrets (a customer link's token): recorded as their template. */
  secretParams: Record<string, string>;
  functionName: string;
  invocationId: string;
  /** The W3C traceparent the host gave the invocation (the caller's), when it gave one. */
  traceParent?: string;
}

/**
 * The context to start an invocation's span in: the one active (Microsoft's distribution sets the
 * host's there in Azure), or, when nothing is active, the traceparent the host handed the invocation,
 * so a caller's trace continues into the app's span whichever exporter is on.
 */
function parentOf(traceParent: string | undefined): Context {
  const active = context.active();
  if (trace.getSpanContext(active) || !traceParent) return active;
  const m = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/.exec(traceParent);
  if (!m) return active;
  return trace.setSpanContext(active, {
    traceId: m[1] ?? '',
    spanId: m[2] ?? '',
    traceFlags: parseInt(m[3] ?? '0', 16) & TraceFlags.SAMPLED,
    isRemote: true,
  });
}

/** `reinstatements/{id}/{action:alpha}` → `/api/reinstatements/{id}/{action}`. */
export function routeTemplate(route: string): string {
  return `/api/${route.replace(/\{([A-Za-z0-9_]+)(?::[^}]*)?\??\}/g, '{$1}')}`;
}

/** The request's URL without its query, each secret path value replaced by its name. */
function recordedUrl(invocation: HttpInvocation): string {
  const url = new URL(invocation.url);
  let path = url.pathname;
  for (const [name, value] of Object.entries(invocation.secretParams))
    if (value) path = path.split(encodeURIComponent(value)).join(`{${name}}`).split(value).join(`{${name}}`);
  return `${url.origin}${path}`;
}

export async function inHttpSpan<T extends { status?: number }>(
  invocation: HttpInvocation,
  reinstatementId: string | undefined,
  fn: () => Promise<T>,
): Promise<T> {
  const route = routeTemplate(invocation.route);
  const name = SpanNames.http(invocation.method, route);
  const attributes: SpanAttributes = {
    'http.request.method': invocation.method,
    'http.route': route,
    'url.full': recordedUrl(invocation),
    [Attributes.faasTrigger]: 'http',
    [Attributes.faasInvocationId]: invocation.invocationId,
  };
  const run = async (span: Span) => {
    const response = await fn();
    const status = response.status ?? 200;
    span.setAttribute('http.response.status_code', status);
    if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    return response;
  };
  if (reinstatementId && isReinstatementInstance(reinstatementId))
    return inReinstatementSpan(
      reinstatementId,
      name,
      { kind: SpanKind.SERVER, step: invocation.functionName, attributes },
      run,
    );
  return tracer().startActiveSpan(
    name,
    { kind: SpanKind.SERVER, attributes },
    parentOf(invocation.traceParent),
    (span) => endWhenDone(span, run),
  );
}

/** The reinstatement an activity works on: the `reinstatementId` of its input, when it has one. */
function reinstatementOfInput(input: unknown): string | undefined {
  if (typeof input !== 'object' || input === null || !('reinstatementId' in input)) return undefined;
  const id = input.reinstatementId;
  return typeof id === 'string' && isReinstatementInstance(id) ? id : undefined;
}

/** A StepOutcome's kind (done, retry, failed), when the activity answers one. */
function outcomeOf(result: unknown): string | undefined {
  if (typeof result !== 'object' || result === null || !('kind' in result)) return undefined;
  return typeof result.kind === 'string' ? result.kind : undefined;
}

export function inActivitySpan<T>(
  activity: string,
  input: unknown,
  invocationId: string,
  fn: () => Promise<T>,
): Promise<T> {
  const name = SpanNames.activity(activity);
  const attributes: SpanAttributes = {
    [Attributes.faasTrigger]: 'other',
    [Attributes.faasInvocationId]: invocationId,
    // Application Insights names a request from a non-SERVER span only by this attribute
    // (@azure/monitor-opentelemetry-exporter, utils/spanUtils.ts): without it an activity is nameless.
    [Attributes.applicationInsightsOperationName]: name,
  };
  const run = async (span: Span) => {
    const result = await fn();
    const outcome = outcomeOf(result);
    if (outcome) span.setAttribute(Attributes.activityOutcome, outcome);
    if (outcome === 'failed') span.setStatus({ code: SpanStatusCode.ERROR });
    return result;
  };
  const reinstatementId = reinstatementOfInput(input);
  if (reinstatementId)
    return inReinstatementSpan(
      reinstatementId,
      name,
      { kind: SpanKind.CONSUMER, step: activity, attributes },
      run,
    );
  return tracer().startActiveSpan(name, { kind: SpanKind.CONSUMER, attributes }, context.active(), (span) =>
    endWhenDone(span, run),
  );
}
