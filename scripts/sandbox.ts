/**
 * `npm start`: the offline sandbox. Starts Azurite (embedded; data kept in .sandbox/azurite, or in
 * memory with SANDBOX_AZURITE_IN_MEMORY=1), then the offline runtime hosting this function app on
 * a fixed port, prints what runs where, and writes the same facts to .sandbox/endpoints.json.
 * Ctrl-C stops everything cleanly. PORT, SANDBOX_AZURITE_PORT and SANDBOX_DIR move it elsewhere.
 *
 * With SANDBOX on (the default) it also starts the sandbox cloud (simulated Entra ID, Graph, ARM,
 * ACS Email and Partner Center) and points the app at it; SANDBOX=0 runs the same app against the
 * endpoints in the settings (real Azure, or any stand-in that speaks the same contracts).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startEmbeddedAzurite } from '../runtime/embeddedAzurite';
import { FunctionHost } from '../runtime/functionHost';
import { SandboxCloud } from '../sandbox/sandboxCloud';

const root = join(__dirname, '..', '..');
const sandboxDir = process.env.SANDBOX_DIR ?? join(root, '.sandbox');

function appSettings(): { settings: Record<string, string>; source: string } {
  const own = join(root, 'local.settings.json');
  const source = existsSync(own) ? own : join(root, 'local.settings.sample.json');
  const values =
    (JSON.parse(readFileSync(source, 'utf8')) as { Values?: Record<string, string> }).Values ?? {};
  // Variables already in the environment win, as they do for the Functions host.
  for (const key of Object.keys(values))
    if (process.env[key] !== undefined) values[key] = process.env[key] as string;
  return { settings: values, source };
}

/** Keys persist across restarts so saved scripts and bookmarks keep working. */
function hostKeys(): { functionKey: string; masterKey: string } {
  const file = join(sandboxDir, 'keys.json');
  if (existsSync(file))
    return JSON.parse(readFileSync(file, 'utf8')) as { functionKey: string; masterKey: string };
  const keys = {
    functionKey: randomBytes(24).toString('base64url'),
    masterKey: randomBytes(24).toString('base64url'),
  };
  writeFileSync(file, JSON.stringify(keys, null, 2), { mode: 0o600 });
  return keys;
}

async function main(): Promise<void> {
  mkdirSync(sandboxDir, { recursive: true });
  const inMemory = process.env.SANDBOX_AZURITE_IN_MEMORY === '1';
  const azuritePort = Number(process.env.SANDBOX_AZURITE_PORT ?? 10002);
  const port = Number(process.env.PORT ?? 7071);

  const azurite = await startEmbeddedAzurite({
    port: azuritePort,
    ...(inMemory ? {} : { location: join(sandboxDir, 'azurite') }),
  }).catch((error: Error) => {
    throw new Error(
      `Could not start Azurite on 127.0.0.1:${azuritePort} (${error.message}). Is another Azurite running? Set SANDBOX_AZURITE_PORT.`,
    );
  });
  const { settings, source } = appSettings();
  settings.AzureWebJobsStorage = azurite.connectionString;
  settings.PUBLIC_BASE_URL ||= `http://localhost:${port}`;

  let cloud: SandboxCloud | undefined;
  if (process.env.SANDBOX !== '0') {
    cloud = await SandboxCloud.start({
      partnerTenantId: settings.PARTNER_TENANT_ID as string,
      partnerGroupName: settings.PARTNER_GROUP_NAME || 'AdminAgents',
      partnerAppClientId: settings.PARTNER_APP_CLIENT_ID as string,
      partnerAppSecret: settings.PARTNER_APP_CLIENT_SECRET || randomBytes(16).toString('hex'),
      port: Number(process.env.SANDBOX_CLOUD_PORT ?? 8443),
    });
    const caFile = join(sandboxDir, 'sandbox-ca.pem');
    writeFileSync(caFile, cloud.pki.trustedRootsPem);
    Object.assign(settings, cloud.appSettings(), { TLS_CA_FILE: caFile });
    // One demo customer, so a reinstatement can be walked through at once.
    cloud.state.addCustomer(process.env.SANDBOX_CUSTOMER_TENANT ?? '7f3c2a10-4b5e-4c6d-8e9f-0a1b2c3d4e5f', [
      process.env.SANDBOX_CUSTOMER_SUBSCRIPTION ?? 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d',
    ]);
  }

  const host = await FunctionHost.start({
    appRoot: root,
    settings,
    storageConnectionString: azurite.connectionString,
    port,
    keys: hostKeys(),
  }).catch(async (error: Error) => {
    await cloud?.stop();
    await azurite.stop();
    throw new Error(`Could not start the function app on 127.0.0.1:${port}: ${error.message}`);
  });

  const endpoints = {
    app: {
      baseUrl: host.url,
      apiBaseUrl: `${host.url}/${host.config.routePrefix}`,
      functionKey: host.keys.functionKey,
      masterKey: host.keys.masterKey,
    },
    durable: { webhookBaseUrl: `${host.url}/runtime/webhooks/durabletask`, taskHub: host.config.taskHubName },
    azurite: {
      tableEndpoint: azurite.tableEndpoint,
      connectionString: azurite.connectionString,
      persistence: inMemory ? 'memory' : join(sandboxDir, 'azurite'),
    },
    sandboxCloud: cloud
      ? {
          baseUrl: cloud.url,
          state: `${cloud.url}/sandbox/state`,
          outbox: `${cloud.url}/sandbox/outbox`,
          acceptCustomer: `${cloud.url}/sandbox/customers/{customerTenantId}/accept`,
          faults: `${cloud.url}/sandbox/faults`,
          caFile: settings.TLS_CA_FILE,
        }
      : null,
    settingsFrom: source,
    startedAt: new Date().toISOString(),
  };
  writeFileSync(join(sandboxDir, 'endpoints.json'), JSON.stringify(endpoints, null, 2), { mode: 0o600 });

  console.log('Offline sandbox running (development only; not a production host)');
  console.log(`  Function app   ${endpoints.app.apiBaseUrl}   functions: ${host.functionNames().join(', ')}`);
  console.log(`  Function key   ${host.keys.functionKey}   (header x-functions-key or ?code=)`);
  console.log(`  Durable API    ${endpoints.durable.webhookBaseUrl}   (master key in .sandbox/keys.json)`);
  console.log(
    `  Azurite        ${azurite.tableEndpoint}   (${inMemory ? 'in memory' : `data in ${endpoints.azurite.persistence}`})`,
  );
  if (cloud)
    console.log(
      `  Sandbox cloud  ${cloud.url}   (Entra ID, Graph, ARM, ACS Email, Partner Center; outbox at /sandbox/outbox)`,
    );
  else console.log('  Sandbox cloud  off (SANDBOX=0): using the endpoints in the settings');
  console.log(`  Settings       ${source}`);
  console.log('  Everything above is also in .sandbox/endpoints.json. Ctrl-C stops.');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping the function app and Azurite...`);
    await host.stop();
    await cloud?.stop();
    await azurite.stop();
    console.log('Stopped.');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
