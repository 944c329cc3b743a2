import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { get as httpsGet } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ManualClock } from '../runtime/clock';
import { FunctionHost } from '../runtime/functionHost';
import type { SandboxCloud } from '../sandbox/sandboxCloud';
import { setAppClock } from '../shared/app/container';

const ROOT = join(__dirname, '..', '..');

/** A free loopback port. */
export const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

/** The app's settings pointing at a sandbox cloud, as the sandbox gives them. */
export function settingsFor(
  cloud: SandboxCloud,
  storage: string,
  port: number,
  extra: Record<string, string> = {},
) {
  const caFile = join(mkdtempSync(join(tmpdir(), 'bench-')), 'ca.pem');
  writeFileSync(caFile, cloud.pki.trustedRootsPem);
  return {
    ...(
      JSON.parse(readFileSync(join(ROOT, 'local.settings.sample.json'), 'utf8')) as {
        Values: Record<string, string>;
      }
    ).Values,
    ...cloud.appSettings(),
    TLS_CA_FILE: caFile,
    AzureWebJobsStorage: storage,
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    VERIFY_SCHEDULE: '0 0 0 1 1 *',
    WATCHDOG_SCHEDULE: '0 0 0 1 1 *',
    // The app refuses the sample's placeholder key: a key of its own, as a deployment has.
    LINK_SIGNING_KEY: randomBytes(32).toString('base64'),
    // The bench's customers are made up in bulk; Partner Center's check before a start is measured
    // by its own test, not here.
    PARTNER_CENTER_START_CHECK: 'false',
    ...extra,
  };
}

/** Peak resident set of a process (Linux: VmHWM), in MB. */
export const peakRssMb = (pid: number) =>
  Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

export const BENCH_KEYS = { functionKey: 'bench-function-key', masterKey: 'bench-master-key' };

/**
 * The app on the offline runtime in this process, on a manual clock that the app and the sandbox
 * cloud share: durable timers of hours pass in milliseconds.
 */
export async function appOnSimulatedTime(
  cloud: SandboxCloud,
  storageConnectionString: string,
  clock: ManualClock,
): Promise<FunctionHost> {
  const port = await freePort();
  // The app follows the runtime's clock (this is the module the host loads with the app).
  setAppClock(() => clock.now());
  return FunctionHost.start({
    appRoot: ROOT,
    settings: settingsFor(cloud, storageConnectionString, port),
    storageConnectionString,
    port,
    keys: BENCH_KEYS,
    clock,
    log: () => {},
  });
}

/**
 * A console session for a sandbox user, signed in as a browser would be (the runtime's
 * /.auth/login/aad, the sandbox's authorization endpoint with a login hint, the callback): the
 * `Cookie` header to send.
 */
export async function signInCookie(
  appUrl: string,
  cloud: SandboxCloud,
  userPrincipalName: string,
): Promise<string> {
  const cookieOf = (response: Response) =>
    response.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .filter((c) => !c?.endsWith('='))
      .join('; ');
  const login = await fetch(`${appUrl}/.auth/login/aad?post_login_redirect_uri=/api/console`, {
    redirect: 'manual',
  });
  const authorize = new URL(login.headers.get('location') ?? '');
  authorize.searchParams.set('login_hint', userPrincipalName);
  const callback = await new Promise<string>((resolve, reject) =>
    httpsGet(authorize, { ca: cloud.pki.trustedRootsPem }, (res) => {
      res.resume();
      resolve(res.headers.location ?? '');
    }).on('error', reject),
  );
  const signedIn = await fetch(callback, { redirect: 'manual', headers: { cookie: cookieOf(login) } });
  const session = cookieOf(signedIn);
  if (!session.includes('AppServiceAuthSession')) throw new Error(`sign-in failed: ${signedIn.status}`);
  return session;
}
