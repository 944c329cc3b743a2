import { spawn, type ChildProcess } from 'node:child_process';
import { get } from 'node:https';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TableClient } from '@azure/data-tables';

const SCRIPT = join(__dirname, '..', '..', 'dist', 'scripts', 'sandbox.js');

interface Endpoints {
  app: { baseUrl: string; apiBaseUrl: string; functionKey: string; masterKey: string };
  azurite: { connectionString: string; persistence: string };
  sandboxCloud: { baseUrl: string; state: string; caFile: string } | null;
}

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

/** Runs `npm start`'s program (already built by npm test) on free ports, in its own sandbox folder. */
function startSandbox(dir: string) {
  const child = spawn(process.execPath, [SCRIPT], {
    env: { ...process.env, PORT: '0', SANDBOX_AZURITE_PORT: '0', SANDBOX_CLOUD_PORT: '0', SANDBOX_DIR: dir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = new Promise<Endpoints>((resolve, reject) => {
    const timer = setInterval(() => {
      if (output.includes('Ctrl-C stops')) {
        clearInterval(timer);
        resolve(JSON.parse(readFileSync(join(dir, 'endpoints.json'), 'utf8')) as Endpoints);
      }
    }, 50);
    void exited.then((code) => {
      clearInterval(timer);
      reject(new Error(`sandbox exited (${code}): ${output}`));
    });
  });
  return { child, ready, exited, output: () => output };
}

describe('npm start: the offline sandbox', () => {
  it('starts Azurite and the app, writes endpoints.json, keeps state across a restart, and stops cleanly on Ctrl-C', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sandbox-'));
    const first = startSandbox(dir);
    const endpoints = await first.ready;
    expect(first.output()).toContain('Function app');
    expect(endpoints.azurite.persistence).toBe(join(dir, 'azurite'));
    // The sandbox cloud answers over HTTPS with the CA the app was told to trust.
    expect(endpoints.sandboxCloud?.caFile).toBe(join(dir, 'sandbox-ca.pem'));
    const state = await new Promise<{ customers: unknown[] }>((resolve, reject) =>
      get(
        endpoints.sandboxCloud!.state,
        { ca: readFileSync(endpoints.sandboxCloud!.caFile, 'utf8') },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve(JSON.parse(text) as { customers: unknown[] }));
        },
      ).on('error', reject),
    );
    expect(state.customers).toHaveLength(1);
    const health = await fetch(`${endpoints.app.apiBaseUrl}/health`);
    expect(health.status).toBe(200);
    expect(((await health.json()) as { status: string }).status).toBe('ok');

    // Something stored now must be there after the restart.
    const table = TableClient.fromConnectionString(endpoints.azurite.connectionString, 'SandboxProbe', {
      allowInsecureConnection: true,
    });
    await table.createTable();
    await table.createEntity({ partitionKey: 'p', rowKey: 'r', value: 'kept' });

    first.child.kill('SIGINT');
    expect(await first.exited).toBe(0);
    expect(first.output()).toContain('Stopped.');
    expect(existsSync(join(dir, 'azurite'))).toBe(true);

    const second = startSandbox(dir);
    const again = await second.ready;
    expect(again.app.functionKey).toBe(endpoints.app.functionKey);
    const reopened = TableClient.fromConnectionString(again.azurite.connectionString, 'SandboxProbe', {
      allowInsecureConnection: true,
    });
    expect((await reopened.getEntity('p', 'r')).value).toBe('kept');
    second.child.kill('SIGINT');
    expect(await second.exited).toBe(0);
  });
});
