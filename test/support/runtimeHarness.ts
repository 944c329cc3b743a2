import { join } from 'node:path';
import { ManualClock, type Clock } from '../../runtime/clock';
import { FunctionHost } from '../../runtime/functionHost';
import { startAzurite, uniqueTableName, type RunningAzurite } from './azurite';

export const SAMPLE_APP = join(__dirname, '..', 'runtime', 'sample-app');
export const KEYS = { functionKey: 'test-function-key', masterKey: 'test-master-key' };

export interface SampleRuntime {
  host: FunctionHost;
  clock: ManualClock;
  azurite: RunningAzurite;
  hub: string;
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** Lets everything due run, then returns. */
  settle(): Promise<void>;
  /** Moves the clock forward and lets everything that became due run. */
  advance(by: string | number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Hosts test/runtime/sample-app in this process on a fresh Azurite, with a manual clock. The test
 * file must map '@azure/functions-core' to the runtime's implementation with jest.mock (jest's
 * module loader does not go through Node's resolver, where the runtime's hook sits).
 */
export async function startSampleRuntime(
  options: { clock?: Clock; azurite?: RunningAzurite; hub?: string; settings?: Record<string, string> } = {},
): Promise<SampleRuntime> {
  const azurite = options.azurite ?? (await startAzurite());
  const clock =
    (options.clock as ManualClock | undefined) ?? new ManualClock(new Date('2026-11-26T09:00:00Z'));
  const hub = options.hub ?? uniqueTableName('hub');
  const host = await FunctionHost.start({
    appRoot: SAMPLE_APP,
    settings: { SAMPLE_HUB: hub, SAMPLE_TICK_SCHEDULE: '0 */5 * * * *', ...options.settings },
    storageConnectionString: azurite.connectionString,
    keys: KEYS,
    clock,
    log: () => {},
  });
  const runtime: SampleRuntime = {
    host,
    clock,
    azurite,
    hub,
    fetch: (path, init) => fetch(`${host.url}${path}`, init),
    settle: () => host.whenIdle(),
    advance: async (by) => {
      await host.whenIdle();
      clock.advance(by);
      await host.whenIdle();
    },
    stop: async () => {
      await host.stop();
      if (!options.azurite) await azurite.stop();
    },
  };
  return runtime;
}
