import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** A route's `authLevel`, as the app declares it. */
export type AuthLevel = 'anonymous' | 'function' | 'admin';

/**
 * The key a path needs, as in Azure: `function` and `admin` for the app's routes and the host's
 * admin API, `system` for an extension's webhook (the Durable Functions HTTP API), which takes the
 * extension's system key or the master key.
 *   https://learn.microsoft.com/azure/azure-functions/function-keys-how-to ("Invoke Durable Task
 *   extension APIs: system"; the master key "also provides administrative access to the runtime
 *   REST APIs")
 *   https://learn.microsoft.com/azure/azure-functions/durable/durable-functions-http-api ("systemKey:
 *   the authorization key required to invoke the API")
 */
export type KeyLevel = AuthLevel | 'system';

/**
 * The host's keys: a function key for `function` routes, the system key `durabletask_extension`
 * for the Durable Functions HTTP API, the master key for everything.
 */
export interface HostKeys {
  functionKey: string;
  masterKey: string;
  systemKey: string;
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** As the Functions host: a key in `x-functions-key` or the `code` query parameter. */
export function presentedKey(req: IncomingMessage, url: URL): string | undefined {
  const header = req.headers['x-functions-key'];
  return (Array.isArray(header) ? header[0] : header) ?? url.searchParams.get('code') ?? undefined;
}

export function isAuthorized(level: KeyLevel, key: string | undefined, keys: HostKeys): boolean {
  if (level === 'anonymous') return true;
  if (!key) return false;
  if (same(key, keys.masterKey)) return true;
  if (level === 'function') return same(key, keys.functionKey);
  if (level === 'system') return same(key, keys.systemKey);
  return false;
}

const NEEDED: Record<Exclude<KeyLevel, 'anonymous'>, string> = {
  function: 'a function key',
  admin: 'the master key',
  system: "the Durable Functions extension's system key (durabletask_extension) or the master key",
};

/**
 * What a 401 says (RFC 9457 problem document): which key the path needs and how to send it.
 * Azure's host answers an empty 401; saying what to send costs nothing and reveals no key.
 */
export function missingKeyProblem(level: Exclude<KeyLevel, 'anonymous'>, sent: boolean) {
  return {
    type: 'about:blank',
    title: sent ? 'The key is not valid here' : 'A key is required',
    status: 401,
    detail: `${sent ? 'The key sent is not one this path accepts. ' : ''}This path needs ${NEEDED[level]}: send it in the x-functions-key header or as the code query parameter (?code=).`,
    neededKey: level,
  };
}
