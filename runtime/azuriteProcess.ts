import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync } from 'node:fs';
import { connect } from 'node:net';
import { DEV_ACCOUNT_KEY, type RunningAzurite } from './embeddedAzurite';

export interface AzuriteProcessOptions {
  port: number;
  /** Folder to keep data in (Azurite writes it to disk every 5 s); in memory when absent. */
  location?: string;
  /** Outlive the process that started it (its own process group): the sandbox's storage does. */
  detached?: boolean;
  /** Where its output goes when detached (otherwise it is discarded). */
  logFile?: string;
}

export interface AzuriteProcess extends RunningAzurite {
  pid: number;
}

/** The connection string of the Azurite Table service on a loopback port. */
export function azuriteConnectionString(port: number): string {
  const endpoint = `http://127.0.0.1:${port}/devstoreaccount1`;
  return `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${DEV_ACCOUNT_KEY};TableEndpoint=${endpoint};`;
}

/** Whether something accepts connections on the loopback port. */
export function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port }, () => {
      socket.end();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Azurite's Table service as a process of its own (from node_modules, telemetry off), as storage is a
 * service of its own in Azure: an app that crashes does not take its storage down with it, and the
 * two use both cores. Resolves once it accepts connections.
 */
export async function startAzuriteProcess(options: AzuriteProcessOptions): Promise<AzuriteProcess> {
  const args = [
    require.resolve('azurite/dist/src/table/main.js'),
    '--tableHost',
    '127.0.0.1',
    '--tablePort',
    String(options.port),
    '--disableTelemetry',
    '--silent',
  ];
  if (options.location) {
    mkdirSync(options.location, { recursive: true });
    args.push('--location', options.location);
  } else args.push('--inMemoryPersistence');
  const out = options.detached && options.logFile ? openSync(options.logFile, 'a') : 'ignore';
  const child: ChildProcess = spawn(process.execPath, args, {
    detached: options.detached ?? false,
    stdio: ['ignore', out, out],
  });
  let exited: string | undefined;
  child.once('exit', (code, signal) => (exited = `exited (${code ?? signal})`));
  const deadline = Date.now() + 20_000;
  while (!(await isListening(options.port))) {
    if (exited) throw new Error(`Azurite ${exited} before listening on port ${options.port}`);
    if (Date.now() > deadline) {
      child.kill();
      throw new Error(`Azurite did not listen on port ${options.port} within 20 s`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  if (options.detached) child.unref();
  return {
    pid: child.pid as number,
    tableEndpoint: `http://127.0.0.1:${options.port}/devstoreaccount1`,
    connectionString: azuriteConnectionString(options.port),
    stop: () =>
      new Promise<void>((resolve) => {
        if (exited) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGINT'); // Azurite saves its data and exits on SIGINT (SIGTERM would just end it)
      }),
  };
}
