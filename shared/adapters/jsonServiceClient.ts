import type { TokenCredential } from '@azure/identity';
import {
  bearerTokenAuthenticationPolicy,
  createDefaultHttpClient,
  createHttpHeaders,
  createPipelineFromOptions,
  createPipelineRequest,
  isRestError,
  type HttpClient,
  type Pipeline,
} from '@azure/core-rest-pipeline';
import { useShortInCallRetries } from '../../lib/azure/inCallRetries';
import { addMicrosoftApiTelemetry } from '../telemetry/microsoftApiSpans';
import type { MicrosoftService } from '../telemetry/names';
import { failureFor, type Failure } from './outcomes';
import { errorMessage } from '../../lib/errors';

export type JsonResult<T> = { ok: true; status: number; data: T } | { ok: false; failure: Failure };

export interface JsonServiceClientOptions {
  baseUrl: string;
  credential: TokenCredential;
  scope: string;
  service: MicrosoftService;
  tlsOptions?: { ca: string };
  timeoutMs?: number;
  /** Retries inside the call for transient faults and short throttling (lib/azure/inCallRetries). */
  maxRetries?: number;
}

/**
 * A small JSON client on the Azure SDK's own HTTP pipeline (bearer tokens, short in-call retries,
 * TLS trust), for the REST APIs this product calls without an SDK: Graph and
 * Partner Center. Every outcome is typed; nothing throws for an HTTP status.
 */
export class JsonServiceClient {
  private readonly pipeline: Pipeline;
  private readonly http: HttpClient = createDefaultHttpClient();

  constructor(private readonly options: JsonServiceClientOptions) {
    this.pipeline = useShortInCallRetries(
      createPipelineFromOptions(options.tlsOptions ? { tlsOptions: options.tlsOptions } : {}),
      options.maxRetries ?? 2,
    );
    this.pipeline.addPolicy(
      bearerTokenAuthenticationPolicy({ credential: options.credential, scopes: options.scope }),
    );
    addMicrosoftApiTelemetry(this.pipeline, options.service);
  }

  async request<T>(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<JsonResult<T>> {
    const request = createPipelineRequest({
      url: `${this.options.baseUrl.replace(/\/+$/, '')}${path}`,
      method,
      headers: createHttpHeaders({
        ...headers,
        Accept: 'application/json',
        ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
      }),
      timeout: this.options.timeoutMs ?? 15_000,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    let response;
    try {
      response = await this.pipeline.sendRequest(this.http, request);
    } catch (error) {
      const status = isRestError(error) ? error.statusCode : undefined;
      const message = `${this.options.service} request failed: ${errorMessage(error)}`;
      return { ok: false, failure: failureFor(status, message) };
    }
    const text = response.bodyAsText ?? '';
    if (response.status >= 400) {
      return {
        ok: false,
        failure: failureFor(
          response.status,
          `${this.options.service} answered ${response.status}: ${summary(text)}`,
          response.headers.get('retry-after'),
        ),
      };
    }
    if (response.status === 204 || text === '')
      return { ok: true, status: response.status, data: undefined as T };
    try {
      return { ok: true, status: response.status, data: JSON.parse(text) as T };
    } catch {
      return {
        ok: false,
        failure: {
          kind: 'transient',
          message: `${this.options.service} sent a malformed response (status ${response.status})`,
          status: response.status,
        },
      };
    }
  }
}

/** The error's code and message, never the whole body (it could echo a request). */
function summary(text: string): string {
  try {
    const parsed = JSON.parse(text) as {
      error?: { code?: string; message?: string };
      errorName?: string;
      description?: string;
    };
    const code = parsed.error?.code ?? parsed.errorName ?? '';
    const message = parsed.error?.message ?? parsed.description ?? '';
    return `${code} ${message}`.trim().slice(0, 300);
  } catch {
    return text.slice(0, 120);
  }
}
