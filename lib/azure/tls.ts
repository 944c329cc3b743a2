import { readFileSync } from 'node:fs';

let cache: { file: string; ca: string } | undefined;

/**
 * TLS settings for every Azure SDK client: the system's roots, or, when TLS_CA_FILE is set, that PEM
 * bundle instead (the sandbox's CA, or a TLS-inspecting proxy's). Read once.
 */
export function tlsOptions(file: string | undefined): { tlsOptions?: { ca: string } } {
  if (!file) return {};
  if (cache?.file !== file) cache = { file, ca: readFileSync(file, 'utf8') };
  return { tlsOptions: { ca: cache.ca } };
}
