import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox, stopAllSandboxes } from '../support/sandboxProcess';

afterAll(stopAllSandboxes);

/** The README's walkthrough, exactly as a newcomer copies it: the bash block under its heading. */
function walkthroughScript(): string {
  const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
  const section = readme.split(/^## Walkthrough/m)[1] ?? '';
  const block = /```bash\n([\s\S]*?)```/.exec(section)?.[1];
  if (!block) throw new Error('README.md has no bash block under "## Walkthrough"');
  return block;
}

/** The watch's block, which continues in the walkthrough's terminal. */
function watchScript(): string {
  const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
  const section = readme.split(/^## The watch/m)[1] ?? '';
  const block = /```bash\n([\s\S]*?)```/.exec(section)?.[1];
  if (!block) throw new Error('README.md has no bash block under "## The watch"');
  return block;
}

/** Runs it in `cwd` (where `npm start` ran) as bash would, stopping at the first failing command. */
function runWalkthrough(cwd: string, then = ''): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      'bash',
      ['-e', '-o', 'pipefail', '-c', walkthroughScript() + then],
      { cwd, timeout: 240_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, output: `${stdout}${stderr}` }),
    );
  });
}

describe("README's walkthrough", () => {
  it('reaches Reinstated as written with PORT=7201, and again after a restart of npm start', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'walkthrough-'));
    // As a newcomer runs it: `PORT=7201 npm start` in a folder, the walkthrough in that folder.
    const env = { PORT: '7201', SANDBOX_DIR: join(cwd, '.sandbox'), SANDBOX_CUSTOMERS: '3' };
    const first = startSandbox(join(cwd, '.sandbox'), env);
    const endpoints = await first.ready;
    expect(endpoints.app.apiBaseUrl).toBe('http://127.0.0.1:7201/api');

    const before = await runWalkthrough(cwd);
    expect(before.output).toContain('state: Reinstated');
    expect(before.code).toBe(0);
    expect(before.output).toContain('Fabrikam CSP invites Contoso Ltd to a reseller relationship');
    // The verification timer runs at each quarter hour of the wall clock: now and then it verifies
    // before step 6 asks, and then there is no verify-requested row.
    expect(before.output).toMatch(
      / {2}scope-checked\n.* {2}instructions-sent\n(.* {2}verify-requested\n)?.* {2}scope-verified\n.* {2}reinstated/,
    );
    expect(before.output).toMatch(/^(\d+ verified|.*not possible while the reinstatement is Reinstated.*)$/m);
    expect(before.output).toContain('removed 8e3af657-a8ff-443c-a75c-2fe8c4bcb635 from');

    first.child.kill('SIGINT'); // Ctrl-C
    expect(await first.exited).toBe(0);

    const second = startSandbox(join(cwd, '.sandbox'), env);
    await second.ready;
    // Again after the restart, and the watch's section after it, as a newcomer would go on.
    const after = await runWalkthrough(cwd, watchScript());
    expect(after.output).toContain('state: Reinstated');
    expect(after.code).toBe(0);
    expect(after.output).toMatch(
      /^Contoso Ltd, subscription a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d: newly-lost \(last had access 20\d\d-/m,
    );
    expect(after.output).toMatch(/^digest sent: 1 needs action: 1 admin rights lost; also /m);
    expect(after.output).toMatch(
      /^Admin rights digest for \d{4}-\d{2}-\d{2}: 1 needs action: 1 admin rights lost/m,
    );
    expect(after.output).toContain(
      '/api/console/start?customerTenantId=7f3c2a10-4b5e-4c6d-8e9f-0a1b2c3d4e5f&subscriptionId=a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d',
    );
    // A new reinstatement: the first one ended, so the same customer and scope start afresh.
    const ids = [before, after].map((run) => /reinstatement (r-[0-9a-f]+)/.exec(run.output)?.[1]);
    expect(ids[0]).toBeDefined();
    expect(ids[1]).not.toBe(ids[0]);
    second.child.kill('SIGINT');
    expect(await second.exited).toBe(0);
  }, 600_000);
});
