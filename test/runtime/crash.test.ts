import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAzurite, uniqueTableName, type RunningAzurite } from '../support/azurite';
import { startChildRuntime, type ChildRuntime } from '../support/childRuntime';
import { KEYS } from '../support/runtimeHarness';

/**
 * Kills the runtime process with SIGKILL in the middle of workflows, restarts it on the same
 * storage, and checks that every instance completes. Durable state lives in Azurite (in this test
 * process), so the kill takes nothing with it but what was in the runtime's memory.
 */
let azurite: RunningAzurite;
let dir: string;
let hub: string;
let child: ChildRuntime | undefined;

beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(async () => {
  child?.process.kill('SIGKILL');
  await azurite.stop();
});
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'crash-'));
  hub = uniqueTableName('crash');
});
afterEach(async () => {
  if (child && child.process.exitCode === null && child.process.signalCode === null) {
    child.process.kill('SIGKILL');
    await child.exited;
  }
  child = undefined;
});

const settings = (extra: Record<string, string> = {}) => ({
  SAMPLE_HUB: hub,
  SAMPLE_TICK_SCHEDULE: '0 0 0 1 1 *',
  SAMPLE_ACTIVITY_LOG: join(dir, 'activity.log'),
  ...extra,
});

async function api(path: string, init?: RequestInit): Promise<Response> {
  return fetch(
    `${child!.url}/runtime/webhooks/durabletask/${path}${path.includes('?') ? '&' : '?'}code=${KEYS.masterKey}`,
    init,
  );
}

async function startInstance(name: string, input: unknown): Promise<string> {
  const res = await api(`orchestrators/${name}`, { method: 'POST', body: JSON.stringify(input) });
  expect(res.status).toBe(202);
  return ((await res.json()) as { id: string }).id;
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}; runtime said: ${child?.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function statusOf(id: string) {
  const res = await api(`instances/${id}`);
  return res.status === 404
    ? undefined
    : ((await res.json()) as { runtimeStatus: string; output: unknown; customStatus: unknown });
}

const completed = (id: string) =>
  waitFor(`${id} to complete`, async () => {
    const s = await statusOf(id);
    return s?.runtimeStatus === 'Completed' ? s : undefined;
  });

function runs(): Map<string, number> {
  const counts = new Map<string, number>();
  const file = join(dir, 'activity.log');
  if (!existsSync(file)) return counts;
  for (const line of readFileSync(file, 'utf8').split('\n').filter(Boolean))
    counts.set(line, (counts.get(line) ?? 0) + 1);
  return counts;
}

describe('offline runtime survives SIGKILL', () => {
  it('after an activity ran but before its completion was recorded: the activity runs again, every instance completes', async () => {
    const marker = join(dir, 'crashed');
    const arm = join(dir, 'arm');
    child = await startChildRuntime(
      azurite.connectionString,
      settings({
        SAMPLE_CRASH_AFTER: 'sayHello',
        SAMPLE_CRASH_INPUT: 'A2',
        SAMPLE_CRASH_ARM: arm,
        SAMPLE_CRASH_MARKER: marker,
      }),
    );
    const ids = [
      await startInstance('sequence', ['A1', 'A2', 'A3']),
      await startInstance('sequence', ['B1', 'B2']),
      await startInstance('fanOut', 5),
    ];
    // A2 has run by now or will, and waits for the arm file before killing its process.
    writeFileSync(arm, 'go');
    const died = await child.exited;
    expect(died.signal).toBe('SIGKILL');
    expect(existsSync(marker)).toBe(true);

    child = await startChildRuntime(azurite.connectionString, settings());
    const outputs = await Promise.all(ids.map(async (id) => (await completed(id)).output));
    expect(outputs).toEqual([['Hello A1', 'Hello A2', 'Hello A3'], ['Hello B1', 'Hello B2'], 30]);

    // At-least-once: every activity ran; an activity runs once more for each crash that caught it
    // between running and recording its result. One crash here, so no activity ran more than twice,
    // and the one the crash interrupted (A2) ran exactly twice.
    const counts = runs();
    const expected = [
      'sayHello "A1"',
      'sayHello "A2"',
      'sayHello "A3"',
      'sayHello "B1"',
      'sayHello "B2"',
      ...[1, 2, 3, 4, 5].map((n) => `double ${n}`),
    ];
    for (const line of expected) {
      expect(counts.get(line)).toBeGreaterThanOrEqual(1);
      expect(counts.get(line)).toBeLessThanOrEqual(2);
    }
    expect([...counts.keys()].sort()).toEqual(expected.sort());
    expect(readFileSync(marker, 'utf8')).toBe('sayHello "A2"');
    expect(counts.get('sayHello "A2"')).toBe(2);
  });

  it('while waiting on a durable timer: the timer still fires after the restart, and nothing runs twice', async () => {
    child = await startChildRuntime(azurite.connectionString, settings());
    const id = await startInstance('nap', { ms: 1500 });
    await waitFor('the nap to start', async () =>
      (await statusOf(id))?.customStatus === 'napping' ? true : undefined,
    );
    child.process.kill('SIGKILL');
    expect((await child.exited).signal).toBe('SIGKILL');

    child = await startChildRuntime(azurite.connectionString, settings());
    const s = await completed(id);
    expect(s.output).toBe('Hello after nap');
    expect(runs().get('sayHello "after nap"')).toBe(1);
  });
});
