import { randomUUID } from 'node:crypto';
import type { ChildRuntime } from '../support/childRuntime';
import { compiledApp, startProductWorld, type ProductWorld } from '../support/productHarness';

/**
 * A scan killed midway (SIGKILL of the compiled app between two of its pages, while it waits out
 * Partner Center's pace) and the app started again on the same storage: the scan goes on where it
 * stopped, classifies every customer, and reads no customer's subscriptions twice. (Real time: the
 * pace of 500 Partner Center calls a minute makes this test take about a minute.)
 */
const CUSTOMERS = 220; // three pages of 100
let world: ProductWorld;
let child: ChildRuntime | undefined;
afterAll(async () => {
  child?.process.kill('SIGKILL');
  await world?.stop();
});

interface Status {
  state: string;
  customersScanned: number;
  counts: { subscriptions: number; lostAccess: number };
}

it('resumes after a kill, and reads no customer twice', async () => {
  world = await startProductWorld({ VERIFY_SCHEDULE: '0 0 0 1 1 *', WATCHDOG_SCHEDULE: '0 0 0 1 1 *' });
  for (let i = 1; i < CUSTOMERS; i++)
    world.cloud.state.addCustomer(randomUUID(), [randomUUID()], `Customer ${i}`);
  const { run, api } = compiledApp(world);
  child = await run();
  const { scanId } = (await (await api('/api/scans', { method: 'POST' })).json()) as { scanId: string };
  const status = async () => (await (await api(`/api/scans/${scanId}`)).json()) as Status;

  // Killed while the first page is done and the scan waits for Partner Center's pace.
  let midway: Status | undefined;
  for (let i = 0; i < 1200 && !midway; i++) {
    const now = await status();
    if (now.customersScanned === 100) midway = now;
    else await new Promise((resolve) => setTimeout(resolve, 50));
  }
  expect(midway?.state).toBe('running');
  child.process.kill('SIGKILL');
  await child.exited;
  child = await run();

  let final: Status | undefined;
  for (let i = 0; i < 1800 && final?.state !== 'done'; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    final = await status();
  }
  expect(final).toMatchObject({
    state: 'done',
    customersScanned: CUSTOMERS,
    counts: { subscriptions: CUSTOMERS, lostAccess: CUSTOMERS },
  });
  const reads = [...world.cloud.partnerCenter.entitlementReads.values()];
  expect(reads).toHaveLength(CUSTOMERS);
  expect(reads.filter((n) => n !== 1)).toEqual([]);
  console.log(
    `scan crash: killed after ${midway?.customersScanned} of ${CUSTOMERS} customers; after the restart all ${CUSTOMERS} classified, each customer's subscriptions read once`,
  );
}, 240_000);
