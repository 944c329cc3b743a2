import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../runtime/clock';
import { FunctionHost } from '../../runtime/functionHost';
import { SandboxCloud } from '../../sandbox/sandboxCloud';
import { setAppClock } from '../../shared/app/container';
import { OWNER_ROLE_DEFINITION_ID } from '../../lib/azure/builtInRoles';
import {
  freePort,
  startAzurite,
  uniqueTableSettings,
  type AppTableSettings,
  type RunningAzurite,
} from './azurite';
import { startChildRuntime, type ChildRuntime } from './childRuntime';
import { checkAnswer } from './openApiCheck';
import { CUSTOMER_TENANT, PARTNER_TENANT, SUBSCRIPTION } from './fixtures';
import { KEYS } from './runtimeHarness';
import { customerAdminArm, sharedPki } from './sandboxHarness';
import { validSettings } from './settings';

const ROOT = join(__dirname, '..', '..');

/** The first customer link in a mail's text on a line matching `line`, as a path. */
export const linkIn = (text: string | undefined, line: RegExp): string =>
  new URL(
    /(http:\/\/127\.0\.0\.1:\d+\/api\/c\/\S+)/.exec(
      (text ?? '').split('\n').find((l) => line.test(l)) ?? '',
    )?.[1] ?? 'http://invalid/',
  ).pathname;

/**
 * The compiled app in a child process on a world's storage and port (crash tests kill it and `run`
 * it again), and its HTTP API called as the partner's tooling would: function key, JSON by default.
 */
export function compiledApp(world: ProductWorld): {
  run(): Promise<ChildRuntime>;
  api(path: string, init?: RequestInit): Promise<Response>;
  /** Mails queued and not yet sent or given up (GET /api/email/backlog): none means nothing more goes out. */
  mailsQueued(): Promise<number>;
} {
  const api = (path: string, init?: RequestInit) =>
    fetch(`http://127.0.0.1:${world.port}${path}`, {
      ...init,
      headers: {
        'x-functions-key': KEYS.functionKey,
        ...(init?.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(init?.headers ?? {}),
      },
    });
  return {
    run: () =>
      startChildRuntime(world.azurite.connectionString, world.settings, {
        app: join(__dirname, '..', '..'),
        port: world.port,
      }),
    api,
    mailsQueued: async () => {
      const { lanes } = (await (await api('/api/email/backlog')).json()) as {
        lanes: Record<'people' | 'bulk', { queued: number }>;
      };
      return lanes.people.queued + lanes.bulk.queued;
    },
  };
}

export interface ProductWorld {
  azurite: RunningAzurite;
  cloud: SandboxCloud;
  port: number;
  /** The app settings pointing the product at this world. */
  settings: Record<string, string>;
  /** The names of the app's tables in this world (its own, on storage other tests share). */
  tables: AppTableSettings;
  /** Partner Center delivers to the app's webhook (as the readiness check would have registered). */
  registerWebhook(): void;
  /** The customer's administrator grants Owner to the partner group with the real ARM SDK. */
  grantOwner(scope: string): Promise<void>;
  /**
   * The customer's administrator removes the partner group's role assignments at the scope with the
   * real ARM SDK (list, then `DELETE` each), as one would in the portal or with Remove-AzRoleAssignment.
   */
  removeOwner(scope: string): Promise<number>;
  stop(): Promise<void>;
}

/** Azurite, the sandbox cloud with one customer, a port for the app, and the settings tying them. */
export async function startProductWorld(
  overrides: Record<string, string> = {},
  now?: () => number,
  options: StorageOptions = {},
): Promise<ProductWorld> {
  const azurite = await startAzurite({ ownProcess: options.ownStorage ?? false });
  const cloud = await SandboxCloud.start({
    partnerTenantId: PARTNER_TENANT,
    partnerAppClientId: randomUUID(),
    partnerAppSecret: randomUUID(),
    pki: await sharedPki(),
    ...(now ? { now } : {}),
  });
  cloud.partnerCenter.retryDelayMs = 5;
  const customer = cloud.state.addCustomer(CUSTOMER_TENANT, [SUBSCRIPTION]);
  const caFile = join(mkdtempSync(join(tmpdir(), 'product-')), 'ca.pem');
  writeFileSync(caFile, cloud.pki.trustedRootsPem);
  const port = await freePort();
  const tables = uniqueTableSettings();
  cloud.state.partnerApp.redirectUris = [
    `http://127.0.0.1:${port}/api/identity/consent/callback`,
    `http://127.0.0.1:${port}/.auth/login/aad/callback`,
  ];
  const settings = validSettings({
    ...cloud.appSettings(),
    TLS_CA_FILE: caFile,
    AzureWebJobsStorage: azurite.connectionString,
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    ...tables,
    EMAIL_SEND_RATE_PER_MINUTE: '100000',
    EMAIL_SEND_RATE_PER_HOUR: '1000000',
    VERIFY_SCHEDULE: '0 */15 * * * *',
    ...overrides,
  }) as Record<string, string>;
  const arm = customerAdminArm(cloud.url, readFileSync(caFile, 'utf8'), customer, SUBSCRIPTION);
  return {
    azurite,
    cloud,
    port,
    settings,
    tables,
    registerWebhook: () => {
      cloud.state.registration = {
        SubscriberId: 's',
        WebhookUrl: `http://127.0.0.1:${port}/api/webhooks/partner-center`,
        WebhookEvents: [
          'reseller-relationship-accepted-by-customer',
          'dap-admin-relationship-approved',
          'test-created',
        ],
      };
    },
    grantOwner: async (scope) => {
      await arm.roleAssignments.create(scope, randomUUID(), {
        roleDefinitionId: `/subscriptions/${SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/${OWNER_ROLE_DEFINITION_ID}`,
        principalId: cloud.state.adminAgents.id,
        principalType: 'ForeignGroup',
      });
    },
    removeOwner: async (scope) => {
      let removed = 0;
      for await (const assignment of arm.roleAssignments.listForScope(scope, {
        filter: `principalId eq '${cloud.state.adminAgents.id}'`,
      }))
        if (assignment.name && assignment.scope?.toLowerCase() === scope.toLowerCase()) {
          await arm.roleAssignments.delete(scope, assignment.name);
          removed++;
        }
      return removed;
    },
    stop: async () => {
      await cloud.stop();
      await azurite.stop();
    },
  };
}

export interface Product {
  host: FunctionHost;
  cloud: SandboxCloud;
  azurite: RunningAzurite;
  clock: ManualClock;
  /** The names of the app's tables (its own, on storage other tests share). */
  tables: AppTableSettings;
  /** Calls the app as the partner's tooling would (function key). */
  partner(path: string, init?: RequestInit): Promise<Response>;
  /** Calls the app as a customer's browser would (no key, no redirects followed). */
  anonymous(path: string, init?: RequestInit): Promise<Response>;
  settle(): Promise<void>;
  advance(by: string): Promise<void>;
  /** Moves the clock to the next durable timer (if it is still to come) and lets what is due run. */
  toNextTimer(): Promise<Date | undefined>;
  grantOwner(scope: string): Promise<void>;
  removeOwner(scope: string): Promise<number>;
  mailsTo(address: string): { subject: string; plainText?: string }[];
  runVerificationTimer(): Promise<void>;
  stop(): Promise<void>;
}

export interface StorageOptions {
  /** Azurite of its own, for a test that stops storage (otherwise the jest worker's, shared). */
  ownStorage?: boolean;
}

/** The product itself, in this process on the offline runtime with a manual clock. */
export async function startProduct(
  overrides: Record<string, string> = {},
  options: StorageOptions = {},
): Promise<Product> {
  const clock = new ManualClock(new Date());
  const world = await startProductWorld(overrides, () => clock.now().getTime(), options);
  // The app, the runtime and the simulated cloud share one clock: a 14-day wait takes milliseconds.
  setAppClock(() => clock.now());
  const host = await FunctionHost.start({
    appRoot: ROOT,
    main: join(ROOT, 'functions', 'index.ts'),
    settings: world.settings,
    storageConnectionString: world.azurite.connectionString,
    port: world.port,
    keys: KEYS,
    clock,
    log: () => {},
  });
  world.registerWebhook();
  return {
    host,
    cloud: world.cloud,
    azurite: world.azurite,
    clock,
    tables: world.tables,
    partner: async (path, init) => {
      const response = await fetch(`${host.url}${path}`, {
        ...init,
        headers: {
          'x-functions-key': KEYS.functionKey,
          'content-type': 'application/json',
          ...(init?.headers ?? {}),
        },
      });
      await checkAnswer(init?.method ?? 'GET', path, response, true);
      return response;
    },
    anonymous: async (path, init) => {
      const response = await fetch(`${host.url}${path}`, { redirect: 'manual', ...init });
      await checkAnswer(init?.method ?? 'GET', path, response, false);
      return response;
    },
    settle: () => host.whenIdle(),
    advance: async (by) => {
      await host.whenIdle();
      clock.advance(by);
      await host.whenIdle();
    },
    toNextTimer: async () => {
      await host.whenIdle();
      const next = host.engine.nextTimerAt();
      if (!next) return undefined;
      if (next > clock.now()) clock.set(next);
      await host.whenIdle();
      return next;
    },
    grantOwner: world.grantOwner,
    removeOwner: world.removeOwner,
    mailsTo: (address) =>
      world.cloud.state.outbox
        .filter((m) => m.to.includes(address))
        .map((m) => ({ subject: m.subject, ...(m.plainText ? { plainText: m.plainText } : {}) })),
    runVerificationTimer: async () => {
      await host.runTimerNow('verifyPendingRoleAssignments');
      await host.whenIdle();
    },
    stop: async () => {
      await host.stop();
      await world.stop();
    },
  };
}
