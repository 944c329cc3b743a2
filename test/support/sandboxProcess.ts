import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { join } from 'node:path';

/** `npm start`'s program, as `npm test` builds it. */
export const SANDBOX_SCRIPT = join(__dirname, '..', '..', 'dist', 'scripts', 'sandbox.js');

/** What `npm start` writes to .sandbox/endpoints.json (the parts tests read). */
export interface SandboxEndpoints {
  app: { baseUrl: string; apiBaseUrl: string; functionKey: string; masterKey: string };
  azurite: { connectionString: string; persistence: string };
  sandboxCloud: {
    baseUrl: string;
    state: string;
    outbox: string;
    customersCsv: string;
    caFile: string;
  } | null;
}

export interface RunningSandbox {
  child: ChildProcess;
  ready: Promise<SandboxEndpoints>;
  exited: Promise<number | null>;
  output: () => string;
}

const started: { child: ChildProcess; dir: string }[] = [];

/**
 * Kills every sandbox a test started and stops the services it left running (that is their point:
 * they outlive a crash of the app). Call from afterAll.
 */
export async function stopAllSandboxes(): Promise<void> {
  for (const { child, dir } of started.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await new Promise((resolve) =>
      spawn(process.execPath, [SANDBOX_SCRIPT, 'stop'], { env: { ...process.env, SANDBOX_DIR: dir } }).once(
        'exit',
        resolve,
      ),
    );
  }
}

/** Runs `npm start`'s program on free ports (unless `env` says otherwise), in `dir` and its own process group. */
export function startSandbox(dir: string, env: Record<string, string> = {}): RunningSandbox {
  const child = spawn(process.execPath, [SANDBOX_SCRIPT], {
    env: {
      ...process.env,
      PORT: '0',
      SANDBOX_AZURITE_PORT: '0',
      SANDBOX_CLOUD_PORT: '0',
      SANDBOX_DIR: dir,
      SANDBOX_CUSTOMERS: '6',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  started.push({ child, dir });
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = new Promise<SandboxEndpoints>((resolve, reject) => {
    const timer = setInterval(() => {
      if (output.includes('Ctrl-C stops')) {
        clearInterval(timer);
        resolve(JSON.parse(readFileSync(join(dir, 'endpoints.json'), 'utf8')) as SandboxEndpoints);
      }
    }, 50);
    void exited.then((code) => {
      clearInterval(timer);
      reject(new Error(`sandbox exited (${code}): ${output}`));
    });
  });
  return { child, ready, exited, output: () => output };
}

/** GET from the sandbox cloud (HTTPS, trusting its CA). */
export function cloudGet(url: string, caFile: string): Promise<string> {
  return new Promise((resolve, reject) =>
    request(url, { agent: new Agent({ ca: readFileSync(caFile, 'utf8') }) }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve(text));
    })
      .on('error', reject)
      .end(),
  );
}
