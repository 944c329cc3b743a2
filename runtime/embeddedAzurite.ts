import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

/** Azurite's published development account key (the same on every machine; not a secret). */
export const DEV_ACCOUNT_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface RunningAzurite {
  tableEndpoint: string;
  connectionString: string;
  stop(): Promise<void>;
}

export interface AzuriteOptions {
  /** 0 picks a free port. */
  port?: number;
  /** Folder to keep data in across restarts; in memory when absent. */
  location?: string;
  /** Not to keep the process alive by itself (a test worker's shared storage, never stopped). */
  unref?: boolean;
}

/** Azurite's Table service inside this process, on loopback, telemetry off. */
export async function startEmbeddedAzurite(options: AzuriteOptions = {}): Promise<RunningAzurite> {
  // Deep imports: azurite's package entry pulls in VS Code's extension API; the Table server alone
  // does not. Loaded here, not with this module, which also only gives the connection details.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const TableServer = require('azurite/dist/src/table/TableServer').default;
  const TableConfiguration = require('azurite/dist/src/table/TableConfiguration').default;
  const { AzuriteTelemetryClient } = require('azurite/dist/src/common/Telemetry');
  /* eslint-enable @typescript-eslint/no-require-imports */
  AzuriteTelemetryClient.init('', false, undefined);
  if (options.location) mkdirSync(options.location, { recursive: true });
  const config = new TableConfiguration(
    '127.0.0.1',
    options.port ?? 0,
    undefined,
    options.location ? join(options.location, '__azurite_db_table__.json') : undefined,
    false, // debug log
    false, // access log
    undefined,
    undefined,
    false, // loose
    false, // skip api-version check
    '',
    '',
    '',
    undefined,
    false, // product-style URLs off: account name in the path
    !options.location, // in-memory persistence
  );
  const server = new TableServer(config);
  await server.start();
  if (options.unref) {
    server.httpServer.unref();
    server.httpServer.on('connection', (socket: { unref(): void }) => socket.unref());
  }
  const tableEndpoint = `${server.getHttpServerAddress()}/devstoreaccount1`;
  return {
    tableEndpoint,
    connectionString: `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${DEV_ACCOUNT_KEY};TableEndpoint=${tableEndpoint};`,
    stop: () => server.close(),
  };
}
