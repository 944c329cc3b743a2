import { randomUUID } from 'node:crypto';
import type { ChildRuntime } from '../support/childRuntime';
import { eventually } from '../support/eventually';
import { compiledApp, startProductWorld, type ProductWorld } from '../support/productHarness';

/**
 * A bulk job killed midway (SIGKILL of the compiled app while its pages are being started) and the
 * app started again on the same storage: every valid row is started exactly once, and every
 * invitation is sent exactly once.
 */
const ROWS = 500; // two pages of 250: the kill lands while the second is being started
let world: ProductWorld;
let child: ChildRuntime | undefined;
afterAll(async () => {
  child?.process.kill('SIGKILL');
  await world?.stop();
});

interface Job {
  done: boolean;
  counts: Record<string, number>;
  results: { row: number; status: string; id?: string }[];
}

it('starts every row exactly once and sends every invitation once, though killed in the middle of the job', async () => {
  world = await startProductWorld({ VERIFY_SCHEDULE: '0 0 0 1 1 *', WATCHDOG_SCHEDULE: '0 0 0 1 1 *' });
  const { run, api, mailsQueued } = compiledApp(world);
  const job = async (id: string) =>
    (await (await api(`/api/reinstatements/bulk/${id}?pageSize=5000`)).json()) as Job;

  child = await run();
  const rows = Array.from(
    { length: ROWS },
    (_, i) =>
      `${randomUUID()},Customer ${i},Admin ${i},admin${i}@bulk-crash.example,/subscriptions/${randomUUID()},,`,
  );
  const res = await api('/api/reinstatements/bulk', {
    method: 'POST',
    body: ['customerTenantId,customerName,contactName,contactEmail,scopes,delegatedAdmin,note', ...rows].join(
      '\n',
    ),
    headers: { 'content-type': 'text/csv' },
  });
  expect(res.status).toBe(202);
  const { jobId } = (await res.json()) as { jobId: string };

  // Killed once the first page was started and before the second one was.
  const midway = await eventually(
    'the first page started',
    async () => {
      const now = await job(jobId);
      return (now.counts.started ?? 0) > 0 && (now.counts.pending ?? 0) > 0 ? now : undefined;
    },
    { everyMs: 25 },
  );
  child.process.kill('SIGKILL');
  await child.exited;
  child = await run();

  const invitations = () => world.cloud.state.outbox.filter((m) => m.to[0]?.endsWith('@bulk-crash.example'));
  const final = await eventually(
    'the job to finish',
    async () => {
      const now = await job(jobId);
      return now.done ? now : undefined;
    },
    { progress: async () => [(await job(jobId)).counts, invitations().length] },
  );
  expect(final.counts).toEqual({ started: ROWS, existing: 0, invalid: 0, failed: 0, pending: 0 });
  expect(new Set(final.results.map((r) => r.id)).size).toBe(ROWS);

  // Each started row queued its invitation: they go out at the dispatcher's pace, which a bulk start
  // running beside it slows down. Once the queue is empty, nothing more can go out.
  await eventually('every invitation sent', async () => (invitations().length >= ROWS ? true : undefined), {
    progress: async () => invitations().length,
  });
  await eventually('an empty mail queue', async () => ((await mailsQueued()) === 0 ? true : undefined), {
    progress: async () => invitations().length,
  });
  const recipients = invitations().map((m) => m.to[0]);
  expect(recipients).toHaveLength(ROWS);
  expect(new Set(recipients).size).toBe(ROWS);
  console.log(
    `bulk crash: killed with ${midway.counts.started} of ${ROWS} rows started; after the restart ${ROWS} started once, ${recipients.length} invitations, none twice`,
  );
}, 900_000);
