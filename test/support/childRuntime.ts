import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { KEYS, SAMPLE_APP } from './runtimeHarness';

const MAIN = join(__dirname, '..', '..', 'dist', 'runtime', 'main.js');

export interface ChildRuntime {
  url: string;
  process: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output(): string;
}

/** Runs the compiled offline runtime in a child process with the sample app (npm test builds it first). */
export async function startChildRuntime(
  storage: string,
  settings: Record<string, string>,
  options: { app?: string; port?: number } = {},
): Promise<ChildRuntime> {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npm run build (npm test does)`);
  const args = [
    MAIN,
    '--app',
    options.app ?? SAMPLE_APP,
    '--storage',
    storage,
    '--port',
    String(options.port ?? 0),
    '--function-key',
    KEYS.functionKey,
    '--master-key',
    KEYS.masterKey,
  ];
  for (const [name, value] of Object.entries(settings)) args.push('--setting', `${name}=${value}`);
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const m = /runtime ready (\S+)/.exec(output);
      if (m) resolve(m[1] as string);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    void exited.then(({ code, signal }) =>
      reject(new Error(`runtime exited early (${code ?? signal}): ${output}`)),
    );
  });
  return { url, process: child, exited, output: () => output };
}
