import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SystemClock, type Clock } from './clock';
import { durableClientData, managementUrls } from './durable/clientBinding';
import { DURABLE_API_ROUTES, DurableHttpApi } from './durable/durableHttpApi';
import { InstanceStore } from './durable/instanceStore';
import { OrchestrationEngine } from './durable/orchestrationEngine';
import { publicBaseFrom, readHostConfig, resolveSettingExpression, type HostConfig } from './hostConfig';
import { AppServiceAuth, authSettingsFrom, stripPlatformHeaders } from './http/appServiceAuth';
import {
  isAuthorized,
  missingKeyProblem,
  presentedKey,
  type AuthLevel,
  type HostKeys,
  type KeyLevel,
} from './http/functionKeys';
import { requestTarget } from './http/requestTarget';
import { SignOuts } from './http/signOuts';
import { compileRoute, matchRoute, type CompiledRoute } from './http/routeTemplate';
import {
  BodyTooLargeError,
  readBody,
  sendJson,
  sendProblem,
  toRpcHttpRequest,
  writeRpcHttpResponse,
} from './http/rpcHttp';
import { TimerScheduler, type TimerFire } from './timers/timerScheduler';
import { installFunctionsCoreHook } from './worker/moduleHook';
import type { RpcHttpData, RpcParameterBinding, RpcTraceContext } from './worker/coreTypes';
import { registry, type RegisteredFunction } from './worker/functionsCore';
import { bindingOfType, Invoker } from './worker/invoker';
import { errorMessage } from '../lib/errors';

export interface HostOptions {
  /** Folder holding the app's package.json (its `main`) and host.json. */
  appRoot: string;
  /** App settings; the host exposes them to the app as environment variables. */
  settings: Record<string, string | undefined>;
  /** Connection string of the storage the durable engine keeps its state in. */
  storageConnectionString: string;
  /** The entry module, when not package.json's `main` (tests load the TypeScript sources). */
  main?: string;
  port?: number;
  keys?: Partial<HostKeys>;
  clock?: Clock;
  log?: (line: string) => void;
}

interface HttpRoute {
  fn: RegisteredFunction;
  route: CompiledRoute;
  methods: string[];
  authLevel: AuthLevel;
  triggerName: string;
}

/** A path the runtime serves: the app's routes and the host's own endpoints, with the key each needs. */
export interface Endpoint {
  /** Below the origin, as a route template: `/api/reinstatements/{id}`. */
  path: string;
  methods: string[];
  key: KeyLevel;
  servedBy: 'app' | 'durable extension' | 'host admin API' | 'App Service authentication';
}

const DURABLE_WEBHOOK = '/runtime/webhooks/durabletask/';
const ADMIN = '/admin/';
const AUTH = '/.auth/';

/**
 * The host's own endpoints. Everything below /admin/ needs the master key and everything below the
 * durable webhook its system key, checked before the path is even looked at (as the Functions host
 * authorizes before an extension handles a request); /.auth/ is App Service's, open to everyone.
 */
const HOST_ENDPOINTS: readonly Endpoint[] = [
  ...DURABLE_API_ROUTES.map((r): Endpoint => ({
    path: `${DURABLE_WEBHOOK}${r.path}`,
    methods: [r.method],
    key: 'system',
    servedBy: 'durable extension',
  })),
  { path: `${ADMIN}functions/{name}`, methods: ['POST'], key: 'admin', servedBy: 'host admin API' },
];

const AUTH_ENDPOINTS: readonly Endpoint[] = [
  '/.auth/login/aad',
  '/.auth/login/aad/callback',
  '/.auth/me',
  '/.auth/logout',
].map((path) => ({ path, methods: ['GET'], key: 'anonymous', servedBy: 'App Service authentication' }));

/**
 * The offline runtime: hosts the unchanged, compiled function app the way the Functions host and
 * the Node.js worker do — HTTP routes with keys, NCRONTAB timers, and durable orchestrations
 * replayed by durable-functions itself with their state in Table storage. For development, demos
 * and tests; never a production host.
 */
export class FunctionHost {
  readonly engine: OrchestrationEngine;
  readonly clock: Clock;
  readonly keys: HostKeys;
  private server!: Server;
  private timers: TimerScheduler | undefined;
  private routes: HttpRoute[] = [];

  /** Every path the runtime serves, with the methods and the key each needs (for tooling and tests). */
  endpoints(): Endpoint[] {
    const prefix = this.config.routePrefix ? `/${this.config.routePrefix}` : '';
    return [
      ...this.routes.map((r): Endpoint => ({
        path: `${prefix}/${r.route.template.replace(/^\/+/, '')}`,
        methods: r.methods,
        key: r.authLevel,
        servedBy: 'app',
      })),
      ...HOST_ENDPOINTS,
      ...(this.auth ? AUTH_ENDPOINTS : []),
    ];
  }

  /** The HTTP routes the app registered: template, methods and auth level (for tooling and tests). */
  get httpRoutes(): { template: string; methods: string[]; authLevel: AuthLevel }[] {
    return this.routes.map((r) => ({
      template: r.route.template,
      methods: r.methods,
      authLevel: r.authLevel,
    }));
  }
  /** Where the runtime listens (loopback). */
  private origin = '';
  /** Where people reach it (PUBLIC_BASE_URL, else the origin): every URL handed out is built on it. */
  private publicBase = '';
  private inFlight = 0;
  private readonly invoker: Invoker;
  private readonly api: DurableHttpApi;
  private readonly store: InstanceStore;
  /** App Service authentication, when the settings turn it on. */
  private auth: AppServiceAuth | undefined;

  private constructor(
    readonly config: HostConfig,
    options: HostOptions,
    private readonly log: (line: string) => void,
  ) {
    this.clock = options.clock ?? new SystemClock();
    this.keys = {
      functionKey: options.keys?.functionKey ?? randomBytes(24).toString('base64url'),
      masterKey: options.keys?.masterKey ?? randomBytes(24).toString('base64url'),
      systemKey: options.keys?.systemKey ?? randomBytes(24).toString('base64url'),
    };
    this.invoker = new Invoker((fn, level, _category, message) => {
      if (level !== 'trace' && level !== 'debug') log(`[${fn}] ${message}`);
    });
    this.store = InstanceStore.fromConnectionString(options.storageConnectionString, config.taskHubName);
    this.engine = new OrchestrationEngine({
      store: this.store,
      invoker: this.invoker,
      clock: this.clock,
      log,
      maxConcurrentOrchestrations: config.maxConcurrentOrchestrations,
      maxConcurrentActivities: config.maxConcurrentActivities,
      extraInputs: (fn) => this.clientInputs(fn),
    });
    this.api = new DurableHttpApi(this.engine, this.store, {
      payload: (id) => managementUrls(this.publicBase, config.taskHubName, this.keys.systemKey).payload(id),
    });
  }

  static async start(options: HostOptions): Promise<FunctionHost> {
    const log = options.log ?? ((line: string) => console.log(line));
    for (const [name, value] of Object.entries(options.settings))
      if (value !== undefined) process.env[name] = value;
    const read = readHostConfig(options.appRoot, { ...process.env, ...options.settings });
    const config = options.main ? { ...read, main: options.main } : read;
    const host = new FunctionHost(config, options, log);
    const settings = { ...process.env, ...options.settings };
    const auth = authSettingsFrom(settings);
    const publicBase = publicBaseFrom(settings.PUBLIC_BASE_URL);
    if (auth) {
      const signOuts = await SignOuts.open(
        options.storageConnectionString,
        config.taskHubName,
        Math.floor(Date.now() / 1000),
      );
      host.auth = new AppServiceAuth(auth, host.keys.masterKey, () => host.publicBase, signOuts);
    }
    await host.listen(options.port ?? 0);
    host.publicBase = publicBase ?? host.origin;
    host.load();
    await host.engine.recover();
    await host.startTimers();
    for (const hook of registry.hooks.get('appStart') ?? []) await hook({ hookData: {}, appHookData: {} });
    return host;
  }

  get url(): string {
    return this.origin;
  }

  /** Resolves when no request, timer, episode or activity is in flight and nothing is due. */
  async whenIdle(): Promise<void> {
    for (;;) {
      await this.engine.whenIdle();
      await new Promise((resolve) => setImmediate(resolve));
      if (this.inFlight === 0) {
        await this.engine.whenIdle();
        if (this.inFlight === 0) return;
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  async stop(): Promise<void> {
    this.timers?.stop();
    this.engine.stop();
    for (const hook of registry.hooks.get('appTerminate') ?? [])
      await hook({ hookData: {}, appHookData: {} });
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  functionNames(): string[] {
    return this.invoker.functions().map((f) => f.metadata.name);
  }

  timerSchedule(): { functionName: string; next: string }[] {
    return this.timers?.nextOccurrences() ?? [];
  }

  /** Runs a non-HTTP function now, as the host's admin endpoint POST /admin/functions/{name} does. */
  async runTimerNow(functionName: string): Promise<void> {
    const now = this.clock.now().toISOString();
    await this.fireTimer({
      functionName,
      payload: {
        Schedule: { AdjustForDST: true },
        ScheduleStatus: { Last: now, Next: now, LastUpdated: now },
        IsPastDue: false,
      },
    });
  }

  // ---- start-up ----

  private async listen(port: number): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => resolve());
    });
    const address = this.server.address() as AddressInfo;
    this.origin = `http://127.0.0.1:${address.port}`;
    // The host sets WEBSITE_HOSTNAME; durable-functions uses it to keep the URLs it hands out.
    process.env.WEBSITE_HOSTNAME = `127.0.0.1:${address.port}`;
  }

  private load(): void {
    installFunctionsCoreHook();
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require(this.config.main);
    if (!registry.programmingModel)
      throw new Error(`${this.config.main} registered no functions (is @azure/functions loaded?)`);
    for (const fn of this.invoker.functions()) {
      const [triggerName, trigger] =
        Object.entries(fn.metadata.bindings).find(
          ([, b]) => b.direction === 'in' && String(b.type).endsWith('Trigger'),
        ) ?? [];
      if (!trigger || !triggerName) continue;
      if (trigger.type === 'httpTrigger') {
        const template = typeof trigger.route === 'string' ? trigger.route : fn.metadata.name;
        this.routes.push({
          fn,
          route: compileRoute(resolveSettingExpression(template, process.env)),
          methods: ((trigger.methods as string[] | undefined) ?? ['GET', 'POST']).map((m) => m.toUpperCase()),
          authLevel: ((trigger.authLevel as string | undefined) ?? 'anonymous').toLowerCase() as AuthLevel,
          triggerName,
        });
      }
    }
    this.routes.sort((a, b) => b.route.specificity - a.route.specificity);
  }

  private async startTimers(): Promise<void> {
    const timers = this.invoker
      .functions()
      .flatMap((fn) =>
        Object.values(fn.metadata.bindings)
          .filter((b) => b.type === 'timerTrigger')
          .map((b) => ({ fn, b })),
      )
      .map(({ fn, b }) => ({
        functionName: fn.metadata.name,
        schedule: resolveSettingExpression(String(b.schedule), process.env),
        runOnStartup: b.runOnStartup === true,
      }));
    this.timers = new TimerScheduler(timers, this.clock, (fire) => this.fireTimer(fire));
    await this.timers.start();
  }

  private async fireTimer(fire: TimerFire): Promise<void> {
    const fn = this.invoker.find(fire.functionName);
    const triggerName = bindingOfType(fn, 'timerTrigger');
    if (!triggerName) throw new Error(`${fire.functionName} is not a timer function`);
    this.inFlight++;
    try {
      await this.invoker.invoke(fn.metadata.name, [
        { name: triggerName, data: { json: JSON.stringify(fire.payload) } },
        ...this.clientInputs(fn),
      ]);
    } catch (error) {
      this.log(`[${fire.functionName}] timer invocation failed: ${errorMessage(error)}`);
    } finally {
      this.inFlight--;
    }
  }

  /** The durable client binding for every function that declared one. */
  private clientInputs(fn: RegisteredFunction): RpcParameterBinding[] {
    return Object.entries(fn.metadata.bindings)
      .filter(
        ([, b]) => b.direction === 'in' && (b.type === 'durableClient' || b.type === 'orchestrationClient'),
      )
      .map(([name]) => ({
        name,
        data: {
          string: JSON.stringify(
            durableClientData(this.origin, this.config.taskHubName, this.keys.systemKey),
          ),
        },
      }));
  }

  // ---- HTTP ----

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.inFlight++;
    try {
      const target = requestTarget(req.url);
      if (!target)
        return sendProblem(
          res,
          400,
          'The request target is not valid',
          'Send a path (/api/...) or an absolute http URL of this app.',
        );
      if (target.host) req.headers.host = target.host;
      const url = new URL(`${this.origin}${target.pathAndQuery}`);
      stripPlatformHeaders(req.headers);
      const path = url.pathname.toLowerCase();
      if (path.startsWith(AUTH)) {
        if (!this.auth) return notFound(res);
        return await this.auth.handle(req, res, url);
      }
      if (path.startsWith(DURABLE_WEBHOOK)) {
        if (!this.keyAccepted('system', req, res, url)) return;
        return await this.handleDurable(req, res, url);
      }
      if (path.startsWith(ADMIN)) {
        if (!this.keyAccepted('admin', req, res, url)) return;
        return await this.handleAdmin(req, res, url);
      }
      return await this.handleFunction(req, res, url);
    } catch (error) {
      if (error instanceof BodyTooLargeError)
        return sendProblem(res, 413, 'The request body is too large', error.message);
      this.log(`runtime: ${req.method} ${req.url?.split('?')[0]} failed: ${errorMessage(error)}`);
      if (!res.headersSent)
        sendProblem(
          res,
          500,
          'Something went wrong in the runtime',
          'The error was logged; try again later.',
        );
    } finally {
      this.inFlight--;
    }
  }

  private segments(path: string): string[] | undefined {
    try {
      return path
        .split('/')
        .filter(Boolean)
        .map((s) => decodeURIComponent(s));
    } catch {
      return undefined;
    }
  }

  /** True when the request carries the key `level` needs; otherwise answers 401 saying what to send. */
  private keyAccepted(level: KeyLevel, req: IncomingMessage, res: ServerResponse, url: URL): boolean {
    if (level === 'anonymous') return true;
    const key = presentedKey(req, url);
    if (isAuthorized(level, key, this.keys)) return true;
    const problem = missingKeyProblem(level, key !== undefined);
    sendProblem(res, 401, problem.title, problem.detail, { neededKey: problem.neededKey });
    return false;
  }

  private async handleDurable(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const segments = this.segments(url.pathname.slice(DURABLE_WEBHOOK.length));
    if (!segments) return sendJson(res, 400, { Message: 'Malformed URL encoding' });
    const body = (await readBody(req)).toString('utf8');
    const response = await this.api.handle({
      method: req.method ?? 'GET',
      segments,
      query: url.searchParams,
      headers: Object.fromEntries(
        Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v]),
      ),
      body,
    });
    sendJson(res, response.status, response.body, response.headers);
  }

  private async handleAdmin(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const [area, name, ...rest] = this.segments(url.pathname.slice(ADMIN.length)) ?? [];
    if (area?.toLowerCase() !== 'functions' || !name || rest.length) return notFound(res);
    if (req.method !== 'POST') return sendProblem(res, 405, 'Method not allowed', 'Use POST.');
    const fn = this.invoker.tryFind(name);
    if (!fn || !bindingOfType(fn, 'timerTrigger')) return notFound(res);
    await readBody(req);
    void this.runTimerNow(fn.metadata.name);
    sendJson(res, 202);
  }

  private async handleFunction(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const prefix = this.config.routePrefix ? `/${this.config.routePrefix}` : '';
    const lowerPath = url.pathname.toLowerCase();
    if (prefix && lowerPath !== prefix && !lowerPath.startsWith(`${prefix}/`)) return notFound(res);
    const segments = this.segments(url.pathname.slice(prefix.length));
    if (!segments) return sendProblem(res, 400, 'Malformed URL encoding in the path');
    const method = (req.method ?? 'GET').toUpperCase();
    let methodMismatch = false;
    for (const route of this.routes) {
      const params = matchRoute(route.route, segments);
      if (!params) continue;
      if (!route.methods.includes(method)) {
        methodMismatch = true;
        continue;
      }
      if (!this.keyAccepted(route.authLevel, req, res, url)) return;
      const body = await readBody(req);
      if (this.auth) Object.assign(req.headers, this.auth.principalHeaders(req));
      // The app sees the URL people called, as behind Azure's front end.
      const publicUrl = new URL(`${this.publicBase}${url.pathname}${url.search}`);
      const http = toRpcHttpRequest(req, publicUrl, params, body);
      const response = await this.invoker.invoke(
        route.fn.metadata.name,
        [{ name: route.triggerName, data: { http } }, ...this.clientInputs(route.fn)],
        {},
        callerTraceContext(req),
      );
      return writeRpcHttpResponse(res, (response.returnValue?.http ?? undefined) as RpcHttpData | undefined);
    }
    if (methodMismatch) return sendProblem(res, 405, 'Method not allowed');
    return notFound(res);
  }
}

/**
 * The caller's W3C trace context (`traceparent`, `tracestate`), handed to the invocation as the host
 * does, so the app's span continues the caller's trace. A malformed or all-zero one is ignored
 * (https://www.w3.org/TR/trace-context/#traceparent-header); this host records no span of its own.
 */
function callerTraceContext(req: IncomingMessage): RpcTraceContext | undefined {
  const parent = req.headers.traceparent;
  if (typeof parent !== 'string') return undefined;
  const m = /^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/.exec(parent.trim());
  if (!m || /^0+$/.test(m[1] ?? '') || /^0+$/.test(m[2] ?? '')) return undefined;
  const state = req.headers.tracestate;
  return {
    traceParent: parent.trim(),
    ...(typeof state === 'string' && state.length <= 512 ? { traceState: state } : {}),
    attributes: {},
  };
}

const notFound = (res: ServerResponse) =>
  sendProblem(res, 404, 'Not found', 'Nothing is served at this path.');
