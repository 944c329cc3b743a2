import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { TableServiceClient } from '@azure/data-tables';
import { startAzuriteProcess } from '../../runtime/azuriteProcess';
import { startEmbeddedAzurite, type RunningAzurite } from '../../runtime/embeddedAzurite';
import type { WorkerResources } from './workerEnvironment';

export type { RunningAzurite };

declare global {
  /** Set by the jest worker's environment (jest.config.js); absent elsewhere. */
  var testWorker: WorkerResources | undefined;
}

/** A loopback port nobody listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Azurite's Table service in memory on a loopback port, with telemetry off. By default the jest
 * worker's own (see workerEnvironment.ts), started at the first file that asks: the tables a file
 * creates are dropped at `stop()`, and every table has a name of its own (uniqueTableName), so no
 * file sees another's rows or depends on what one left. `ownProcess` gives a private one in a
 * process of its own, for a test that stops storage or loads it on purpose.
 */
export async function startAzurite(options: { ownProcess?: boolean } = {}): Promise<RunningAzurite> {
  if (options.ownProcess) return startAzuriteProcess({ port: await freePort() });
  const worker = globalThis.testWorker;
  if (!worker) return startEmbeddedAzurite({ port: 0 });
  const shared = await worker.azurite();
  const service = TableServiceClient.fromConnectionString(shared.connectionString, {
    allowInsecureConnection: true,
  });
  const before = new Set(await tableNames(service));
  return {
    tableEndpoint: shared.tableEndpoint,
    connectionString: shared.connectionString,
    stop: async () => {
      for (const name of await tableNames(service)) if (!before.has(name)) await service.deleteTable(name);
    },
  };
}

async function tableNames(service: TableServiceClient): Promise<string[]> {
  const names: string[] = [];
  for await (const table of service.listTables()) if (table.name) names.push(table.name);
  return names;
}

/** A fresh table name per test, so tests never see each other's rows. */
export function uniqueTableName(prefix = 't'): string {
  return `${prefix}${randomBytes(6).toString('hex')}`;
}

export interface AppTableSettings {
  TASK_HUB_NAME: string;
  TABLE_REINSTATEMENTS: string;
  TABLE_EMAIL_OUTBOX: string;
  TABLE_PARTNER_STATE: string;
  TABLE_BULK_JOBS: string;
  TABLE_SCANS: string;
}

/** The app's table settings (and its task hub), each a fresh name: an app of its own on shared storage. */
export function uniqueTableSettings(): AppTableSettings {
  return {
    TASK_HUB_NAME: uniqueTableName('hub'),
    TABLE_REINSTATEMENTS: uniqueTableName('reinstatements'),
    TABLE_EMAIL_OUTBOX: uniqueTableName('outbox'),
    TABLE_PARTNER_STATE: uniqueTableName('partner'),
    TABLE_BULK_JOBS: uniqueTableName('bulk'),
    TABLE_SCANS: uniqueTableName('scans'),
  };
}
