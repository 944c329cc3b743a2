import { KEYS, startSampleRuntime, type SampleRuntime } from '../support/runtimeHarness';

let rt: SampleRuntime;
beforeAll(async () => {
  rt = await startSampleRuntime();
});
afterAll(() => rt.stop());

/** Starts through the app's own HTTP function, which uses the real durable client. */
async function start(name: string, input?: unknown, instanceId?: string) {
  const res = await rt.fetch(`/api/orchestrators/${name}${instanceId ? `/${instanceId}` : ''}`, {
    method: 'POST',
    body: input === undefined ? '' : JSON.stringify(input),
  });
  expect(res.status).toBe(202);
  const payload = (await res.json()) as { id: string; statusQueryGetUri: string; sendEventPostUri: string };
  expect(res.headers.get('location')).toBe(payload.statusQueryGetUri);
  return payload;
}

async function status(id: string) {
  const res = await rt.fetch(`/api/client/${encodeURIComponent(id)}/status`);
  return (await res.json()) as {
    runtimeStatus: string;
    output: unknown;
    customStatus: unknown;
    input: unknown;
    history: { EventType: string }[];
  };
}

describe('offline runtime: durable orchestrations through durable-functions replay', () => {
  it('runs activities in sequence and reports output, custom status and history through the client', async () => {
    const { id, statusQueryGetUri } = await start('sequence');
    expect(statusQueryGetUri).toContain(`${rt.host.url}/runtime/webhooks/durabletask/instances/${id}`);
    // The client binding carries the extension's system key, as in Azure, never the master key.
    expect(statusQueryGetUri).toContain(`code=${encodeURIComponent(rt.host.keys.systemKey)}`);
    expect(statusQueryGetUri).not.toContain(KEYS.masterKey);
    await rt.settle();
    const s = await status(id);
    expect(s.runtimeStatus).toBe('Completed');
    expect(s.output).toEqual(['Hello Tokyo', 'Hello Seattle', 'Hello London']);
    expect(s.customStatus).toEqual({ at: 'London' });
    const types = s.history.map((e) => e.EventType);
    expect(types.filter((t) => t === 'TaskScheduled')).toHaveLength(3);
    expect(types.filter((t) => t === 'TaskCompleted')).toHaveLength(3);
    // The webhook status URL handed out works too, with the system key.
    const viaWebhook = await fetch(statusQueryGetUri);
    expect(viaWebhook.status).toBe(200);
    expect(((await viaWebhook.json()) as { output: unknown }).output).toEqual(s.output);
  });

  it('waits for an external event raced against a timer: the event wins', async () => {
    const { id } = await start('approval', { hours: 48 });
    await rt.settle();
    expect((await status(id)).customStatus).toBe('waiting');
    await rt.advance('1h');
    const raised = await rt.fetch(`/api/client/${id}/raise?event=Approved`, {
      method: 'POST',
      body: JSON.stringify({ by: 'ada' }),
    });
    expect(raised.status).toBe(202);
    await rt.settle();
    const s = await status(id);
    expect(s.runtimeStatus).toBe('Completed');
    expect(s.output).toEqual({ outcome: 'approved', by: 'ada' });
  });

  it('waits for an external event raced against a timer: the timer wins when time passes', async () => {
    const { id } = await start('approval', { hours: 48 });
    await rt.settle();
    await rt.advance('47h');
    expect((await status(id)).runtimeStatus).toBe('Running');
    await rt.advance('1h');
    const s = await status(id);
    expect(s.runtimeStatus).toBe('Completed');
    expect(s.output).toMatchObject({ outcome: 'timed out' });
    // A late approval finds the instance finished: accepted by the client (410), changes nothing.
    expect(
      (await rt.fetch(`/api/client/${id}/raise?event=Approved`, { method: 'POST', body: '{"by":"late"}' }))
        .status,
    ).toBe(202);
    await rt.settle();
    expect((await status(id)).output).toMatchObject({ outcome: 'timed out' });
  });

  it('keeps an event raised before the orchestration waits for it, and delivers it at the wait', async () => {
    // The instance is started and the event raised before any episode has run.
    const res = await rt.fetch(
      `/runtime/webhooks/durabletask/orchestrators/approval?code=${KEYS.masterKey}`,
      {
        method: 'POST',
        body: JSON.stringify({ hours: 1 }),
      },
    );
    const { id } = (await res.json()) as { id: string };
    const early = await rt.fetch(
      `/runtime/webhooks/durabletask/instances/${id}/raiseEvent/Approved?code=${KEYS.masterKey}`,
      {
        method: 'POST',
        body: JSON.stringify({ by: 'early bird' }),
      },
    );
    expect(early.status).toBe(202);
    await rt.settle();
    expect((await status(id)).output).toEqual({ outcome: 'approved', by: 'early bird' });
  });

  it('retries a failing activity with backoff on durable timers, then succeeds', async () => {
    const { id } = await start('flaky', 'job-1');
    await rt.settle();
    expect((await status(id)).runtimeStatus).toBe('Running');
    await rt.advance('1s'); // first retry after 1 s: fails again
    expect((await status(id)).runtimeStatus).toBe('Running');
    await rt.advance('2s'); // backoff coefficient 2: second retry after 2 s succeeds
    const s = await status(id);
    expect(s.runtimeStatus).toBe('Completed');
    expect(s.output).toBe('succeeded after 3 attempts');
    expect(s.history.filter((e) => e.EventType === 'TaskFailed')).toHaveLength(2);
  });

  it('surfaces the last failure once retries are exhausted, for the orchestrator to handle', async () => {
    const { id } = await start('giveUp');
    for (let i = 0; i < 4; i++) await rt.advance('1s');
    const s = await status(id);
    expect(s.runtimeStatus).toBe('Completed');
    expect(s.output).toBe('gave up: true');
    expect(s.history.filter((e) => e.EventType === 'TaskFailed')).toHaveLength(3);
  });

  it('fans out and in', async () => {
    const { id } = await start('fanOut', 20);
    await rt.settle();
    const s = await status(id);
    expect(s.output).toBe(420);
    expect(s.history.filter((e) => e.EventType === 'TaskScheduled')).toHaveLength(20);
  });

  it('continues as new, with a fresh history each generation', async () => {
    const { id } = await start('counter', { value: 0, max: 5 });
    await rt.settle();
    const s = await status(id);
    expect(s.runtimeStatus).toBe('Completed');
    expect(s.output).toBe(5);
    expect(s.input).toEqual({ value: 4, max: 5 });
    expect(s.history.filter((e) => e.EventType === 'TaskScheduled')).toHaveLength(1);
  });

  it('runs sub-orchestrations and returns their output to the parent', async () => {
    const { id } = await start('parent');
    await rt.settle();
    expect((await status(id)).output).toEqual({ child: ['Hello A', 'Hello B'] });
  });

  it('splits a 14-day timer into chunks the library accepts, and fires it after 14 days of clock time', async () => {
    const started = rt.clock.now().getTime();
    const { id } = await start('longWait');
    await rt.settle();
    for (let day = 1; day < 14; day++) {
      await rt.advance('1d');
      expect((await status(id)).runtimeStatus).toBe('Running');
    }
    await rt.advance('1d');
    const s = await status(id);
    expect(s.runtimeStatus).toBe('Completed');
    expect(Date.parse(s.output as string) - started).toBeGreaterThanOrEqual(14 * 86_400_000);
    expect(s.history.filter((e) => e.EventType === 'TimerFired').length).toBeGreaterThan(1);
  });

  it('records an orchestrator failure as Failed with the error', async () => {
    const { id } = await start('broken');
    await rt.settle();
    const s = await status(id);
    expect(s.runtimeStatus).toBe('Failed');
    expect(String(s.output)).toContain('the orchestrator itself failed');
  });

  it('terminates and purges through the client; refuses a second start of a running instance id', async () => {
    const { id } = await start('approval', { hours: 100 }, 'fixed-id-1');
    const again = await rt.fetch(
      '/runtime/webhooks/durabletask/orchestrators/approval/fixed-id-1?code=' + KEYS.masterKey,
      {
        method: 'POST',
        body: '{"hours":1}',
      },
    );
    expect(again.status).toBe(409);
    await rt.settle();
    expect(
      (await rt.fetch(`/api/client/${id}/list?status=Running`).then((r) => r.json())) as string[],
    ).toContain(id);
    expect((await rt.fetch(`/api/client/${id}/terminate`, { method: 'POST' })).status).toBe(202);
    await rt.settle();
    expect((await status(id)).runtimeStatus).toBe('Terminated');
    await rt.advance('101h'); // the pending timer must not revive it
    expect((await status(id)).runtimeStatus).toBe('Terminated');
    expect(await rt.fetch(`/api/client/${id}/purge`, { method: 'POST' }).then((r) => r.json())).toEqual({
      instancesDeleted: 1,
    });
    expect(
      (await rt.fetch(`/runtime/webhooks/durabletask/instances/${id}?code=${KEYS.masterKey}`)).status,
    ).toBe(404);
  });

  it('answers the Durable API contract for unknown instances and bad input', async () => {
    const api = (path: string, init?: RequestInit) =>
      rt.fetch(
        `/runtime/webhooks/durabletask/${path}${path.includes('?') ? '&' : '?'}code=${KEYS.masterKey}`,
        init,
      );
    expect((await api('instances/nope')).status).toBe(404);
    expect((await api('instances/nope/raiseEvent/Approved', { method: 'POST', body: '{}' })).status).toBe(
      404,
    );
    expect((await api('instances/nope/terminate?reason=x', { method: 'POST' })).status).toBe(404);
    expect((await api('orchestrators/doesNotExist', { method: 'POST', body: '' })).status).toBe(400);
    expect((await api('orchestrators/sayHello', { method: 'POST', body: '' })).status).toBe(400);
    expect((await api('orchestrators/sequence', { method: 'POST', body: '{not json' })).status).toBe(400);
    expect((await api('orchestrators/sequence/has%23hash', { method: 'POST', body: '' })).status).toBe(400);
  });
});
