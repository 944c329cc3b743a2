import { randomBytes } from 'node:crypto';

// Deep imports: azurite's package entry pulls in VS Code's extension API, the Table server alone does not.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const TableServer = require('azurite/dist/src/table/TableServer').default;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const TableConfiguration = require('azurite/dist/src/table/TableConfiguration').default;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { AzuriteTelemetryClient } = require('azurite/dist/src/common/Telemetry');

/** Azurite's published development account key (not a secret: it is the same on every machine). */
export const DEV_ACCOUNT_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface RunningAzurite {
  tableEndpoint: string;
  connectionString: string;
  stop(): Promise<void>;
}

/**
 * Starts Azurite's Table service in this process, in memory, on a free loopback port, with telemetry
 * off. Each test file gets its own, so no test depends on a service left running.
 */
export async function startAzurite(): Promise<RunningAzurite> {
  AzuriteTelemetryClient.init('', false, undefined);
  const config = new TableConfiguration(
    '127.0.0.1',
    0,
    undefined,
    undefined,
    false, // debug log
    false, // access log
    undefined,
    undefined,
    false, // loose
    false, // skipApiVersionCheck
    '',
    '',
    '',
    undefined,
    false, // disableProductStyleUrl
    true, // in-memory persistence
  );
  const server = new TableServer(config);
  await server.start();
  const tableEndpoint = `${server.getHttpServerAddress()}/devstoreaccount1`;
  return {
    tableEndpoint,
    connectionString: `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${DEV_ACCOUNT_KEY};TableEndpoint=${tableEndpoint};`,
    stop: () => server.close(),
  };
}

/** A fresh table name per test, so tests in one file never see each other's rows. */
export function uniqueTableName(prefix = 't'): string {
  return `${prefix}${randomBytes(6).toString('hex')}`;
}
