import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SandboxCloud } from '../sandbox/sandboxCloud';

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
    ...extra,
  };
}

/** Peak resident set of a process (Linux: VmHWM), in MB. */
export const peakRssMb = (pid: number) =>
  Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
