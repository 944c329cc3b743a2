/**
 * Whole-app bulk benchmark (npm run bench). Prints:
 *  1. A 5,000-row CSV posted over HTTP to the compiled app on the offline runtime in a process of
 *     its own, at the default quota (30 a minute, 100 an hour), Azurite in a process of its own and
 *     the sandbox cloud in this one: how long the 202 took, how long until every row was started,
 *     how long until every orchestration waits (its invitation queued, or sent and acceptance
 *     awaited), and the app process's peak RSS. Targets on 2 cores: 202 in 2 s, all started in
 *     60 s, peak RSS 300 MB. Then the console over those rows, signed in as the partner's admin:
 *     the list's first page, a search, the overview and the CSV export (target: first page in 1 s).
 *  2. 5,000 invitations paced through the orchestration on the runtime's simulated clock, against a
 *     simulated ACS enforcing the same quota: the busiest minute and hour against the quota, the
 *     hours they took against the ideal 50 (target 1.05 x), 429s met (target none), and how long a
 *     customer who accepts ten hours in waits for the instructions (target 2 minutes).
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { startAzuriteProcess } from '../runtime/azuriteProcess';
import { ManualClock } from '../runtime/clock';
import { SandboxCloud } from '../sandbox/sandboxCloud';
import {
  appOnSimulatedTime,
  BENCH_KEYS,
  freePort,
  peakRssMb,
  settingsFor,
  signInCookie,
} from './benchSupport';

const ROOT = join(__dirname, '..', '..');
const PARTNER = '11111111-2222-4333-8444-555555555555';
const ROWS = Number(process.env.BULK_BENCH_ROWS ?? 5000);
const PACED_ROWS = Number(process.env.PACED_BENCH_ROWS ?? 5000);
/** When the early customer accepts: ten hours in at 5,000 rows (a third of the way at fewer). */
const ACCEPT_AFTER_MS = Math.min(10, PACED_ROWS / 300) * 3_600_000;

function csv(rows: number): string {
  const lines = ['customerTenantId,customerName,contactName,contactEmail,scopes,delegatedAdmin,note'];
  for (let i = 1; i <= rows; i++)
    lines.push(
      `${randomUUID()},Customer ${i},Admin ${i},admin${i}@customer${i}.example,/subscriptions/${randomUUID()},,`,
    );
  return lines.join('\n');
}

async function bulkThroughHttp(): Promise<void> {
  const azurite = await startAzuriteProcess({ port: await freePort() });
  const cloud = await SandboxCloud.start({
    partnerTenantId: PARTNER,
    partnerAppClientId: randomUUID(),
    partnerAppSecret: randomUUID(),
    acsLimits: { perMinute: 30, perHour: 100 },
  });
  const port = await freePort();
  cloud.state.partnerApp.redirectUris = [`http://127.0.0.1:${port}/.auth/login/aad/callback`];
  const settings = settingsFor(cloud, azurite.connectionString, port);
  const args = [
    join(ROOT, 'dist', 'runtime', 'main.js'),
    '--app',
    ROOT,
    '--storage',
    azurite.connectionString,
  ];
  args.push(
    '--port',
    String(port),
    '--function-key',
    BENCH_KEYS.functionKey,
    '--master-key',
    BENCH_KEYS.masterKey,
  );
  for (const [name, value] of Object.entries(settings)) args.push('--setting', `${name}=${value}`);
  const app = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve) =>
    app.stdout.on('data', (c: Buffer) => c.toString().includes('runtime ready') && resolve()),
  );
  const api = (path: string, init?: RequestInit) =>
    fetch(`http://127.0.0.1:${port}/api${path}`, {
      ...init,
      headers: { 'x-functions-key': BENCH_KEYS.functionKey, ...(init?.headers ?? {}) },
    });

  const body = csv(ROWS);
  const t0 = performance.now();
  const res = await api('/reinstatements/bulk', {
    method: 'POST',
    body,
    headers: { 'content-type': 'text/csv' },
  });
  const answered = performance.now() - t0;
  const { jobId, valid } = (await res.json()) as { jobId: string; valid: number };
  let allStarted = 0;
  let allWaiting = 0;
  while (!allWaiting) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    if (!allStarted) {
      const job = (await (await api(`/reinstatements/bulk/${jobId}?pageSize=1`)).json()) as { done: boolean };
      if (job.done) allStarted = performance.now() - t0;
    }
    const backlog = (await (await api('/email/backlog')).json()) as { lanes: { bulk: { queued: number } } };
    if (allStarted && backlog.lanes.bulk.queued + cloud.state.outbox.length >= valid)
      allWaiting = performance.now() - t0;
  }
  const rss = peakRssMb(app.pid as number);
  await consoleWith(`http://127.0.0.1:${port}`, cloud);
  console.log(
    `bulk start, ${ROWS} CSV rows over HTTP at 30/min and 100/h: 202 in ${(answered / 1000).toFixed(2)} s (target 2 s); ` +
      `all ${valid} started in ${(allStarted / 1000).toFixed(1)} s (target 60 s); every orchestration waiting after ` +
      `${(allWaiting / 1000).toFixed(1)} s; app peak RSS ${rss.toFixed(0)} MB (target 300 MB); ` +
      `${cloud.state.outbox.length} invitations sent so far, ${cloud.acs.throttled} throttled`,
  );
  app.kill('SIGKILL');
  await cloud.stop();
  await azurite.stop();
}

/** The console over the bulk start's thousands of rows: each page's time, median of five loads. */
async function consoleWith(appUrl: string, cloud: SandboxCloud): Promise<void> {
  const cookie = await signInCookie(appUrl, cloud, cloud.state.partnerAdmin.userPrincipalName);
  const timed = async (label: string, path: string) => {
    const times: number[] = [];
    let bytes = 0;
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      const response = await fetch(`${appUrl}${path}`, { headers: { cookie }, redirect: 'manual' });
      bytes = (await response.arrayBuffer()).byteLength;
      if (response.status !== 200) throw new Error(`${path} answered ${response.status}`);
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    return `${label} ${((times[2] ?? 0) / 1000).toFixed(2)} s (${Math.round(bytes / 1024)} KB)`;
  };
  const pages = [
    await timed('list, first page', '/api/console/reinstatements'),
    await timed(
      'a search sorted by name',
      '/api/console/reinstatements?q=Customer%2049&sort=customer&dir=asc',
    ),
    await timed('overview', '/api/console'),
    await timed('CSV export of all', '/api/console/reinstatements.csv'),
  ];
  console.log(
    `console over ${ROWS} reinstatements (median of 5, target first page 1 s): ${pages.join('; ')}`,
  );
}

/**
 * Mail at ACS's default quota through the whole app on simulated time, at the volume the pacing test
 * (test/workflow/pacing.test.ts) checks at 300 rows: the busiest 60-second and 60-minute windows
 * against the quota, the hours all invitations took against the ideal, and how long a customer who
 * accepts ten hours in waits for the instructions behind the invitations still queued, and how many
 * mail slots a person's single start, made at that hour, waits for its invitation.
 */
async function pacedOnSimulatedTime(): Promise<void> {
  const clock = new ManualClock(new Date());
  const azurite = await startAzuriteProcess({ port: await freePort() });
  const cloud = await SandboxCloud.start({
    partnerTenantId: PARTNER,
    partnerAppClientId: randomUUID(),
    partnerAppSecret: randomUUID(),
    acsLimits: { perMinute: 30, perHour: 100 },
    now: () => clock.now().getTime(),
  });
  const fast = randomUUID(); // row 1: rows queued at one moment go in id order, so it is invited first
  cloud.state.addCustomer(fast, [randomUUID()]);
  // A person's single start at the same hour, with thousands of invitations still queued.
  const single = randomUUID();
  const singleSubscription = randomUUID();
  cloud.state.addCustomer(single, [singleSubscription]);
  const host = await appOnSimulatedTime(cloud, azurite.connectionString, clock);
  cloud.state.registration = {
    SubscriberId: 'bench',
    WebhookUrl: `${host.url}/api/webhooks/partner-center`,
    WebhookEvents: ['reseller-relationship-accepted-by-customer'],
  };
  const t0 = performance.now();
  const res = await fetch(`${host.url}/api/reinstatements/bulk`, {
    method: 'POST',
    body: csv(PACED_ROWS).replace(/^[^,\n]+,Customer 1,/m, `${fast},Customer 1,`),
    headers: { 'x-functions-key': BENCH_KEYS.functionKey, 'content-type': 'text/csv' },
  });
  if (res.status !== 202) throw new Error(`bulk start answered ${res.status}`);
  const started = clock.now().getTime();
  const invitations = () =>
    cloud.state.outbox.filter((m) => m.subject.includes('invites') && !m.to.includes('una@urgent.example'));
  let acceptedAt: number | undefined;
  for (;;) {
    await host.whenIdle();
    if (invitations().length >= PACED_ROWS) break;
    const next = host.engine.nextTimerAt();
    if (!next) break;
    if (next > clock.now()) clock.set(next);
    if (acceptedAt === undefined && clock.now().getTime() - started >= ACCEPT_AFTER_MS) {
      acceptedAt = clock.now().getTime();
      await cloud.partnerCenter.accept(fast, false);
      const started = await fetch(`${host.url}/api/reinstatements`, {
        method: 'POST',
        body: JSON.stringify({
          customerTenantId: single,
          customerName: 'Urgent Ltd',
          contact: { name: 'Una', email: 'una@urgent.example' },
          scopes: [`/subscriptions/${singleSubscription}`],
        }),
        headers: { 'x-functions-key': BENCH_KEYS.functionKey, 'content-type': 'application/json' },
      });
      if (started.status !== 202) throw new Error(`the single start answered ${started.status}`);
    }
  }
  const wall = (performance.now() - t0) / 1000;
  const sent = invitations()
    .map((m) => Date.parse(m.acceptedAt))
    .sort((a, b) => a - b);
  const all = cloud.state.outbox.map((m) => Date.parse(m.acceptedAt)).sort((a, b) => a - b);
  const busiest = (windowMs: number) => {
    let most = 0;
    for (let i = 0, first = 0; i < all.length; i++) {
      while ((all[first] ?? 0) <= (all[i] ?? 0) - windowMs) first++;
      most = Math.max(most, i - first + 1);
    }
    return most;
  };
  const hours = ((sent.at(-1) ?? started) - started) / 3_600_000;
  const instructions = cloud.state.outbox.find((m) => m.subject.includes('last step'));
  const instructedAt = instructions ? Date.parse(instructions.acceptedAt) : undefined;
  const person =
    acceptedAt !== undefined && instructedAt !== undefined
      ? `${Math.round((instructedAt - acceptedAt) / 1000)} s after the acceptance at hour ${ACCEPT_AFTER_MS / 3_600_000}, ahead of ${sent.filter((at) => at > instructedAt).length} queued invitations (target 120 s)`
      : 'never sent';
  const singleInvitation = cloud.state.outbox.find((m) => m.to.includes('una@urgent.example'));
  const slotMs = 3_600_000 / 100;
  const singleStart =
    acceptedAt !== undefined && singleInvitation
      ? `invited ${Math.round((Date.parse(singleInvitation.acceptedAt) - acceptedAt) / 1000)} s after it was started ` +
        `(${((Date.parse(singleInvitation.acceptedAt) - acceptedAt) / slotMs).toFixed(1)} mail slots of 36 s, target 2)`
      : 'never invited';
  console.log(
    `paced mail through the orchestration on simulated time: ${sent.length} invitations in ${hours.toFixed(2)} h ` +
      `(ideal ${PACED_ROWS / 100} h, target 1.05 x); busiest minute ${busiest(60_000)} (quota 30), busiest hour ` +
      `${busiest(3_600_000)} (quota 100); ${cloud.acs.throttled} x 429; a person's instructions ${person}; ` +
      `a person's single start ${singleStart}; ` +
      `${wall.toFixed(0)} s of wall time`,
  );
  await host.stop();
  await cloud.stop();
  await azurite.stop();
}

async function main(): Promise<void> {
  await bulkThroughHttp();
  await pacedOnSimulatedTime();
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
