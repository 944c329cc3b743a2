import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export type AuthLevel = 'anonymous' | 'function' | 'admin';

/** The host's keys: a function key for `function` routes, the master key for everything. */
export interface HostKeys {
  functionKey: string;
  masterKey: string;
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

export function isAuthorized(level: AuthLevel, key: string | undefined, keys: HostKeys): boolean {
  if (level === 'anonymous') return true;
  if (!key) return false;
  if (same(key, keys.masterKey)) return true;
  return level === 'function' && same(key, keys.functionKey);
}
