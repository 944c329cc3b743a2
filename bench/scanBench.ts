/**
 * Scan benchmark (npm run bench): the partner's 1,000 customers with two Azure subscriptions each,
 * scanned through the whole app on the runtime's simulated clock against the sandbox's Partner
 * Center and ARM. Prints the scan's duration against the ideal Partner Center's documented limit
 * allows (500 requests a minute; target within 1.1x) and this process's peak RSS, with what the
 * sandbox held before the app started (app, runtime and sandbox share the process here).
 */
import { randomUUID } from 'node:crypto';
import { startAzuriteProcess } from '../runtime/azuriteProcess';
import { ManualClock } from '../runtime/clock';
import { SandboxCloud } from '../sandbox/sandboxCloud';
import { PARTNER_CENTER_REQUESTS_PER_MINUTE } from '../shared/workflow/scanOrchestrator';
import { appOnSimulatedTime, BENCH_KEYS, freePort, peakRssMb } from './benchSupport';

const CUSTOMERS = Number(process.env.SCAN_BENCH_CUSTOMERS ?? 1000);

async function main(): Promise<void> {
  const clock = new ManualClock(new Date());
  const azurite = await startAzuriteProcess({ port: await freePort() });
  const cloud = await SandboxCloud.start({
    partnerTenantId: '11111111-2222-4333-8444-555555555555',
    partnerAppClientId: randomUUID(),
    partnerAppSecret: randomUUID(),
    now: () => clock.now().getTime(),
  });
  for (let i = 0; i < CUSTOMERS; i++) {
    const customer = cloud.state.addCustomer(randomUUID(), [randomUUID(), randomUUID()], `Customer ${i}`);
    if (i % 2 === 0) cloud.state.grantOwnerToPartner(`/subscriptions/${customer.subscriptions[0]}`);
  }
  // What the sandbox (its 1,000 customers, their tokens) holds before the app starts in this process.
  const beforeApp = process.memoryUsage().rss / 1024 / 1024;
  const host = await appOnSimulatedTime(cloud, azurite.connectionString, clock);
  const api = async (path: string, init?: RequestInit) =>
    fetch(`${host.url}/api${path}`, { ...init, headers: { 'x-functions-key': BENCH_KEYS.functionKey } });
  const started = clock.now().getTime();
  const wall = performance.now();
  const { scanId } = (await (await api('/scans', { method: 'POST' })).json()) as { scanId: string };
  let status: { state: string; counts: { subscriptions: number; hasAccess: number; lostAccess: number } };
  for (;;) {
    await host.whenIdle();
    status = (await (await api(`/scans/${scanId}`)).json()) as typeof status;
    if (status.state === 'done') break;
    const next = host.engine.nextTimerAt();
    if (!next) throw new Error('the scan stopped without finishing');
    if (next > clock.now()) clock.set(next);
  }
  const minutes = (clock.now().getTime() - started) / 60_000;
  const calls = cloud.requests.get('partnerCenter') ?? 0;
  const ideal = calls / PARTNER_CENTER_REQUESTS_PER_MINUTE;
  console.log(
    `scan of ${CUSTOMERS} customers x 2 Azure subscriptions: ${minutes.toFixed(2)} min of simulated time for ${calls} Partner Center calls; ` +
      `ideal at ${PARTNER_CENTER_REQUESTS_PER_MINUTE}/min ${ideal.toFixed(2)} min = ${(minutes / ideal).toFixed(3)}x (target 1.1x); ` +
      `${status.counts.subscriptions} subscriptions: ${status.counts.hasAccess} with access, ${status.counts.lostAccess} lost; ` +
      `${((performance.now() - wall) / 1000).toFixed(1)} s of wall time; peak RSS of this process ${peakRssMb(process.pid).toFixed(0)} MB, ` +
      `of which ${beforeApp.toFixed(0)} MB before the app started (the sandbox cloud shares the process)`,
  );
  await host.stop();
  await cloud.stop();
  await azurite.stop();
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
