import { SpanKind, SpanStatusCode, type Span } from '@opentelemetry/api';
import type { Pipeline, PipelinePolicy, PipelineRequest } from '@azure/core-rest-pipeline';
import { recordThrottled } from './metrics';
import {
  Attributes,
  CORRELATION_REQUEST_HEADERS,
  CORRELATION_RESPONSE_HEADERS,
  SpanNames,
  type MicrosoftService,
} from './names';
import { reinstatementAttributes, tracer } from './reinstatementTrace';

/**
 * A dependency span for every attempt of a call to one of Microsoft's APIs, made by an Azure SDK
 * pipeline policy so that every adapter gets it from where it builds its pipeline. The span carries
 * the method, the URL without its query (only `api-version` is kept), the status, and Microsoft's
 * correlation ids from both sides; never a header that authenticates, nor a body. A 429 also counts
 * towards the service's throttling metric.
 */

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `/subscriptions/<guid>/resourceGroups/rg-1/...` → `/subscriptions/{id}/resourceGroups/{resourceGroup}/...`. */
export function pathTemplate(pathname: string): string {
  const segments = pathname.replace(/\/{2,}/g, '/').split('/');
  return segments
    .map((segment, i) => {
      if (GUID.test(segment)) return '{id}';
      if (segments[i - 1]?.toLowerCase() === 'resourcegroups' && segment) return '{resourceGroup}';
      return segment;
    })
    .join('/');
}

function recordedUrl(request: PipelineRequest): { full: string; host: string; path: string } {
  const url = new URL(request.url);
  const apiVersion = url.searchParams.get('api-version');
  const path = url.pathname.replace(/\/{2,}/g, '/');
  return {
    full: `${url.origin}${path}${apiVersion ? `?api-version=${encodeURIComponent(apiVersion)}` : ''}`,
    host: url.hostname,
    path,
  };
}

export function microsoftApiPolicy(service: MicrosoftService): PipelinePolicy {
  return {
    name: `microsoftApiTelemetry(${service})`,
    async sendRequest(request, next) {
      const url = recordedUrl(request);
      const template = pathTemplate(url.path);
      const attributes = {
        ...reinstatementAttributes(),
        [Attributes.dependencyService]: service,
        'http.request.method': request.method,
        'url.full': url.full,
        'url.template': template,
        'server.address': url.host,
      };
      return tracer().startActiveSpan(
        SpanNames.dependency(service, request.method, template),
        { kind: SpanKind.CLIENT, attributes },
        async (span: Span) => {
          for (const header of CORRELATION_REQUEST_HEADERS) {
            const value = request.headers.get(header);
            if (value) span.setAttribute(`http.request.header.${header}`, value);
          }
          try {
            const response = await next(request);
            span.setAttribute('http.response.status_code', response.status);
            for (const header of CORRELATION_RESPONSE_HEADERS) {
              const value = response.headers.get(header);
              if (value) span.setAttribute(`http.response.header.${header}`, value);
            }
            if (response.status === 429) recordThrottled(service);
            if (response.status >= 400) {
              span.setStatus({ code: SpanStatusCode.ERROR });
              span.setAttribute('error.type', String(response.status));
            }
            return response;
          } catch (error) {
            // A network failure; its message can carry the URL with its query, so only its kind is kept.
            span.setStatus({ code: SpanStatusCode.ERROR });
            span.setAttribute('error.type', errorType(error));
            throw error;
          } finally {
            span.end();
          }
        },
      );
    },
  };
}

function errorType(error: unknown): string {
  if (error && typeof error === 'object' && 'code' in error && typeof error.code === 'string')
    return error.code;
  return error instanceof Error ? error.name : 'unknown';
}

/** For an Azure SDK client's options: the policy, once per attempt (after the client's own retries). */
export function microsoftApiTelemetry(service: MicrosoftService): {
  additionalPolicies: { policy: PipelinePolicy; position: 'perRetry' }[];
} {
  return { additionalPolicies: [{ policy: microsoftApiPolicy(service), position: 'perRetry' }] };
}

/** For a pipeline an adapter builds itself: the policy after its retries, so each attempt is a span. */
export function addMicrosoftApiTelemetry(pipeline: Pipeline, service: MicrosoftService): Pipeline {
  pipeline.addPolicy(microsoftApiPolicy(service), { afterPhase: 'Retry' });
  return pipeline;
}
