import { createHash } from 'node:crypto';
import {
  context,
  createContextKey,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
  type Attributes as SpanAttributes,
  type Context,
  type Link,
  type Span,
} from '@opentelemetry/api';
import { Attributes, INSTRUMENTATION_SCOPE, SpanNames } from './names';

/**
 * One reinstatement, one trace. A reinstatement lives for days across HTTP calls, timers and
 * activities that run hours apart on any instance, and its orchestration's JSON carries no trace
 * context. So its trace is derived from its id: the W3C trace id and the id of its (never recorded)
 * root span are the first bytes of SHA-256 of the id, and every span of the reinstatement is a child
 * of that root, wherever and whenever it runs. Operators find the trace from the id alone (see
 * docs/OPERATIONS.md); whatever caused a span (a webhook request, the mail dispatcher's activity) is
 * kept as a span link.
 */

/** Reinstatement ids begin with `r-` (shared/api/reinstatementService.ts, shared/workflow/bulkActivities.ts). */
export function isReinstatementInstance(id: string): boolean {
  return /^r-[A-Za-z0-9_-]{1,62}$/.test(id);
}

/** The reinstatement's trace id and root span id (lower-case hex, never all zeros). */
export function reinstatementTraceIds(reinstatementId: string): { traceId: string; rootSpanId: string } {
  const digest = createHash('sha256').update(`reinstatement ${reinstatementId}`).digest('hex');
  const nonZero = (hex: string) => (/^0+$/.test(hex) ? `${hex.slice(0, -1)}1` : hex);
  return { traceId: nonZero(digest.slice(0, 32)), rootSpanId: nonZero(digest.slice(32, 48)) };
}

/** What the spans of one reinstatement share, kept in the context of its spans. */
interface ReinstatementScope {
  reinstatementId: string;
  step: string;
  customerTenantId?: string;
  /** The span that opened the scope: it learns the customer's tenant when the record is read. */
  span: Span;
}

const SCOPE = createContextKey('csp-admin-reinstatement: reinstatement');

export const tracer = () => trace.getTracer(INSTRUMENTATION_SCOPE);

export interface ReinstatementSpanOptions {
  kind: SpanKind;
  step: string;
  attributes?: SpanAttributes;
  /** The span that caused this one, when it is not the active span (e.g. the host's invocation). */
  cause?: Context;
}

/**
 * Runs `fn` in a span of the reinstatement's trace, a child of its root. The span that was active
 * (an HTTP request, the dispatcher's activity) is linked, not the parent: it belongs to another trace.
 */
export function inReinstatementSpan<T>(
  reinstatementId: string,
  name: string,
  options: ReinstatementSpanOptions,
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  const active = context.active();
  const { traceId, rootSpanId } = reinstatementTraceIds(reinstatementId);
  const parent = trace.setSpanContext(active, {
    traceId,
    spanId: rootSpanId,
    traceFlags: TraceFlags.SAMPLED,
    isRemote: true,
  });
  const links: Link[] = [];
  const cause = trace.getSpanContext(options.cause ?? active);
  if (cause && trace.isSpanContextValid(cause) && cause.traceId !== traceId) links.push({ context: cause });
  const known = scopeOf(active, reinstatementId);
  const attributes: SpanAttributes = {
    [Attributes.reinstatementId]: reinstatementId,
    [Attributes.step]: options.step,
    ...(known?.customerTenantId ? { [Attributes.customerTenantId]: known.customerTenantId } : {}),
    ...options.attributes,
  };
  return tracer().startActiveSpan(name, { kind: options.kind, attributes, links }, parent, (span) => {
    const scope: ReinstatementScope = {
      reinstatementId,
      step: options.step,
      span,
      ...(known?.customerTenantId ? { customerTenantId: known.customerTenantId } : {}),
    };
    return context.with(context.active().setValue(SCOPE, scope), () => endWhenDone(span, fn));
  });
}

/** Ends the span when `fn` settles; a throw marks it failed with the error's type, never its message. */
export async function endWhenDone<T>(span: Span, fn: (span: Span) => Promise<T>): Promise<T> {
  try {
    return await fn(span);
  } catch (error) {
    // Error messages can quote what a service answered; the type is enough to find the log line.
    span.setStatus({ code: SpanStatusCode.ERROR });
    span.setAttribute('error.type', error instanceof Error ? error.name : typeof error);
    throw error;
  } finally {
    span.end();
  }
}

function scopeOf(ctx: Context, reinstatementId?: string): ReinstatementScope | undefined {
  const scope = ctx.getValue(SCOPE) as ReinstatementScope | undefined;
  return scope && (reinstatementId === undefined || scope.reinstatementId === reinstatementId)
    ? scope
    : undefined;
}

/** The reinstatement attributes of the scope the caller runs in, for the spans it makes itself. */
export function reinstatementAttributes(): SpanAttributes {
  const scope = scopeOf(context.active());
  if (!scope) return {};
  return {
    [Attributes.reinstatementId]: scope.reinstatementId,
    [Attributes.step]: scope.step,
    ...(scope.customerTenantId ? { [Attributes.customerTenantId]: scope.customerTenantId } : {}),
  };
}

/**
 * The reinstatement's record was read: the span working on it learns the customer's tenant (the
 * storage layer calls this, so no caller has to pass the tenant around).
 */
export function noteCustomerTenant(reinstatementId: string, customerTenantId: string): void {
  const scope = scopeOf(context.active(), reinstatementId);
  if (!scope || scope.customerTenantId) return;
  scope.customerTenantId = customerTenantId;
  scope.span.setAttribute(Attributes.customerTenantId, customerTenantId);
}

export { SpanKind };

/** One scope's role-assignment check, in its reinstatement's trace (wherever the check was asked for). */
export function inScopeCheckSpan<T>(
  reinstatement: { id: string; customerTenantId: string },
  fn: () => Promise<T>,
): Promise<T> {
  return inReinstatementSpan(
    reinstatement.id,
    SpanNames.verifyScope,
    {
      kind: SpanKind.INTERNAL,
      step: SpanNames.verifyScope,
      attributes: { [Attributes.customerTenantId]: reinstatement.customerTenantId },
    },
    fn,
  );
}

/** A reinstatement's mail handed to ACS, in its trace (the dispatcher's run is linked). */
export function inMailSpan<T>(mail: { stream: string; kind: string }, fn: () => Promise<T>): Promise<T> {
  if (!isReinstatementInstance(mail.stream)) return fn();
  const name = SpanNames.mail(mail.kind);
  return inReinstatementSpan(
    mail.stream,
    name,
    { kind: SpanKind.INTERNAL, step: name, attributes: { [Attributes.mailKind]: mail.kind } },
    fn,
  );
}
