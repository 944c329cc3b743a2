import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { startAzuriteProcess } from '../../runtime/azuriteProcess';
import { startEmbeddedAzurite, type RunningAzurite } from '../../runtime/embeddedAzurite';

export type { RunningAzurite };

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
 * Starts Azurite's Table service in memory on a free loopback port, with telemetry off: in this
 * process (fast to start), or as a process of its own for tests that load it heavily. Each test file
 * gets its own, so no test depends on a service left running.
 */
export async function startAzurite(options: { ownProcess?: boolean } = {}): Promise<RunningAzurite> {
  if (options.ownProcess) return startAzuriteProcess({ port: await freePort() });
  return startEmbeddedAzurite({ port: 0 });
}

/** A fresh table name per test, so tests in one file never see each other's rows. */
export function uniqueTableName(prefix = 't'): string {
  return `${prefix}${randomBytes(6).toString('hex')}`;
}
