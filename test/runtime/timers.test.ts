import { KEYS, startSampleRuntime, type SampleRuntime } from '../support/runtimeHarness';

let rt: SampleRuntime;
beforeAll(async () => {
  // 09:00:00 UTC; the sample's tick schedule is every five minutes on the minute.
  rt = await startSampleRuntime();
});
afterAll(() => rt.stop());

const ticks = async () =>
  (await (await rt.fetch('/api/ticks')).json()) as { count: number; pastDue: boolean[] };

describe('offline runtime: timer triggers on NCRONTAB schedules', () => {
  it('resolves %SETTING% schedules and reports the next occurrence', () => {
    expect(rt.host.timerSchedule()).toEqual([{ functionName: 'tick', next: '2026-11-26T09:05:00.000Z' }]);
  });

  it('fires exactly on schedule as the controllable clock moves', async () => {
    await rt.advance('4m59s');
    expect((await ticks()).count).toBe(0);
    await rt.advance('1s');
    expect(await ticks()).toEqual({ count: 1, pastDue: [false] });
    await rt.advance('5m');
    expect((await ticks()).count).toBe(2);
    expect(rt.host.timerSchedule()[0]?.next).toBe('2026-11-26T09:15:00.000Z');
  });

  it('runs a missed occurrence once, past due, when the clock jumps over several', async () => {
    await rt.advance('1h');
    const t = await ticks();
    expect(t.count).toBe(3);
    expect(t.pastDue[2]).toBe(true);
    expect(rt.host.timerSchedule()[0]?.next).toBe('2026-11-26T10:15:00.000Z');
  });

  it('runs a timer function on demand through the admin endpoint (master key only)', async () => {
    expect((await rt.fetch('/admin/functions/tick', { method: 'POST', body: '{}' })).status).toBe(401);
    const res = await rt.fetch('/admin/functions/tick', {
      method: 'POST',
      body: '{}',
      headers: { 'x-functions-key': KEYS.masterKey },
    });
    expect(res.status).toBe(202);
    await rt.settle();
    expect((await ticks()).count).toBe(4);
  });
});
