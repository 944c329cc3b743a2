import { readFileSync } from 'node:fs';
import type { AppConfig } from '../config/appConfig';

let cache: { file: string; ca: string } | undefined;

/**
 * TLS settings for every Azure SDK client: the system's roots, or, when TLS_CA_FILE is set, that PEM
 * bundle instead (the sandbox's CA, or a TLS-inspecting proxy's). Read once.
 */
export function tlsOptions(config: Pick<AppConfig, 'identity'>): { tlsOptions?: { ca: string } } {
  const file = config.identity.caFile;
  if (!file) return {};
  if (cache?.file !== file) cache = { file, ca: readFileSync(file, 'utf8') };
  return { tlsOptions: { ca: cache.ca } };
}
