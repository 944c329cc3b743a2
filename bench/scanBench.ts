/**
 * Scan benchmark (npm run bench): the watch over the partner's 5,000 customers with two Azure
 * subscriptions each (SCAN_BENCH_CUSTOMERS to change), scanned through the whole app on the runtime's
 * simulated clock against the sandbox's Partner Center and ARM. A first scan is the baseline; then
 * the bench removes the partner's Owner grant on some subscriptions, grants it on others, removes a
 * few customers and adds a few, and the second scan (the watch proper) must report exactly those
 * changes (the bench exits non-zero otherwise). For the second scan it prints the Partner Center and
 * ARM requests the sandbox received, the storage rows written (counted by a proxy in front of
 * Azurite), its duration against the ideal Partner Center's documented limit allows (500 requests a
 * minute; target within 1.1x), and this process's peak RSS during it, with what the sandbox held
 * before the app started (app, runtime and sandbox share the process here).
 */
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { startAzuriteProcess } from '../runtime/azuriteProcess';
import { ManualClock } from '../runtime/clock';
import type { FunctionHost } from '../runtime/functionHost';
import { SandboxCloud } from '../sandbox/sandboxCloud';
import type { Service } from '../sandbox/faults';
import type { ScanCounts, ScanResult } from '../shared/storage/scanRepository';
import { PARTNER_CENTER_REQUESTS_PER_MINUTE } from '../shared/workflow/scanOrchestrator';
import { appOnSimulatedTime, BENCH_KEYS, freePort, peakRssMb } from './benchSupport';
import { TableWriteCounter, writesSince, type TableWrites } from './tableWriteCounter';

const CUSTOMERS = Number(process.env.SCAN_BENCH_CUSTOMERS ?? 5000);

type Api = (path: string, init?: RequestInit) => Promise<Response>;

interface ScanRun {
  scanId: string;
  counts: ScanCounts;
  minutes: number;
  wallSeconds: number;
}

/** Starts a scan and runs the clock to its end: jumps to each durable timer once all else is idle. */
async function runScan(host: FunctionHost, clock: ManualClock, api: Api): Promise<ScanRun> {
  const started = clock.now().getTime();
  const wall = performance.now();
  const answer = await api('/scans', { method: 'POST' });
  if (answer.status !== 202 && answer.status !== 201 && answer.status !== 200)
    throw new Error(`POST /api/scans answered ${answer.status}: ${await answer.text()}`);
  const { scanId } = (await answer.json()) as { scanId: string };
  // The status reads every result: asked when no timer is left (the scan's end) and every 20th step.
  for (let step = 1; ; step++) {
    await host.whenIdle();
    const next = host.engine.nextTimerAt();
    if (!next || step % 20 === 0) {
      const status = (await (await api(`/scans/${scanId}`)).json()) as { state: string; counts: ScanCounts };
      if (status.state === 'done')
        return {
          scanId,
          counts: status.counts,
          minutes: (clock.now().getTime() - started) / 60_000,
          wallSeconds: (performance.now() - wall) / 1000,
        };
    }
    if (!next) throw new Error('the scan stopped without finishing');
    if (next > clock.now()) clock.set(next);
  }
}

/** Every result of a scan, through the API a page of 1,000 at a time. */
async function allResults(api: Api, scanId: string): Promise<ScanResult[]> {
  const all: ScanResult[] = [];
  let token: string | undefined;
  do {
    const query = `pageSize=1000${token ? `&continuationToken=${encodeURIComponent(token)}` : ''}`;
    const page = (await (await api(`/scans/${scanId}/results?${query}`)).json()) as {
      items: ScanResult[];
      continuationToken?: string;
    };
    all.push(...page.items);
    token = page.continuationToken;
  } while (token);
  return all;
}

/** The sandbox's request counters, copied (by service, and by method and path). */
const requestsOf = (cloud: SandboxCloud) => ({
  byService: new Map(cloud.requests),
  byEndpoint: new Map(cloud.requestsByEndpoint),
});

const grouped = (counts: Map<string, number>, kindOf: (key: string) => string | undefined) => {
  const kinds = new Map<string, number>();
  for (const [key, n] of counts) {
    const kind = kindOf(key);
    if (kind) kinds.set(kind, (kinds.get(kind) ?? 0) + n);
  }
  return kinds;
};

const partnerCenterKind = (endpoint: string) => {
  if (endpoint === 'GET /v1/customers') return 'customer pages';
  if (/^GET \/v1\/customers\/[^/]+\/subscriptions$/.test(endpoint)) return 'subscription lists';
  if (/^GET \/v1\/customers\/[^/]+\/subscriptions\/[^/]+\/azureEntitlements$/.test(endpoint))
    return 'Azure entitlement lists';
  if (endpoint.startsWith('GET /v1/') || endpoint.includes(' /webhooks/')) return 'other';
  return undefined;
};

const armKind = (endpoint: string) => {
  if (!/^\w+ \/subscriptions\//i.test(endpoint)) return undefined;
  if (/\/roleAssignments$/i.test(endpoint)) return 'role assignment lists';
  if (/\/resourcegroups$/i.test(endpoint)) return 'resource group lists';
  return 'other';
};

const list = (kinds: Map<string, number>) =>
  [...kinds]
    .sort(([, a], [, b]) => b - a)
    .map(([kind, n]) => `${n} ${kind}`)
    .join(', ');

const sum = (counts: Map<string, number>) => [...counts.values()].reduce((a, b) => a + b, 0);

function describeWrites(w: TableWrites): string {
  const refused = sum(w.refused);
  return (
    `${sum(w.written)} storage rows written (${list(w.written)}), ${sum(w.deleted)} deleted` +
    (refused ? `, ${refused} writes refused (${list(w.refused)})` : '') +
    `, ${w.reads} reads`
  );
}

/**
 * Resets this process's peak RSS (Linux: writing 5 to /proc/self/clear_refs), so that the next
 * reading is the peak of what follows; false where the kernel does not allow it.
 */
function resetPeakRss(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

/** Awaits `stop` for at most `ms` (shutting down must not keep the bench from exiting); false if late. */
async function within(ms: number, what: string, stop: () => Promise<void>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), ms)));
  const outcome = await Promise.race([stop().then(() => 'stopped' as const), late]);
  clearTimeout(timer);
  if (outcome === 'late') console.error(`${what} did not stop within ${ms / 1000} s; exiting anyway`);
  return outcome === 'stopped';
}

async function main(): Promise<void> {
  const clock = new ManualClock(new Date());
  const azurite = await startAzuriteProcess({ port: await freePort() });
  const storage = await TableWriteCounter.start(azurite.tableEndpoint);
  const cloud = await SandboxCloud.start({
    partnerTenantId: '11111111-2222-4333-8444-555555555555',
    partnerAppClientId: randomUUID(),
    partnerAppSecret: randomUUID(),
    now: () => clock.now().getTime(),
  });
  let host: FunctionHost | undefined;
  try {
    // Every customer has two Azure subscriptions; every other one granted Owner on its first.
    const customers = Array.from({ length: CUSTOMERS }, (_, i) => {
      const customer = cloud.state.addCustomer(randomUUID(), [randomUUID(), randomUUID()], `Customer ${i}`);
      const grant =
        i % 2 === 0
          ? cloud.state.grantOwnerToPartner(`/subscriptions/${customer.subscriptions[0]}`)
          : undefined;
      return { customer, grant };
    });
    // What the sandbox (its customers, their tokens) holds before the app starts in this process.
    const beforeApp = process.memoryUsage().rss / 1024 / 1024;
    host = await appOnSimulatedTime(cloud, storage.connectionString, clock);
    const api: Api = (path, init) =>
      fetch(`${host?.url}/api${path}`, { ...init, headers: { 'x-functions-key': BENCH_KEYS.functionKey } });

    const baseline = await runScan(host, clock, api);
    console.log(
      `scan (baseline) of ${CUSTOMERS} customers x 2 Azure subscriptions: ${baseline.minutes.toFixed(2)} min of simulated time; ` +
        `${baseline.counts.subscriptions} subscriptions: ${baseline.counts.hasAccess} with access, ${baseline.counts.lostAccess} lost; ` +
        `${baseline.wallSeconds.toFixed(1)} s of wall time`,
    );

    // What changes before the watch: a grant removed (newly lost) in one customer of 100, Owner granted
    // on a subscription that had none (regained) in another, one customer of 200 gone from Partner
    // Center (both its subscriptions gone), and new customers as many.
    const expected = {
      'newly-lost': new Set<string>(),
      regained: new Set<string>(),
      gone: new Set<string>(),
      new: new Set<string>(),
    };
    customers.forEach(({ customer, grant }, i) => {
      const [first = '', second = ''] = customer.subscriptions;
      if (i % 100 === 0 && grant) {
        cloud.state.roleAssignments.delete(grant.name);
        expected['newly-lost'].add(first);
      } else if (i % 100 === 1) {
        cloud.state.grantOwnerToPartner(`/subscriptions/${second}`);
        expected.regained.add(second);
      } else if (i % 200 === 2) {
        cloud.state.customers.delete(customer.tenantId.toLowerCase());
        for (const s of customer.subscriptions) expected.gone.add(s);
      }
    });
    for (let i = 0; i < Math.ceil(CUSTOMERS / 200); i++) {
      const customer = cloud.state.addCustomer(
        randomUUID(),
        [randomUUID(), randomUUID()],
        `New customer ${i}`,
      );
      for (const s of customer.subscriptions) expected.new.add(s);
    }

    const requestsBefore = requestsOf(cloud);
    const writesBefore = storage.snapshot();
    const peakReset = resetPeakRss();
    const watch = await runScan(host, clock, api);
    const peak = peakRssMb(process.pid);
    const requestsAfter = requestsOf(cloud);
    const writes = writesSince(writesBefore, storage.snapshot());
    const delta = (service: Service) =>
      (requestsAfter.byService.get(service) ?? 0) - (requestsBefore.byService.get(service) ?? 0);
    const endpoints = new Map(
      [...requestsAfter.byEndpoint].map(
        ([k, n]) => [k, n - (requestsBefore.byEndpoint.get(k) ?? 0)] as const,
      ),
    );
    const partnerCenter = delta('partnerCenter');
    const ideal = partnerCenter / PARTNER_CENTER_REQUESTS_PER_MINUTE;
    const c = watch.counts;
    console.log(
      `watch (second scan) of ${CUSTOMERS - expected.gone.size / 2 + expected.new.size / 2} customers: ` +
        `${partnerCenter} Partner Center requests (${list(grouped(endpoints, partnerCenterKind))}); ` +
        `${delta('arm')} ARM requests (${list(grouped(endpoints, armKind))}); ${delta('entra')} Entra ID token requests; ` +
        `${describeWrites(writes)}; ` +
        `${watch.minutes.toFixed(2)} min of simulated time, ideal at ${PARTNER_CENTER_REQUESTS_PER_MINUTE}/min ${ideal.toFixed(2)} min = ${(watch.minutes / ideal).toFixed(3)}x (target 1.1x); ` +
        `${watch.wallSeconds.toFixed(1)} s of wall time; ` +
        `peak RSS of this process ${peak.toFixed(0)} MB ${peakReset ? 'during the watch' : 'since it started'}, ` +
        `of which ${beforeApp.toFixed(0)} MB before the app started (the sandbox cloud and the storage counter share the process); ` +
        `Azurite's own process peaked at ${peakRssMb(azurite.pid).toFixed(0)} MB`,
    );

    // The watch's changes must be exactly what the bench did to the sandbox.
    const results = await allResults(api, watch.scanId);
    const seen = new Map<string, Set<string>>();
    for (const r of results) {
      const set = seen.get(r.change ?? 'none') ?? new Set<string>();
      set.add(r.subscriptionId ?? `customer ${r.customerTenantId}`);
      seen.set(r.change ?? 'none', set);
    }
    const unchanged =
      2 * CUSTOMERS - expected.gone.size - expected['newly-lost'].size - expected.regained.size;
    const check = (name: string, got: number, wanted: number, same = got === wanted) => ({
      name,
      got,
      wanted,
      same,
    });
    const checks = [
      ...Object.entries(expected).map(([change, subscriptions]) => {
        const got = seen.get(change) ?? new Set<string>();
        return check(
          change,
          got.size,
          subscriptions.size,
          got.size === subscriptions.size && [...subscriptions].every((s) => got.has(s)),
        );
      }),
      check('unchanged', seen.get('unchanged')?.size ?? 0, unchanged),
      check('counts.newlyLost', c.newlyLost, expected['newly-lost'].size),
      check('counts.regained', c.regained, expected.regained.size),
      check('counts.gone', c.gone, expected.gone.size),
      check('counts.couldNotCheck', c.couldNotCheck, 0),
      check(
        'counts.subscriptions',
        c.subscriptions,
        unchanged + expected['newly-lost'].size + expected.regained.size + expected.new.size,
      ),
    ];
    const wrong = checks.filter((k) => !k.same);
    console.log(
      `watch's changes against what the bench did: ` +
        checks.map((k) => `${k.name} ${k.got}${k.same ? '' : ` (expected ${k.wanted})`}`).join(', ') +
        (wrong.length ? ' - MISMATCH' : ' - all as done'),
    );
    if (wrong.length)
      throw new Error(`the watch's changes differ from the bench's: ${wrong.map((k) => k.name).join(', ')}`);
  } finally {
    const running = host;
    if (running) await within(15_000, 'the app', () => running.stop());
    await within(10_000, 'the sandbox cloud', () => cloud.stop());
    await within(10_000, 'the storage counter', () => storage.stop());
    if (!(await within(15_000, 'Azurite', () => azurite.stop()))) process.kill(azurite.pid, 'SIGKILL');
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
