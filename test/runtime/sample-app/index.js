// A small function app for the offline runtime's own tests: every trigger kind and durable
// pattern the runtime must support, written against the public @azure/functions and
// durable-functions APIs exactly as an app deployed to Azure would be.
const { app } = require('@azure/functions');
const df = require('durable-functions');
const fs = require('node:fs');

// Activities record each run in a file (one line per run), so a test can count runs across
// processes, including runs whose completion a crash lost.
function recordRun(name, input) {
  const file = process.env.SAMPLE_ACTIVITY_LOG;
  if (file) fs.appendFileSync(file, `${name} ${JSON.stringify(input)}\n`);
}

// Simulates the process dying right after an activity did its work and before the runtime
// recorded the result. The chosen run (activity name and input) records itself, waits until the
// test creates the "arm" file (so the test decides when), then kills its own process. Once only:
// a marker file remembers.
async function maybeCrashAfter(name, input) {
  const {
    SAMPLE_CRASH_AFTER: target,
    SAMPLE_CRASH_INPUT: targetInput,
    SAMPLE_CRASH_ARM: arm,
    SAMPLE_CRASH_MARKER: marker,
  } = process.env;
  if (target !== name || (targetInput && targetInput !== input) || !marker || fs.existsSync(marker)) return;
  while (arm && !fs.existsSync(arm)) await new Promise((resolve) => setTimeout(resolve, 20));
  fs.writeFileSync(marker, `${name} ${JSON.stringify(input)}`);
  process.kill(process.pid, 'SIGKILL');
}

// ---- HTTP ----
app.http('hello', {
  route: 'hello/{name}',
  methods: ['GET'],
  handler: async (request) => ({
    status: 200,
    headers: { 'x-sample': 'yes' },
    cookies: [{ name: 'seen', value: request.params.name, httpOnly: true, path: '/' }],
    body: `Hello, ${request.params.name}${request.query.get('punctuation') ?? ''}`,
  }),
});

app.http('principal', {
  route: 'principal',
  methods: ['GET'],
  handler: async (request) => ({
    jsonBody: Object.fromEntries([...request.headers].filter(([name]) => name.startsWith('x-ms-'))),
  }),
});

// The URL the app sees for a request (the public one, as behind Azure's front end).
app.http('where', {
  route: 'where',
  methods: ['GET'],
  handler: async (request) => ({ jsonBody: { url: request.url } }),
});

app.http('secret', {
  route: 'secret/{id:int}',
  methods: ['GET', 'PUT'],
  authLevel: 'function',
  handler: async (request) => {
    const body = request.method === 'PUT' ? await request.json() : undefined;
    return { jsonBody: { id: Number(request.params.id), method: request.method, body } };
  },
});

app.http('startOrchestration', {
  route: 'orchestrators/{name}/{instanceId?}',
  methods: ['POST'],
  extraInputs: [df.input.durableClient()],
  handler: async (request, context) => {
    const client = df.getClient(context);
    const text = await request.text();
    const id = await client.startNew(request.params.name, {
      input: text ? JSON.parse(text) : undefined,
      ...(request.params.instanceId ? { instanceId: request.params.instanceId } : {}),
    });
    return client.createCheckStatusResponse(request, id);
  },
});

app.http('clientOps', {
  route: 'client/{instanceId}/{op}',
  methods: ['POST', 'GET'],
  extraInputs: [df.input.durableClient()],
  handler: async (request, context) => {
    const client = df.getClient(context);
    const { instanceId, op } = request.params;
    if (op === 'status') {
      const status = await client.getStatus(instanceId, { showHistory: true, showHistoryOutput: true });
      return { jsonBody: status };
    }
    if (op === 'raise') {
      await client.raiseEvent(instanceId, request.query.get('event'), await request.json());
      return { status: 202 };
    }
    if (op === 'terminate') {
      await client.terminate(instanceId, 'stopped by test');
      return { status: 202 };
    }
    if (op === 'purge') return { jsonBody: await client.purgeInstanceHistory(instanceId) };
    if (op === 'list') {
      const list = await client.getStatusBy({ runtimeStatus: [request.query.get('status')] });
      return { jsonBody: list.map((s) => s.instanceId) };
    }
    return { status: 404 };
  },
});

// ---- timer ----
const ticks = { count: 0, pastDue: [] };
app.timer('tick', {
  schedule: '%SAMPLE_TICK_SCHEDULE%',
  handler: async (timer) => {
    ticks.count += 1;
    ticks.pastDue.push(timer.isPastDue);
  },
});
app.http('ticks', { route: 'ticks', methods: ['GET'], handler: async () => ({ jsonBody: ticks }) });

// ---- activities ----
df.app.activity('sayHello', {
  handler: async (name) => {
    recordRun('sayHello', name);
    await maybeCrashAfter('sayHello', name);
    return `Hello ${name}`;
  },
});

df.app.activity('double', { handler: (n) => (recordRun('double', n), n * 2) });

const attempts = new Map();
df.app.activity('failTwice', {
  handler: (key) => {
    recordRun('failTwice', key);
    const n = (attempts.get(key) ?? 0) + 1;
    attempts.set(key, n);
    if (n <= 2) throw new Error(`transient failure ${n} for ${key}`);
    return `succeeded after ${n} attempts`;
  },
});

df.app.activity('alwaysFails', {
  handler: () => {
    throw new Error('permanent failure');
  },
});

df.app.activity('step', { handler: (n) => n + 1 });

// ---- orchestrations ----
df.app.orchestration('sequence', function* (context) {
  const names = context.df.getInput() || ['Tokyo', 'Seattle', 'London']; // a start without input arrives as ""
  const out = [];
  for (const name of names) {
    context.df.setCustomStatus({ at: name });
    out.push(yield context.df.callActivity('sayHello', name));
  }
  return out;
});

df.app.orchestration('approval', function* (context) {
  const { hours } = context.df.getInput();
  const deadline = new Date(context.df.currentUtcDateTime.getTime() + hours * 3600 * 1000);
  const timer = context.df.createTimer(deadline);
  const approval = context.df.waitForExternalEvent('Approved');
  context.df.setCustomStatus('waiting');
  const winner = yield context.df.Task.any([approval, timer]);
  if (winner === approval) {
    timer.cancel();
    return { outcome: 'approved', by: approval.result.by };
  }
  return { outcome: 'timed out', at: context.df.currentUtcDateTime.toISOString() };
});

df.app.orchestration('flaky', function* (context) {
  const options = new df.RetryOptions(1000, 5);
  options.backoffCoefficient = 2;
  return yield context.df.callActivityWithRetry('failTwice', options, context.df.getInput());
});

df.app.orchestration('giveUp', function* (context) {
  try {
    yield context.df.callActivityWithRetry('alwaysFails', new df.RetryOptions(500, 3));
    return 'unexpected';
  } catch (error) {
    return `gave up: ${error.message.includes('permanent failure')}`;
  }
});

df.app.orchestration('fanOut', function* (context) {
  const n = context.df.getInput();
  const tasks = [];
  for (let i = 1; i <= n; i++) tasks.push(context.df.callActivity('double', i));
  const results = yield context.df.Task.all(tasks);
  return results.reduce((a, b) => a + b, 0);
});

df.app.orchestration('counter', function* (context) {
  const state = context.df.getInput();
  const value = yield context.df.callActivity('step', state.value);
  if (value < state.max) {
    context.df.continueAsNew({ value, max: state.max });
    return undefined;
  }
  return value;
});

df.app.orchestration('parent', function* (context) {
  const child = yield context.df.callSubOrchestrator('sequence', ['A', 'B']);
  return { child };
});

df.app.orchestration('longWait', function* (context) {
  const fireAt = new Date(context.df.currentUtcDateTime.getTime() + 14 * 86400 * 1000);
  context.df.setCustomStatus('sleeping');
  yield context.df.createTimer(fireAt);
  return context.df.currentUtcDateTime.toISOString();
});

df.app.orchestration('steps', function* (context) {
  let value = 0;
  const n = context.df.getInput();
  for (let i = 0; i < n; i++) value = yield context.df.callActivity('step', value);
  return value;
});

df.app.orchestration('nap', function* (context) {
  const { ms } = context.df.getInput();
  context.df.setCustomStatus('napping');
  yield context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + ms));
  return yield context.df.callActivity('sayHello', 'after nap');
});

// eslint-disable-next-line require-yield -- fails before its first yield, on purpose
df.app.orchestration('broken', function* () {
  throw new Error('the orchestrator itself failed');
});
