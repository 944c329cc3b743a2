import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TableClient } from '@azure/data-tables';
import { verifyCustomerToken } from '../../shared/links/customerTokens';
import { cloudGet, SANDBOX_SCRIPT, startSandbox, stopAllSandboxes } from '../support/sandboxProcess';

afterAll(stopAllSandboxes, 120_000);

/** The sandbox's keys file. */
const keysIn = (dir: string) =>
  JSON.parse(readFileSync(join(dir, 'keys.json'), 'utf8')) as {
    functionKey: string;
    masterKey: string;
    systemKey: string;
    linkSigningKey: string;
  };

/** The link-signing key the sample settings once carried (public in the repository). */
const SAMPLE_KEY = Buffer.from('cmVwbGFjZS13aXRoLTMyLXJhbmRvbS1ieXRlcy1iYXNlNjQ=', 'base64');

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('npm start: the offline sandbox', () => {
  it('runs storage and the cloud in processes of their own, keeps both across a restart, and stops all on Ctrl-C', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sandbox-'));
    const first = startSandbox(dir);
    const endpoints = await first.ready;
    expect(first.output()).toContain('Function app');
    // Its own keys, made at first start: the link-signing key is 32 random bytes, never the sample's.
    const keys = keysIn(dir);
    expect(Buffer.from(keys.linkSigningKey, 'base64')).toHaveLength(32);
    expect(Buffer.from(keys.linkSigningKey, 'base64').equals(SAMPLE_KEY)).toBe(false);
    expect(new Set(Object.values(keys)).size).toBe(4);
    expect(endpoints.azurite.persistence).toBe(join(dir, 'azurite'));
    const cloud = endpoints.sandboxCloud!;
    const state = JSON.parse(await cloudGet(cloud.state, cloud.caFile)) as {
      adminAgents: { id: string };
      customers: { name: string; contact: { email: string } }[];
    };
    expect(state.customers).toHaveLength(6);
    expect(state.customers[0]).toMatchObject({
      name: 'Contoso Ltd',
      contact: { email: 'admin@contoso-ltd.example' },
    });
    const csv = await cloudGet(cloud.customersCsv, cloud.caFile);
    expect(csv.split('\n')[0]).toBe(
      'customerTenantId,customerName,contactName,contactEmail,scopes,delegatedAdmin,note',
    );
    expect(csv.trim().split('\n')).toHaveLength(7);
    const health = await fetch(`${endpoints.app.apiBaseUrl}/health`);
    expect(((await health.json()) as { status: string }).status).toBe('ok');

    const table = TableClient.fromConnectionString(endpoints.azurite.connectionString, 'SandboxProbe', {
      allowInsecureConnection: true,
    });
    await table.createTable();
    await table.createEntity({ partitionKey: 'p', rowKey: 'r', value: 'kept' });
    const services = ['azurite.json', 'cloud.json'].map(
      (f) => (JSON.parse(readFileSync(join(dir, f), 'utf8')) as { pid: number }).pid,
    );

    first.child.kill('SIGINT');
    expect(await first.exited).toBe(0);
    expect(first.output()).toContain('Stopped.');
    for (const pid of services) expect(isAlive(pid)).toBe(false);

    const second = startSandbox(dir);
    const again = await second.ready;
    expect(again.app.functionKey).toBe(endpoints.app.functionKey);
    expect(keysIn(dir)).toEqual(keys);
    const reopened = TableClient.fromConnectionString(again.azurite.connectionString, 'SandboxProbe', {
      allowInsecureConnection: true,
    });
    expect((await reopened.getEntity('p', 'r')).value).toBe('kept');
    // The same cloud: same customers, same AdminAgents id (nothing the app cached goes stale).
    const after = JSON.parse(
      await cloudGet(again.sandboxCloud!.state, again.sandboxCloud!.caFile),
    ) as typeof state;
    expect(after.adminAgents.id).toBe(state.adminAgents.id);
    expect(after.customers.map((c) => c.name)).toEqual(state.customers.map((c) => c.name));
    second.child.kill('SIGINT');
    expect(await second.exited).toBe(0);
  }, 120_000);

  it('loses nothing it answered for when its whole process group is killed right after a bulk start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sandbox-'));
    const first = startSandbox(dir);
    const endpoints = await first.ready;
    const cloud = endpoints.sandboxCloud!;
    const csv = await cloudGet(cloud.customersCsv, cloud.caFile);
    const res = await fetch(`${endpoints.app.apiBaseUrl}/reinstatements/bulk`, {
      method: 'POST',
      body: csv,
      headers: { 'x-functions-key': endpoints.app.functionKey, 'content-type': 'text/csv' },
    });
    expect(res.status).toBe(202);
    const { jobId } = (await res.json()) as { jobId: string };
    process.kill(-(first.child.pid as number), 'SIGKILL'); // npm start's whole process group
    await first.exited;

    const second = startSandbox(dir);
    const again = await second.ready;
    const api = (path: string) =>
      fetch(`${again.app.apiBaseUrl}${path}`, { headers: { 'x-functions-key': again.app.functionKey } });
    let job: { done: boolean; counts: Record<string, number>; results: { id: string }[] } | undefined;
    for (let i = 0; i < 100 && !job?.done; i++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      job = (await (await api(`/reinstatements/bulk/${jobId}`)).json()) as typeof job;
    }
    expect(job?.counts).toEqual({ started: 6, existing: 0, invalid: 0, failed: 0, pending: 0 });
    for (const { id } of job!.results) expect((await api(`/reinstatements/${id}`)).status).toBe(200);

    // The real quota (30 a minute, 100 an hour) shows: invitations go one per 36 s, never twice.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const outbox = JSON.parse(await cloudGet(`${again.sandboxCloud!.outbox}?pageSize=500`, cloud.caFile)) as {
      items: { to: string[]; subject: string; plainText?: string }[];
    };
    const invitations = outbox.items.filter((m) => m.subject.includes('invites'));
    expect(new Set(invitations.map((m) => m.to[0])).size).toBe(invitations.length);
    // The customer's link is signed with the sandbox's own key, not the sample's public one.
    const token = /\/api\/c\/([A-Za-z0-9_.-]+)/.exec(invitations[0]?.plainText ?? '')?.[1];
    expect(token).toBeDefined();
    const check = (key: Buffer) =>
      verifyCustomerToken({ current: key }, token, 'invitation', new Date()).valid;
    expect(check(Buffer.from(keysIn(dir).linkSigningKey, 'base64'))).toBe(true);
    expect(check(SAMPLE_KEY)).toBe(false);
    expect(invitations.length).toBeLessThanOrEqual(2);
    const backlog = (await (await api('/email/backlog')).json()) as { lanes: { bulk: { queued: number } } };
    expect(backlog.lanes.bulk.queued).toBe(6 - invitations.length);
    second.child.kill('SIGINT');
    expect(await second.exited).toBe(0);
    expect(existsSync(join(dir, 'cloud.json'))).toBe(false);
  });

  it('npm run sandbox:stop stops the app too, then the sandbox cloud and Azurite', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sandbox-'));
    const running = startSandbox(dir);
    const endpoints = await running.ready;
    const services = ['azurite.json', 'cloud.json'].map(
      (f) => (JSON.parse(readFileSync(join(dir, f), 'utf8')) as { pid: number }).pid,
    );
    const stop = spawn(process.execPath, [SANDBOX_SCRIPT, 'stop'], {
      env: { ...process.env, SANDBOX_DIR: dir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let said = '';
    stop.stdout.on('data', (c: Buffer) => (said += c.toString()));
    expect(await new Promise((resolve) => stop.once('exit', resolve))).toBe(0);
    expect(said).toContain('stopped');
    // npm start's own process ended as on Ctrl-C (it saves and says so), within the stop command.
    const outcome = await Promise.race([
      running.exited,
      new Promise((resolve) => setTimeout(() => resolve('still running'), 1000)),
    ]);
    expect(outcome).toBe(0);
    expect(running.output()).toContain('Stopped.');
    await expect(fetch(`${endpoints.app.apiBaseUrl}/health`)).rejects.toThrow();
    for (const pid of services) expect(isAlive(pid)).toBe(false);
    for (const file of ['app.json', 'azurite.json', 'cloud.json'])
      expect(existsSync(join(dir, file))).toBe(false);
  });
});
