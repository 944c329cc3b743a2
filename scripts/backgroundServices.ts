import { spawn } from 'node:child_process';
import { existsSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { isListening } from '../runtime/azuriteProcess';

/**
 * The sandbox's processes: the services that live in processes of their own (storage, the simulated
 * cloud), so that a crash of the app takes neither down and the next `npm start` finds them running,
 * and the app itself (npm start's own process), so that `npm run sandbox:stop` finds it. Each is
 * described by a small JSON file in the sandbox folder.
 */
export interface ServiceRecord {
  pid: number;
  port: number;
  /** What it was started with: a service started differently is restarted, not reused. */
  fingerprint: string;
  url?: string;
  startedAt: string;
}

export function readRecord(file: string): ServiceRecord | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as ServiceRecord;
  } catch {
    return undefined;
  }
}

export function writeRecord(file: string, record: ServiceRecord): void {
  writeFileSync(file, JSON.stringify(record, null, 2), { mode: 0o600 });
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The service recorded in `file`, when it still runs, listens and was started the same way. */
export async function runningService(file: string, fingerprint: string): Promise<ServiceRecord | undefined> {
  const record = readRecord(file);
  if (!record || !isAlive(record.pid) || !(await isListening(record.port))) return undefined;
  return record.fingerprint === fingerprint ? record : undefined;
}

/**
 * Stops the process recorded in `file` (SIGINT: Azurite, the cloud and the app save their data on it)
 * and forgets it; SIGKILL if it has not ended within `graceMs`. With `onlyIfListening`, a record
 * whose process no longer listens on its port is forgotten without a signal (its pid may belong to
 * another program by now).
 */
export async function stopService(
  file: string,
  options: { graceMs?: number; onlyIfListening?: boolean } = {},
): Promise<boolean> {
  const record = readRecord(file);
  rmSync(file, { force: true });
  if (!record || !isAlive(record.pid)) return false;
  if (options.onlyIfListening && !(await isListening(record.port))) return false;
  process.kill(record.pid, 'SIGINT');
  for (
    const deadline = Date.now() + (options.graceMs ?? 10_000);
    Date.now() < deadline && isAlive(record.pid);
  )
    await new Promise((resolve) => setTimeout(resolve, 50));
  if (isAlive(record.pid)) process.kill(record.pid, 'SIGKILL');
  return true;
}

/** A loopback port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts a detached node program in its own process group, its output appended to `logFile`, and
 * waits for it to print a line matching `ready` (whose first group is returned).
 */
export async function startDetached(
  args: string[],
  logFile: string,
  ready: RegExp,
): Promise<{ pid: number; match: string }> {
  const from = existsSync(logFile) ? readFileSync(logFile).length : 0;
  const out = openSync(logFile, 'a');
  const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', out, out] });
  let exited: string | undefined;
  child.once('exit', (code, signal) => (exited = `exited (${code ?? signal})`));
  const deadline = Date.now() + 30_000;
  for (;;) {
    const text = readFileSync(logFile).subarray(from).toString('utf8');
    const match = ready.exec(text);
    if (match) {
      child.unref();
      return { pid: child.pid as number, match: match[1] ?? match[0] };
    }
    if (exited) throw new Error(`${args[0]} ${exited}: ${text.slice(-1000)}`);
    if (Date.now() > deadline) {
      child.kill();
      throw new Error(`${args[0]} did not start within 30 s: ${text.slice(-1000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
