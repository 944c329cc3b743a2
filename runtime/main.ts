/**
 * Runs a function app on the offline runtime:
 *   node dist/runtime/main.js --app <folder> --storage <connection string> [--port 7071]
 *     [--function-key K] [--master-key K] [--system-key K] [--setting NAME=VALUE ...]
 * Prints one line `runtime ready <url>` when it serves requests. SIGINT/SIGTERM stop it cleanly.
 */
import { parseArgs } from 'node:util';
import { FunctionHost } from './functionHost';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      app: { type: 'string' },
      storage: { type: 'string' },
      port: { type: 'string', default: '7071' },
      'function-key': { type: 'string' },
      'master-key': { type: 'string' },
      'system-key': { type: 'string' },
      setting: { type: 'string', multiple: true, default: [] },
    },
  });
  if (!values.app || !values.storage)
    throw new Error('usage: main.js --app <folder> --storage <connection string> [--port N]');
  const settings: Record<string, string> = {};
  for (const pair of values.setting ?? []) {
    const eq = pair.indexOf('=');
    if (eq < 1) throw new Error(`--setting expects NAME=VALUE, got ${pair}`);
    settings[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  const host = await FunctionHost.start({
    appRoot: values.app,
    settings,
    storageConnectionString: values.storage,
    port: Number(values.port),
    keys: {
      ...(values['function-key'] ? { functionKey: values['function-key'] } : {}),
      ...(values['master-key'] ? { masterKey: values['master-key'] } : {}),
      ...(values['system-key'] ? { systemKey: values['system-key'] } : {}),
    },
  });
  console.log(`runtime ready ${host.url}`);
  const stop = async () => {
    await host.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
