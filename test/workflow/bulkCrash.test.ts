import { randomUUID } from 'node:crypto';
import type { ChildRuntime } from '../support/childRuntime';
import { compiledApp, startProductWorld, type ProductWorld } from '../support/productHarness';

/**
 * A bulk job killed midway (SIGKILL of the compiled app while its pages are being started) and the
 * app started again on the same storage: every valid row is started exactly once, and every
 * invitation is sent exactly once.
 */
const ROWS = 750; // three pages of 250
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
  const { run, api } = compiledApp(world);
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

  // Killed once the first page was started and before the last one was.
  let midway: Job | undefined;
  for (let i = 0; i < 600; i++) {
    const now = await job(jobId);
    if ((now.counts.started ?? 0) > 0 && (now.counts.pending ?? 0) > 0) {
      midway = now;
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  expect(midway).toBeDefined();
  child.process.kill('SIGKILL');
  await child.exited;
  child = await run();

  let final: Job | undefined;
  for (let i = 0; i < 600 && !final?.done; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    final = await job(jobId);
  }
  expect(final?.counts).toEqual({ started: ROWS, existing: 0, invalid: 0, failed: 0, pending: 0 });
  expect(new Set(final?.results.map((r) => r.id)).size).toBe(ROWS);

  const invitations = () => world.cloud.state.outbox.filter((m) => m.to[0]?.endsWith('@bulk-crash.example'));
  for (let i = 0; i < 600 && invitations().length < ROWS; i++)
    await new Promise((resolve) => setTimeout(resolve, 100));
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const recipients = invitations().map((m) => m.to[0]);
  expect(recipients).toHaveLength(ROWS);
  expect(new Set(recipients).size).toBe(ROWS);
  console.log(
    `bulk crash: killed with ${midway?.counts.started} of ${ROWS} rows started; after the restart ${ROWS} started once, ${recipients.length} invitations, none twice`,
  );
}, 180_000);
