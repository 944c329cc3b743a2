import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** What the runtime honours from host.json and package.json, as the Functions host does. */
export interface HostConfig {
  appRoot: string;
  /** The app's entry module (package.json `main`), absolute. */
  main: string;
  routePrefix: string;
  taskHubName: string;
  /** durableTask.maxConcurrentOrchestratorFunctions / maxConcurrentActivityFunctions. */
  maxConcurrentOrchestrations: number;
  maxConcurrentActivities: number;
}

/** Replaces `%SETTING%` binding expressions with app settings, as the host does for bindings and host.json. */
export function resolveSettingExpression(
  value: string,
  settings: Record<string, string | undefined>,
): string {
  return value.replace(/%([A-Za-z0-9_.:-]+)%/g, (whole, name: string) => {
    const resolved = settings[name];
    if (resolved === undefined || resolved === '')
      throw new Error(`The app setting ${name} (used as ${whole}) is not set`);
    return resolved;
  });
}

export function readHostConfig(appRoot: string, settings: Record<string, string | undefined>): HostConfig {
  const root = resolve(appRoot);
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { main?: string };
  if (!pkg.main)
    throw new Error(`${join(root, 'package.json')} has no "main": the host would find no functions`);
  const host = JSON.parse(readFileSync(join(root, 'host.json'), 'utf8')) as {
    version?: string;
    extensions?: {
      http?: { routePrefix?: string };
      durableTask?: {
        hubName?: string;
        maxConcurrentOrchestratorFunctions?: number;
        maxConcurrentActivityFunctions?: number;
      };
    };
  };
  if (host.version !== '2.0') throw new Error('host.json must declare "version": "2.0" (Functions v4)');
  const routePrefix = (host.extensions?.http?.routePrefix ?? 'api').replace(/^\/+|\/+$/g, '');
  const hubSetting = host.extensions?.durableTask?.hubName ?? 'TestHubName';
  const taskHubName = resolveSettingExpression(hubSetting, settings);
  if (!/^[A-Za-z][A-Za-z0-9]{2,44}$/.test(taskHubName)) {
    throw new Error(`Task hub name "${taskHubName}" must be 3-45 letters and digits, starting with a letter`);
  }
  const durable = host.extensions?.durableTask ?? {};
  const limit = (value: number | undefined, fallback: number) =>
    Number.isInteger(value) && (value as number) > 0 ? (value as number) : fallback;
  return {
    appRoot: root,
    main: join(root, pkg.main),
    routePrefix,
    taskHubName,
    maxConcurrentOrchestrations: limit(durable.maxConcurrentOrchestratorFunctions, 16),
    maxConcurrentActivities: limit(durable.maxConcurrentActivityFunctions, 32),
  };
}

/**
 * The address people and Microsoft reach the app at (the app setting PUBLIC_BASE_URL: a dev tunnel,
 * `http://localhost:7071`, the custom domain), when set; the runtime builds every absolute URL it
 * hands out from it (the sign-in callback, redirects, the request URL the app sees, the durable
 * API's management URLs), as the platform builds them from the site's public host name.
 */
export function publicBaseFrom(value: string | undefined): string | undefined {
  if (!value?.trim()) return undefined;
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new Error(`PUBLIC_BASE_URL "${value}" is not an absolute URL`);
  }
  if (!['http:', 'https:'].includes(url.protocol) || url.search || url.hash || url.username || url.password)
    throw new Error('PUBLIC_BASE_URL must be an http(s) address without credentials, query or fragment');
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}
