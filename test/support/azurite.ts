import { randomBytes } from 'node:crypto';
import { startEmbeddedAzurite, type RunningAzurite } from '../../runtime/embeddedAzurite';

export type { RunningAzurite };

/**
 * Starts Azurite's Table service in this process, in memory, on a free loopback port, with telemetry
 * off. Each test file gets its own, so no test depends on a service left running.
 */
export function startAzurite(): Promise<RunningAzurite> {
  return startEmbeddedAzurite({ port: 0 });
}

/** A fresh table name per test, so tests in one file never see each other's rows. */
export function uniqueTableName(prefix = 't'): string {
  return `${prefix}${randomBytes(6).toString('hex')}`;
}
