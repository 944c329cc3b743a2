import { odata } from '@azure/data-tables';
import { eventTypeName } from './historyEvents';
import type { InstanceMeta, RuntimeStatus } from './instanceModel';
import { isValidInstanceId, type InstanceStore } from './instanceStore';
import type { OrchestrationEngine } from './orchestrationEngine';

/**
 * The Durable Functions HTTP API (instance management), as the extension serves it at
 * /runtime/webhooks/durabletask (with the system key): enough for durable-functions' DurableClient to
 * work unchanged.
 * https://learn.microsoft.com/azure/azure-functions/durable/durable-functions-http-api
 */
/** Every route of the API below its root, for the runtime's route list (each needs the system key). */
export const DURABLE_API_ROUTES: readonly { method: string; path: string }[] = [
  { method: 'POST', path: 'orchestrators/{functionName}/{instanceId?}' },
  { method: 'GET', path: 'instances' },
  { method: 'DELETE', path: 'instances' },
  { method: 'GET', path: 'instances/{instanceId}' },
  { method: 'DELETE', path: 'instances/{instanceId}' },
  { method: 'POST', path: 'instances/{instanceId}/raiseEvent/{eventName}' },
  { method: 'POST', path: 'instances/{instanceId}/terminate' },
  // Answered 501 by the offline runtime, but guarded like the rest.
  { method: 'POST', path: 'instances/{instanceId}/suspend' },
  { method: 'POST', path: 'instances/{instanceId}/resume' },
  { method: 'POST', path: 'instances/{instanceId}/rewind' },
  { method: 'POST', path: 'instances/{instanceId}/restart' },
];

export interface ApiRequest {
  method: string;
  /** Path below the API root, split and decoded: ['instances', '<id>', 'raiseEvent', '<name>']. */
  segments: string[];
  query: URLSearchParams;
  headers: Record<string, string | undefined>;
  body: string;
}

export interface ApiResponse {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface ManagementUrls {
  /** Builds the management payload (statusQueryGetUri, sendEventPostUri, ...) for an instance. */
  payload(instanceId: string): Record<string, string>;
}

const STATUS_CODES: Record<RuntimeStatus, number> = {
  Pending: 202,
  Running: 202,
  ContinuedAsNew: 202,
  Completed: 200,
  Failed: 400,
  Terminated: 400,
};

function parseJsonText(text: string | null): unknown {
  if (text === null || text === '') return null;
  return JSON.parse(text) as unknown;
}

export function toStatusJson(meta: InstanceMeta, query: URLSearchParams): Record<string, unknown> {
  const status: Record<string, unknown> = {
    name: meta.name,
    instanceId: meta.instanceId,
    runtimeStatus: meta.status,
    input: query.get('showInput') === 'false' ? null : parseJsonText(meta.input),
    customStatus: parseJsonText(meta.customStatus),
    output: parseJsonText(meta.output),
    createdTime: meta.createdTime,
    lastUpdatedTime: meta.lastUpdatedTime,
  };
  if (query.get('showHistory') === 'true') {
    const withOutput = query.get('showHistoryOutput') === 'true';
    status.history = meta.history
      .filter((e) => e.EventType !== 12 && e.EventType !== 13)
      .map((e) => ({
        EventType: eventTypeName(e.EventType),
        Timestamp: e.Timestamp,
        ...(e.EventId >= 0 ? { EventId: e.EventId } : {}),
        ...(e.Name ? { Name: e.Name } : {}),
        ...(e.TaskScheduledId !== undefined ? { TaskScheduledId: e.TaskScheduledId } : {}),
        ...(e.TimerId !== undefined ? { TimerId: e.TimerId } : {}),
        ...(e.FireAt ? { FireAt: e.FireAt } : {}),
        ...(e.Reason ? { Reason: e.Reason } : {}),
        ...(withOutput && e.Result !== undefined ? { Result: parseJsonText(e.Result) } : {}),
        ...(withOutput && e.Input !== undefined ? { Input: parseJsonText(e.Input) } : {}),
      }));
  }
  return status;
}

function problem(status: number, message: string): ApiResponse {
  return { status, body: { Message: message } };
}

function readJsonBody(body: string): { ok: true; text: string | null } | { ok: false } {
  if (body.trim() === '') return { ok: true, text: null };
  try {
    JSON.parse(body);
    return { ok: true, text: body };
  } catch {
    return { ok: false };
  }
}

export class DurableHttpApi {
  constructor(
    private readonly engine: OrchestrationEngine,
    private readonly store: InstanceStore,
    private readonly urls: ManagementUrls,
  ) {}

  async handle(req: ApiRequest): Promise<ApiResponse> {
    const [root, id, action, arg] = req.segments;
    const method = req.method.toUpperCase();
    if (root === 'orchestrators' && method === 'POST' && id) return this.start(id, action, req.body);
    if (root !== 'instances') return problem(404, 'Not a Durable Functions API route');
    if (!id) {
      if (method === 'GET') return this.list(req);
      if (method === 'DELETE') return this.purgeBy(req);
      return problem(405, 'Method not allowed');
    }
    if (!isValidInstanceId(id)) return problem(400, 'The instance id is not valid');
    if (!action) {
      if (method === 'GET') return this.status(id, req.query);
      if (method === 'DELETE') return this.purge(id);
      return problem(405, 'Method not allowed');
    }
    if (method !== 'POST') return problem(405, 'Method not allowed');
    switch (action) {
      case 'raiseEvent':
        return this.raise(id, arg, req.body);
      case 'terminate':
        return this.terminate(id, req.query.get('reason') ?? '');
      case 'suspend':
      case 'resume':
      case 'rewind':
      case 'restart':
        return problem(501, `${action} is not supported by the offline runtime`);
      default:
        return problem(404, 'Not a Durable Functions API route');
    }
  }

  private async start(name: string, instanceId: string | undefined, body: string): Promise<ApiResponse> {
    if (instanceId !== undefined && !isValidInstanceId(instanceId)) {
      return problem(
        400,
        "Instance ids must be 1-256 characters without '/', '\\', '#', '?' or control characters, not starting with '@'",
      );
    }
    const input = readJsonBody(body);
    if (!input.ok) return problem(400, 'The request body must be JSON (the orchestration input)');
    const outcome = await this.engine.start(name, instanceId, input.text);
    if (!outcome.started) {
      return outcome.reason === 'running'
        ? problem(409, `An instance with ID '${instanceId}' already exists and is running`)
        : problem(
            400,
            `The function '${name}' doesn't exist, is disabled, or is not an orchestrator function`,
          );
    }
    const payload = this.urls.payload(outcome.instanceId);
    return { status: 202, headers: { Location: payload.statusQueryGetUri as string }, body: payload };
  }

  private async status(id: string, query: URLSearchParams): Promise<ApiResponse> {
    const meta = await this.engine.status(id);
    if (!meta) return { status: 404 };
    return { status: STATUS_CODES[meta.status], body: toStatusJson(meta, query) };
  }

  private filter(query: URLSearchParams): { filter?: string; error?: string } {
    const parts: string[] = [];
    const statuses = (query.get('runtimeStatus') ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const known: RuntimeStatus[] = [
      'Pending',
      'Running',
      'Completed',
      'ContinuedAsNew',
      'Failed',
      'Terminated',
    ];
    for (const s of statuses)
      if (!known.includes(s as RuntimeStatus)) return { error: `Unknown runtimeStatus '${s}'` };
    if (statuses.length) parts.push(`(${statuses.map((s) => odata`status eq ${s}`).join(' or ')})`);
    for (const [param, op] of [
      ['createdTimeFrom', 'ge'],
      ['createdTimeTo', 'le'],
    ] as const) {
      const value = query.get(param);
      if (!value) continue;
      const at = new Date(value);
      if (Number.isNaN(at.getTime())) return { error: `${param} must be an ISO 8601 date` };
      parts.push(`createdTime ${op} '${at.toISOString()}'`);
    }
    return parts.length ? { filter: parts.join(' and ') } : {};
  }

  private async list(req: ApiRequest): Promise<ApiResponse> {
    const { filter, error } = this.filter(req.query);
    if (error) return problem(400, error);
    const top = Math.min(Math.max(Number(req.query.get('top') ?? 100) || 100, 1), 1000);
    const token = req.headers['x-ms-continuation-token'];
    let page;
    try {
      page = await this.store.listMeta(filter, top, token || undefined);
    } catch {
      return problem(400, 'The continuation token is not valid');
    }
    return {
      status: 200,
      headers: page.continuationToken ? { 'x-ms-continuation-token': page.continuationToken } : {},
      body: page.items.map((m) => toStatusJson(m, req.query)),
    };
  }

  private async raise(id: string, eventName: string | undefined, body: string): Promise<ApiResponse> {
    if (!eventName || !/^[A-Za-z0-9_.-]{1,128}$/.test(eventName))
      return problem(400, 'The event name must be 1-128 letters, digits, _ . -');
    const input = readJsonBody(body);
    if (!input.ok) return problem(400, 'The event payload must be JSON');
    const outcome = await this.engine.raiseEvent(id, eventName, input.text);
    if (outcome === 'not-found') return problem(404, `No instance with ID '${id}' was found`);
    if (outcome === 'gone') return problem(410, `The instance '${id}' has already finished`);
    return { status: 202 };
  }

  private async terminate(id: string, reason: string): Promise<ApiResponse> {
    const outcome = await this.engine.terminate(id, reason);
    if (outcome === 'not-found') return problem(404, `No instance with ID '${id}' was found`);
    if (outcome === 'gone') return problem(410, `The instance '${id}' has already finished`);
    return { status: 202 };
  }

  private async purge(id: string): Promise<ApiResponse> {
    const meta = await this.engine.status(id);
    if (!meta) return { status: 404 };
    if (!['Completed', 'Failed', 'Terminated'].includes(meta.status))
      return problem(409, 'Only finished instances can be purged; terminate it first');
    return { status: 200, body: { instancesDeleted: await this.engine.purge(id) } };
  }

  private async purgeBy(req: ApiRequest): Promise<ApiResponse> {
    const { filter, error } = this.filter(req.query);
    if (error) return problem(400, error);
    const finished = `(${['Completed', 'Failed', 'Terminated'].map((s) => odata`status eq ${s}`).join(' or ')})`;
    let deleted = 0;
    let token: string | undefined;
    do {
      const page = await this.store.listMeta(filter ? `${filter} and ${finished}` : finished, 100, token);
      for (const meta of page.items) deleted += await this.engine.purge(meta.instanceId);
      token = page.continuationToken;
    } while (token);
    return deleted ? { status: 200, body: { instancesDeleted: deleted } } : { status: 404 };
  }
}
