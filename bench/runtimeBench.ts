/**
 * Offline runtime benchmark (npm run bench). Prints:
 *  - episodes per second while one 50-step orchestration runs to completion;
 *  - wall time to drive 1,000 concurrent instances of a three-activity workflow to completion,
 *    with the process's peak RSS.
 * Azurite (in memory) runs in this process, as in the tests; everything talks over loopback.
 */
import { join } from 'node:path';
import { SystemClock } from '../runtime/clock';
import { startEmbeddedAzurite } from '../runtime/embeddedAzurite';
import { FunctionHost } from '../runtime/functionHost';

const SAMPLE_APP = join(__dirname, '..', '..', 'test', 'runtime', 'sample-app');
const MASTER = 'bench-master-key';

async function main(): Promise<void> {
  const azurite = await startEmbeddedAzurite({ port: 0 });
  const host = await FunctionHost.start({
    appRoot: SAMPLE_APP,
    settings: { SAMPLE_HUB: 'BenchHub', SAMPLE_TICK_SCHEDULE: '0 0 0 1 1 *' },
    storageConnectionString: azurite.connectionString,
    keys: { masterKey: MASTER },
    clock: new SystemClock(),
    log: () => {},
  });
  const api = (path: string, body: unknown) =>
    fetch(`${host.url}/runtime/webhooks/durabletask/${path}?code=${MASTER}`, {
      method: 'POST',
      body: JSON.stringify(body),
    });
  const status = async (id: string) =>
    (await (
      await fetch(`${host.url}/runtime/webhooks/durabletask/instances/${id}?code=${MASTER}`)
    ).json()) as { runtimeStatus: string; output: unknown };

  // 1. One 50-step orchestration.
  const episodesBefore = host.engine.stats.episodes;
  let t0 = performance.now();
  const { id } = (await (await api('orchestrators/steps', 50)).json()) as { id: string };
  await host.whenIdle();
  const stepsMs = performance.now() - t0;
  const s = await status(id);
  if (s.runtimeStatus !== 'Completed' || s.output !== 50)
    throw new Error(`50-step run ended ${s.runtimeStatus} with ${String(s.output)}`);
  const episodes = host.engine.stats.episodes - episodesBefore;
  console.log(
    `50-step orchestration: ${episodes} episodes in ${stepsMs.toFixed(0)} ms = ${((episodes / stepsMs) * 1000).toFixed(1)} episodes/s (replay grows with history: O(n^2) events read)`,
  );

  // 2. 1,000 concurrent three-activity instances.
  const N = 1000;
  t0 = performance.now();
  const ids: string[] = [];
  for (let i = 0; i < N; i += 50) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(50, N - i) }, (_, j) =>
        api('orchestrators/sequence', [`a${i + j}`, `b${i + j}`, `c${i + j}`]).then(
          (r) => r.json() as Promise<{ id: string }>,
        ),
      ),
    );
    ids.push(...batch.map((b) => b.id));
  }
  const startedMs = performance.now() - t0;
  await host.whenIdle();
  const totalMs = performance.now() - t0;
  let completed = 0;
  for (let i = 0; i < ids.length; i += 100) {
    const statuses = await Promise.all(ids.slice(i, i + 100).map(status));
    completed += statuses.filter((x) => x.runtimeStatus === 'Completed').length;
  }
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  console.log(
    `1,000 concurrent 3-activity instances: all started in ${startedMs.toFixed(0)} ms, ${completed}/${N} completed in ${(totalMs / 1000).toFixed(1)} s ` +
      `(${((N * 4) / (totalMs / 1000)).toFixed(0)} episodes/s, ${((N * 3) / (totalMs / 1000)).toFixed(0)} activities/s); peak RSS ${peakRssMb.toFixed(0)} MB`,
  );
  if (completed !== N) throw new Error(`${N - completed} instances did not complete`);

  await host.stop();
  await azurite.stop();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
