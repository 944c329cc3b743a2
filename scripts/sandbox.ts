/**
 * `npm start`: the offline sandbox, three processes on loopback.
 *  - Azurite's Table service (data in .sandbox/azurite) and the sandbox cloud (simulated Entra ID,
 *    Graph, ARM, ACS Email and Partner Center; kept in .sandbox/cloud) each run in a process of
 *    their own, as storage and Microsoft's cloud are services of their own in Azure: a crash of the
 *    app takes neither down, and the next `npm start` finds them running and reuses them.
 *  - The offline runtime hosting this function app runs in this process, in front.
 * It prints what runs where and writes the same facts to .sandbox/endpoints.json. Ctrl-C stops all
 * three (each saves its data), and so does `npm run sandbox:stop` from another terminal (it also
 * stops services left running after a crash); `npm run sandbox:reset` also deletes .sandbox.
 * The sandbox's keys (function, master, durable system key, and the key customer links are signed
 * with) are made at its first start and kept in .sandbox/keys.json.
 *
 * PORT (7071), SANDBOX_AZURITE_PORT (10002), SANDBOX_CLOUD_PORT (8443), SANDBOX_DIR (.sandbox),
 * SANDBOX_CUSTOMERS (25) change the defaults; SANDBOX=0 runs the app against the endpoints in the
 * settings instead of the sandbox cloud (real Azure, or any stand-in that speaks the same contracts).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { azuriteConnectionString, isListening, startAzuriteProcess } from '../runtime/azuriteProcess';
import { FunctionHost } from '../runtime/functionHost';
import {
  freePort,
  readRecord,
  runningService,
  startDetached,
  stopService,
  writeRecord,
} from './backgroundServices';
import { errorMessage } from '../lib/errors';

const root = join(__dirname, '..', '..');
const sandboxDir = process.env.SANDBOX_DIR ?? join(root, '.sandbox');
const files = {
  azurite: join(sandboxDir, 'azurite.json'),
  cloud: join(sandboxDir, 'cloud.json'),
  endpoints: join(sandboxDir, 'endpoints.json'),
  keys: join(sandboxDir, 'keys.json'),
  app: join(sandboxDir, 'app.json'),
};

function appSettings(): { settings: Record<string, string>; source: string } {
  const own = join(root, 'local.settings.json');
  const source = existsSync(own) ? own : join(root, 'local.settings.sample.json');
  const values =
    (JSON.parse(readFileSync(source, 'utf8')) as { Values?: Record<string, string> }).Values ?? {};
  // Variables already in the environment win, as they do for the Functions host.
  for (const key of Object.keys(values))
    if (process.env[key] !== undefined) values[key] = process.env[key] ?? '';
  return { settings: values, source };
}

interface SandboxKeys {
  functionKey: string;
  masterKey: string;
  /** The Durable Functions extension's system key (durabletask_extension). */
  systemKey: string;
  /** LINK_SIGNING_KEY: the sandbox's own, never the public example from the repository. */
  linkSigningKey: string;
}

/**
 * The sandbox's keys, made at its first start (a key a sandbox made earlier lacks is added) and kept,
 * so that saved scripts, bookmarks and the customer links already mailed keep working.
 */
function sandboxKeys(): SandboxKeys {
  const kept = existsSync(files.keys)
    ? (JSON.parse(readFileSync(files.keys, 'utf8')) as Partial<SandboxKeys>)
    : {};
  const keys: SandboxKeys = {
    functionKey: kept.functionKey ?? randomBytes(24).toString('base64url'),
    masterKey: kept.masterKey ?? randomBytes(24).toString('base64url'),
    systemKey: kept.systemKey ?? randomBytes(24).toString('base64url'),
    linkSigningKey: kept.linkSigningKey ?? randomBytes(32).toString('base64'),
  };
  if (JSON.stringify(keys) !== JSON.stringify(kept))
    writeFileSync(files.keys, JSON.stringify(keys, null, 2), { mode: 0o600 });
  return keys;
}

const portFrom = async (value: string | undefined, fallback: number) =>
  value === '0' ? freePort() : Number(value ?? fallback);

async function ensureAzurite(): Promise<{ port: number; reused: boolean }> {
  const location = join(sandboxDir, 'azurite');
  const fingerprint = JSON.stringify({ location });
  const running = await runningService(files.azurite, fingerprint);
  if (running) return { port: running.port, reused: true };
  await stopService(files.azurite);
  const port = await portFrom(process.env.SANDBOX_AZURITE_PORT, 10002);
  if (await isListening(port))
    throw new Error(`Port ${port} is taken (another Azurite?). Stop it, or set SANDBOX_AZURITE_PORT.`);
  const azurite = await startAzuriteProcess({
    port,
    location,
    detached: true,
    logFile: join(sandboxDir, 'azurite.log'),
  });
  writeRecord(files.azurite, { pid: azurite.pid, port, fingerprint, startedAt: new Date().toISOString() });
  return { port, reused: false };
}

async function ensureCloud(
  settings: Record<string, string>,
): Promise<{ url: string; reused: boolean; dir: string }> {
  const dir = join(sandboxDir, 'cloud');
  mkdirSync(dir, { recursive: true });
  const args = [
    '--dir',
    dir,
    '--partner-tenant',
    settings.PARTNER_TENANT_ID ?? '',
    '--group-name',
    settings.PARTNER_GROUP_NAME || 'AdminAgents',
    '--partner-app-id',
    settings.PARTNER_APP_CLIENT_ID ?? '',
    '--acs-per-minute',
    settings.EMAIL_SEND_RATE_PER_MINUTE || '30',
    '--acs-per-hour',
    settings.EMAIL_SEND_RATE_PER_HOUR || '100',
    '--customers',
    process.env.SANDBOX_CUSTOMERS ?? '25',
    '--redirect-uri',
    `${settings.PUBLIC_BASE_URL}/api/identity/consent/callback`,
    '--redirect-uri',
    `${settings.PUBLIC_BASE_URL}/.auth/login/aad/callback`,
  ];
  const fingerprint = JSON.stringify(args);
  const running = await runningService(files.cloud, fingerprint);
  if (running?.url) return { url: running.url, reused: true, dir };
  await stopService(files.cloud);
  const port = await portFrom(process.env.SANDBOX_CLOUD_PORT, 8443);
  if (await isListening(port))
    throw new Error(`Port ${port} is taken. Stop what uses it, or set SANDBOX_CLOUD_PORT.`);
  const started = await startDetached(
    [join(root, 'dist', 'sandbox', 'main.js'), '--port', String(port), ...args],
    join(sandboxDir, 'cloud.log'),
    /sandbox cloud ready (\S+)/,
  );
  writeRecord(files.cloud, {
    pid: started.pid,
    port,
    fingerprint,
    url: started.match,
    startedAt: new Date().toISOString(),
  });
  return { url: started.match, reused: false, dir };
}

async function stopServices(): Promise<void> {
  await stopService(files.cloud);
  await stopService(files.azurite);
}

/**
 * `npm run sandbox:stop` (and reset): the app first, as Ctrl-C would stop it (it stops its services
 * itself and saves), then whatever services are still recorded (left running after a crash).
 */
async function stopSandbox(): Promise<void> {
  const app = readRecord(files.app);
  if (app && app.pid !== process.pid)
    await stopService(files.app, { graceMs: 30_000, onlyIfListening: true });
  await stopServices();
}

async function main(): Promise<void> {
  const command = process.argv[2];
  if (command === 'stop' || command === 'reset') {
    await stopSandbox();
    if (command === 'reset') rmSync(sandboxDir, { recursive: true, force: true });
    console.log(
      command === 'reset'
        ? `Sandbox stopped (the app, the sandbox cloud and Azurite), and ${sandboxDir} deleted.`
        : 'Sandbox stopped: the app, the sandbox cloud and Azurite.',
    );
    return;
  }
  mkdirSync(sandboxDir, { recursive: true });
  const port = await portFrom(process.env.PORT, 7071);
  if (await isListening(port))
    throw new Error(`Port ${port} is taken (is npm start already running?). Set PORT to use another.`);
  const { settings, source } = appSettings();
  const keys = sandboxKeys();
  // The sandbox signs customer links with its own key, unless the environment names one.
  settings.LINK_SIGNING_KEY = process.env.LINK_SIGNING_KEY || keys.linkSigningKey;
  const azurite = await ensureAzurite();
  settings.AzureWebJobsStorage = azuriteConnectionString(azurite.port);
  // Customers' links and the webhook point at this app unless told otherwise.
  settings.PUBLIC_BASE_URL = process.env.PUBLIC_BASE_URL || `http://127.0.0.1:${port}`;
  const cloud = process.env.SANDBOX === '0' ? undefined : await ensureCloud(settings);
  if (cloud) {
    const pointed = JSON.parse(readFileSync(join(cloud.dir, 'app-settings.json'), 'utf8')) as Record<
      string,
      string
    >;
    Object.assign(settings, pointed, { TLS_CA_FILE: join(cloud.dir, 'ca.pem') });
  }

  let host: FunctionHost;
  try {
    host = await FunctionHost.start({
      appRoot: root,
      settings,
      storageConnectionString: settings.AzureWebJobsStorage,
      port,
      keys: { functionKey: keys.functionKey, masterKey: keys.masterKey, systemKey: keys.systemKey },
    });
  } catch (error) {
    throw new Error(`Could not start the function app on 127.0.0.1:${port}: ${errorMessage(error)}`, {
      cause: error,
    });
  }

  writeRecord(files.app, {
    pid: process.pid,
    port,
    fingerprint: 'npm start',
    startedAt: new Date().toISOString(),
  });
  const api = `${host.url}/${host.config.routePrefix}`;
  // People open the console where PUBLIC_BASE_URL says (a dev tunnel, localhost): sign-in returns there.
  const publicBase = settings.PUBLIC_BASE_URL.replace(/\/+$/, '');
  const endpoints = {
    app: {
      baseUrl: host.url,
      apiBaseUrl: api,
      publicBaseUrl: publicBase,
      console: `${publicBase}/api/console`,
      functionKey: host.keys.functionKey,
      masterKey: host.keys.masterKey,
      systemKey: host.keys.systemKey,
    },
    durable: { webhookBaseUrl: `${host.url}/runtime/webhooks/durabletask`, taskHub: host.config.taskHubName },
    azurite: {
      tableEndpoint: `http://127.0.0.1:${azurite.port}/devstoreaccount1`,
      connectionString: settings.AzureWebJobsStorage,
      persistence: join(sandboxDir, 'azurite'),
    },
    sandboxCloud: cloud
      ? {
          baseUrl: cloud.url,
          state: `${cloud.url}/sandbox/state`,
          outbox: `${cloud.url}/sandbox/outbox`,
          pages: `${cloud.url}/sandbox/`,
          customersCsv: `${cloud.url}/sandbox/customers.csv`,
          acceptCustomer: `${cloud.url}/sandbox/customers/{customerTenantId}/accept`,
          grantCustomer: `${cloud.url}/sandbox/customers/{customerTenantId}/grant`,
          faults: `${cloud.url}/sandbox/faults`,
          caFile: settings.TLS_CA_FILE,
          folder: cloud.dir,
        }
      : null,
    settingsFrom: source,
    startedAt: new Date().toISOString(),
  };
  writeFileSync(files.endpoints, JSON.stringify(endpoints, null, 2), { mode: 0o600 });

  const reused = (yes: boolean) => (yes ? 'running since before: reused' : 'started');
  console.log('Offline sandbox running (development only; not a production host)');
  console.log(`  Console        ${endpoints.app.console}`);
  if (cloud)
    console.log(
      '                 sign in as partner.admin@partner.example (may act) or reader@partner.example (may read)',
    );
  console.log(`  Function app   ${api}   (function key in .sandbox/keys.json; header x-functions-key)`);
  console.log(
    `  Durable API    ${endpoints.durable.webhookBaseUrl}   (system or master key in .sandbox/keys.json)`,
  );
  console.log(
    `  Azurite        ${endpoints.azurite.tableEndpoint}   (${reused(azurite.reused)}; data in ${endpoints.azurite.persistence})`,
  );
  if (cloud)
    console.log(
      `  Sandbox cloud  ${cloud.url}   (${reused(cloud.reused)}; customers' CSV at /sandbox/customers.csv)`,
    );
  if (cloud)
    console.log(
      `  Sandbox pages  ${cloud.url}/sandbox/   (the outbox, each customer's tenant; its certificate is .sandbox/cloud/ca.pem: accept it once)`,
    );
  else console.log('  Sandbox cloud  off (SANDBOX=0): using the endpoints in the settings');
  console.log(`  Settings       ${source}`);
  console.log(`  Telemetry      ${telemetryLine(settings)}`);
  console.log(
    '  Everything above is also in .sandbox/endpoints.json. Ctrl-C stops (or npm run sandbox:stop elsewhere).',
  );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping the function app, the sandbox cloud and Azurite...`);
    await host.stop();
    await stopServices();
    rmSync(files.app, { force: true });
    console.log('Stopped.');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

/** Where the app's traces and metrics go (shared/telemetry/startTelemetry.ts), and how to change it. */
function telemetryLine(settings: Record<string, string>): string {
  if (settings.APPLICATIONINSIGHTS_CONNECTION_STRING?.trim()) return 'Application Insights';
  const exportTo = (settings.TELEMETRY_EXPORT ?? '').trim().toLowerCase();
  if (exportTo === 'console') return 'printed here (TELEMETRY_EXPORT=console)';
  if (exportTo === 'otlp')
    return `OTLP to ${process.env.OTEL_EXPORTER_OTLP_ENDPOINT || 'http://localhost:4318'} (TELEMETRY_EXPORT=otlp)`;
  return 'off: TELEMETRY_EXPORT=console npm start prints every span and metric; TELEMETRY_EXPORT=otlp sends them to OTEL_EXPORTER_OTLP_ENDPOINT (default http://localhost:4318)';
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
