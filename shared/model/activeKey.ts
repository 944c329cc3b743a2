import { createHash } from 'node:crypto';
import { scopeKey } from './scopes';

/** Identifies "the same customer and scopes": a running reinstatement for it is never twinned. */
export function activeKey(customerTenantId: string, scopes: readonly (string | { scope: string })[]): string {
  const keys = scopes.map((s) => scopeKey(typeof s === 'string' ? s : s.scope)).sort();
  return createHash('sha256')
    .update(`${customerTenantId.toLowerCase()}|${keys.join('|')}`)
    .digest('hex');
}
