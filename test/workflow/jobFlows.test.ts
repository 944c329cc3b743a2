import type { BulkPageCounts, StepOutcome } from '../../shared/workflow/contract';
import { startFlowHarness, type FlowHarness } from '../support/flowHarness';

/** The bulk job's and the scan's orchestrations alone, with in-memory activities and a manual clock. */
let h: FlowHarness;
beforeAll(async () => {
  h = await startFlowHarness();
});
afterAll(() => h.stop());

const done = <T>(value: T): StepOutcome<T> => ({ kind: 'done', value });
const output = async (id: string) => (await h.status(id))?.output;

it('a bulk job retries a page that failed (storage busy, the app restarting) until it is done; no row is dropped', async () => {
  const tries = new Map<number, number>();
  h.use({
    startBulkPage: async ({ page }): Promise<StepOutcome<BulkPageCounts>> => {
      const n = (tries.get(page) ?? 0) + 1;
      tries.set(page, n);
      if (page === 1 && n === 1) throw new Error('The server is busy');
      if (page === 1 && n === 2) return { kind: 'retry', reason: 'still busy', afterMs: 30_000 };
      return done({ started: 10, existing: 0, invalid: 0, failed: 0 });
    },
  });
  await h.start('bulkStart', 'b-retry', { jobId: 'b-retry', pages: 3 });
  await h.advance('10m');
  expect([...tries]).toEqual([
    [0, 1],
    [1, 3],
    [2, 1],
  ]);
  expect(await output('b-retry')).toEqual({ started: 30, existing: 0, invalid: 0, failed: 0 });
});

it('a scan waits out a throttled page, and records what still fails at its deadline in its give-up form', async () => {
  let listCalls = 0;
  const scanned: { page: number; giveUp: boolean }[] = [];
  h.use({
    listScanPage: async ({ page }) => {
      listCalls++;
      if (page === 0 && listCalls === 1) return { kind: 'retry', reason: 'throttled', afterMs: 60_000 };
      return done({ customers: 100, calls: 1, ...(page < 1 ? { next: `token-${page + 1}` } : {}) });
    },
    scanCustomers: async ({ page, giveUp }) => {
      scanned.push({ page, giveUp: giveUp === true });
      // Page 1's customers keep failing: retried until the deadline, then recorded as they are.
      if (page === 1 && !giveUp) return { kind: 'retry', reason: 'ARM is down' };
      return done({ scanned: 100, calls: 240 });
    },
    finishScan: async () =>
      done({ customers: 200, subscriptions: 0, hasAccess: 0, lostAccess: 0, couldNotCheck: 0 } as never),
  });
  await h.start('scan', 's-retry', { scanId: 's-retry', transientRetryHours: 1 });
  await h.advance('3h');
  expect(listCalls).toBe(3); // page 0 twice (throttled once), page 1 once
  expect(scanned[0]).toEqual({ page: 0, giveUp: false });
  expect(scanned.filter((s) => s.page === 1 && !s.giveUp).length).toBeGreaterThan(3);
  expect(scanned.at(-1)).toEqual({ page: 1, giveUp: true });
  expect((await h.status('s-retry'))?.status).toBe('Completed');
});
