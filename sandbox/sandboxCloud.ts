import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { CLOUDS } from '../lib/azure/clouds';
import { AcsSimulator, type AcsLimits } from './acsSimulator';
import { AlertReceivers } from './alertReceivers';
import { handleArm } from './armSimulator';
import { createSandboxPki, type SandboxPki } from './certificates';
import { EntraSimulator } from './entraSimulator';
import { FaultInjector, type Faults, type Service } from './faults';
import { handleGraph } from './graphSimulator';
import { handleControls } from './controls';
import { handlePages } from './pages';
import { json, type SimRequest } from './httpUtil';
import { TokenSigner } from './jwt';
import { PartnerCenterSimulator } from './partnerCenterSimulator';
import { CloudFolder, loadCloud, type SavedCloud } from './persistence';
import { SandboxState } from './state';

export interface SandboxCloudOptions {
  partnerTenantId: string;
  partnerGroupName?: string;
  partnerAppClientId: string;
  partnerAppSecret: string;
  port?: number;
  acsLimits?: AcsLimits;
  faults?: Partial<Record<Service, Partial<Faults>>>;
  pki?: SandboxPki;
  /** The cloud's clock (ACS's quota windows, its 5-minute repeatability window); tests pass a simulated one. */
  now?: () => number;
  /** A folder to keep the cloud in across restarts (see persistence.ts); in memory only when absent. */
  dir?: string;
}

/**
 * The sandbox cloud: Entra ID, Graph, ARM, ACS Email and Partner Center on one loopback HTTPS
 * origin (the SDKs refuse bearer tokens over plain http), with a certificate generated at start-up.
 * Each simulator follows its service's published REST contract; `/sandbox/...` holds the controls a
 * real cloud does not have (outbox, a customer accepting, faults).
 */
export class SandboxCloud {
  readonly state: SandboxState;
  readonly faults: FaultInjector;
  readonly acs: AcsSimulator;
  readonly partnerCenter: PartnerCenterSimulator;
  readonly entra: EntraSimulator;
  /** The partner's Teams channel and ticketing tool, where the product's alerts arrive. */
  readonly alertReceivers: AlertReceivers;
  readonly acsAccessKey: Buffer;
  /** Requests each simulated service received (faulted ones included). */
  readonly requests = new Map<Service, number>();
  /** Requests each simulated endpoint received, by method and path without the query. */
  readonly requestsByEndpoint = new Map<string, number>();
  private readonly tokens: TokenSigner;
  private readonly folder: CloudFolder | undefined;
  private server!: Server;
  private origin = '';

  private constructor(
    readonly pki: SandboxPki,
    options: SandboxCloudOptions,
    saved: SavedCloud | undefined,
  ) {
    this.state = saved?.state ?? new SandboxState(options);
    this.tokens = new TokenSigner(saved?.keys.signerKeyPem);
    this.acsAccessKey = saved ? Buffer.from(saved.keys.acsAccessKey, 'base64') : randomBytes(32);
    this.entra = new EntraSimulator(this.state, this.tokens);
    this.faults = new FaultInjector();
    for (const [service, f] of Object.entries(options.faults ?? {})) this.faults.set(service as Service, f);
    this.acs = new AcsSimulator(this.state, this.acsAccessKey, options.acsLimits, options.now);
    this.acs.restore(this.state.outbox);
    this.alertReceivers = new AlertReceivers(this.state.partnerTenantId, options.now);
    this.folder = options.dir
      ? new CloudFolder(options.dir, this.state, {
          pki,
          signerKeyPem: this.tokens.privateKeyPem,
          acsAccessKey: this.acsAccessKey.toString('base64'),
        })
      : undefined;
    const aud = CLOUDS.AzurePublic.audiences;
    this.partnerCenter = new PartnerCenterSimulator(
      this.state,
      pki,
      this.tokens,
      [aud.partnerCenter],
      () => this.origin,
      options.now,
    );
  }

  /** Starts a cloud: the one kept in `options.dir` when there is one, otherwise a new one. */
  static async start(options: SandboxCloudOptions): Promise<SandboxCloud> {
    const saved = options.dir ? loadCloud(options.dir) : undefined;
    if (saved && saved.state.partnerTenantId !== options.partnerTenantId)
      throw new Error(
        `the sandbox in ${options.dir} belongs to partner tenant ${saved.state.partnerTenantId}, not ${options.partnerTenantId}: reset it (npm run sandbox:reset)`,
      );
    const cloud = new SandboxCloud(
      saved?.keys.pki ?? options.pki ?? (await createSandboxPki()),
      options,
      saved,
    );
    await cloud.listen(options.port ?? 0);
    return cloud;
  }

  get url(): string {
    return this.origin;
  }

  /**
   * App settings that point the product at this cloud (the same names production uses), with a
   * fresh refresh token of the partner's admin, as the consent step would have given.
   */
  appSettings(): Record<string, string> {
    const host = new URL(this.origin).host;
    const app = this.state.partnerApp;
    return {
      AUTHORITY_HOST: this.origin,
      GRAPH_ENDPOINT: this.origin,
      ARM_ENDPOINT: this.origin,
      PARTNER_CENTER_ENDPOINT: this.origin,
      PARTNER_CENTER_CERT_HOST: host,
      ACS_ENDPOINT: '',
      ACS_CONNECTION_STRING: `endpoint=${this.origin}/;accesskey=${this.acsAccessKey.toString('base64')}`,
      PARTNER_TENANT_ID: this.state.partnerTenantId,
      PARTNER_APP_CLIENT_ID: app.clientId,
      PARTNER_APP_CLIENT_SECRET: app.secret,
      PARTNER_APP_CREDENTIAL: 'clientSecret',
      VERIFICATION_IDENTITY: 'secureApplicationModel',
      PARTNER_REFRESH_TOKEN: this.entra.issueRefreshToken(this.state.partnerAdmin, app.clientId),
      // People sign in to the console with App Service authentication, through the partner's app
      // (its registration holds the console's app roles and the /.auth/login/aad/callback redirect).
      WEBSITE_AUTH_ENABLED: 'true',
      WEBSITE_AUTH_CLIENT_ID: app.clientId,
      WEBSITE_AUTH_OPENID_ISSUER: `${this.origin}/${this.state.partnerTenantId}/v2.0`,
      MICROSOFT_PROVIDER_AUTHENTICATION_SECRET: app.secret,
      ...this.alertReceivers.appSettings(this.origin),
    };
  }

  async stop(): Promise<void> {
    this.folder?.close();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private async listen(port: number): Promise<void> {
    this.server = createServer({ cert: this.pki.tls.certPem, key: this.pki.tls.keyPem }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        // Concatenate: `new URL('//subscriptions/..', base)` would read 'subscriptions' as a host.
        const url = new URL(`${this.origin}${req.url ?? '/'}`);
        const sim: SimRequest = {
          req,
          res,
          method: req.method ?? 'GET',
          path: url.pathname.replace(/\/{2,}/g, '/'),
          url,
          body: Buffer.concat(chunks),
          origin: this.origin,
        };
        this.route(sim).catch((error: unknown) => {
          if (!res.headersSent)
            json(res, 500, { error: { code: 'InternalServerError', message: String(error) } });
        });
      });
    });
    await new Promise<void>((resolve) => this.server.listen(port, '127.0.0.1', () => resolve()));
    this.origin = `https://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private serviceOf(sim: SimRequest): Service | undefined {
    if (
      /\/oauth2\/v2\.0\/(token|authorize)$|openid-configuration$|\/discovery\/v2\.0\/keys$|^\/common\/discovery/.test(
        sim.path,
      )
    )
      return 'entra';
    if (sim.path.startsWith('/v1.0/')) return 'graph';
    if (sim.path.toLowerCase().startsWith('/subscriptions/')) return 'arm';
    if (sim.path.startsWith('/emails')) return 'acs';
    if (sim.path.startsWith('/v1/') || sim.path.startsWith('/webhooks/')) return 'partnerCenter';
    if (this.alertReceivers.isWebhook(sim)) return 'webhooks';
    return undefined;
  }

  private async route(sim: SimRequest): Promise<void> {
    if (sim.method === 'GET' && this.alertReceivers.handle(sim)) return;
    if (sim.path === '/sandbox' || sim.path.startsWith('/sandbox/')) {
      if (await handlePages(sim, this.state, this.partnerCenter)) return;
      return handleControls(sim, this.state, this.partnerCenter, this.faults);
    }
    const service = this.serviceOf(sim);
    if (service) {
      this.requests.set(service, (this.requests.get(service) ?? 0) + 1);
      const endpoint = `${sim.method} ${sim.path}`;
      this.requestsByEndpoint.set(endpoint, (this.requestsByEndpoint.get(endpoint) ?? 0) + 1);
    }
    if (service)
      for (const [name, value] of Object.entries(correlationHeaders(service, sim.req.headers)))
        sim.res.setHeader(name, value);
    if (service && (await this.faults.apply(service, sim.req, sim.res))) return;
    const aud = CLOUDS.AzurePublic.audiences;
    const handled =
      this.entra.handle(sim) ||
      handleGraph(sim, this.state, this.tokens, aud.graph) ||
      handleArm(sim, this.state, this.tokens, [aud.arm, 'https://management.core.windows.net']) ||
      this.acs.handle(sim) ||
      this.partnerCenter.handle(sim) ||
      this.alertReceivers.handle(sim);
    if (!handled)
      json(sim.res, 404, {
        error: { code: 'NotFound', message: `No simulated endpoint at ${sim.method} ${sim.path}` },
      });
  }
}

/**
 * The ids each service puts on its responses (throttled and failed ones too) for its support to find
 * the call: ARM's x-ms-request-id and x-ms-correlation-request-id (the caller's, or a new one;
 * Azure/azure-resource-manager-rpc, v1.0/common-api-details.md), Graph's request-id and
 * client-request-id (https://learn.microsoft.com/graph/errors), Entra ID's x-ms-request-id, and
 * Partner Center's MS-RequestId and MS-CorrelationId, the caller's when it sent them
 * (https://learn.microsoft.com/partner-center/developer/headers).
 */
function correlationHeaders(service: Service, headers: IncomingHttpHeaders): Record<string, string> {
  const sent = (name: string) => {
    const value = headers[name];
    return typeof value === 'string' && value ? value : undefined;
  };
  switch (service) {
    case 'arm':
      return {
        'x-ms-request-id': randomUUID(),
        'x-ms-correlation-request-id': sent('x-ms-correlation-request-id') ?? randomUUID(),
      };
    case 'graph': {
      const requestId = randomUUID();
      return { 'request-id': requestId, 'client-request-id': sent('client-request-id') ?? requestId };
    }
    case 'entra':
      return { 'x-ms-request-id': randomUUID() };
    case 'partnerCenter':
      return {
        'MS-RequestId': sent('ms-requestid') ?? randomUUID(),
        'MS-CorrelationId': sent('ms-correlationid') ?? randomUUID(),
      };
    case 'acs':
    case 'webhooks':
      return {};
  }
}
