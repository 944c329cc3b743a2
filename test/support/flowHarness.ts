import { join } from 'node:path';
import { ManualClock, parseDuration } from '../../runtime/clock';
import { FunctionHost } from '../../runtime/functionHost';
import type { Activities } from '../../shared/workflow/contract';
import { startAzurite, uniqueTableName, type RunningAzurite } from './azurite';
import { flowActivities } from './flowApp';
import { KEYS } from './runtimeHarness';

const ROOT = join(__dirname, '..', '..');

export interface FlowHarness {
  clock: ManualClock;
  /** Every activity call so far, in order: its name and input. */
  calls: { name: string; input: unknown }[];
  /** Sets the activities the orchestrations call (each call is also recorded in `calls`). */
  use(activities: Partial<Activities>): void;
  start(name: string, instanceId: string, input: unknown): Promise<void>;
  raise(instanceId: string, event: string, data: unknown): Promise<void>;
  status(instanceId: string): Promise<{ status: string; output: unknown; customStatus: unknown } | undefined>;
  settle(): Promise<void>;
  /**
   * Moves the clock forward by `by`, from one durable timer to the next (or in steps of at most
   * `step`), letting what falls due run at each.
   */
  advance(by: string | number, step?: string | number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The product's orchestrations alone on the offline runtime (embedded Azurite, a manual clock),
 * with the test's activities: Temporal's time-skipping test environment for this app, where a
 * 14-day reinstatement runs in well under a second.
 */
export async function startFlowHarness(): Promise<FlowHarness> {
  const azurite: RunningAzurite = await startAzurite();
  const clock = new ManualClock(new Date('2026-12-01T09:00:00Z'));
  const host = await FunctionHost.start({
    appRoot: ROOT,
    main: join(__dirname, 'flowApp.ts'),
    settings: { AzureWebJobsStorage: azurite.connectionString, TASK_HUB_NAME: uniqueTableName('flow') },
    storageConnectionString: azurite.connectionString,
    keys: KEYS,
    clock,
    log: () => {},
  });
  const calls: FlowHarness['calls'] = [];
  const settle = () => host.whenIdle();
  return {
    clock,
    calls,
    use(activities) {
      const recorded: Record<string, (input: unknown, env: unknown) => unknown> = {};
      for (const [name, activity] of Object.entries(activities) as [
        string,
        (i: unknown, e: unknown) => unknown,
      ][])
        recorded[name] = (input, env) => {
          calls.push({ name, input });
          return activity(input, env);
        };
      flowActivities.current = recorded as Partial<Activities>;
    },
    async start(name, instanceId, input) {
      await host.engine.start(name, instanceId, JSON.stringify(input));
      await settle();
    },
    async raise(instanceId, event, data) {
      await host.engine.raiseEvent(instanceId, event, JSON.stringify(data));
      await settle();
    },
    async status(instanceId) {
      const meta = await host.engine.status(instanceId);
      if (!meta) return undefined;
      const parse = (text: string | null) => {
        if (text === null) return undefined;
        try {
          return JSON.parse(text) as unknown;
        } catch {
          return text;
        }
      };
      return { status: meta.status, output: parse(meta.output), customStatus: parse(meta.customStatus) };
    },
    settle,
    async advance(by, step) {
      const end = clock.now().getTime() + parseDuration(by);
      await settle();
      while (clock.now().getTime() < end) {
        const next =
          step === undefined
            ? host.engine.nextTimerAt()?.getTime()
            : clock.now().getTime() + parseDuration(step);
        clock.set(new Date(Math.min(end, Math.max(next ?? end, clock.now().getTime()))));
        await settle();
      }
    },
    async stop() {
      await host.stop();
      await azurite.stop();
    },
  };
}
