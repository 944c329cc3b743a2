/** Azure tenant, subscription and object ids are GUIDs in their canonical 8-4-4-4-12 hex form. */
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isGuid(value: unknown): value is string {
  return typeof value === 'string' && GUID.test(value);
}

/** GUIDs compare case-insensitively in Azure; we store and render them lower-case. */
export function normalizeGuid(value: string): string {
  return value.toLowerCase();
}

export const GUID_RULE = 'must be a GUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)';

/**
 * Reinstatement ids appear in URLs, customer tokens, durable instance ids and table keys, so they are
 * drawn from an alphabet that is safe in all four.
 */
const REINSTATEMENT_ID = /^[A-Za-z0-9_-]{1,64}$/;

export function isReinstatementId(value: unknown): value is string {
  return typeof value === 'string' && REINSTATEMENT_ID.test(value);
}
