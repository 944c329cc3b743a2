import type { TableClient } from '@azure/data-tables';
import { isConflict, isNotFound, isPreconditionFailed } from './tableErrors';
import { assertSafeTableKey } from './tableKeys';

/** The row that says who holds a claim, and since when, with anything the claimant stored beside. */
export interface ClaimRow {
  holder: string;
  claimedAt: string;
  facts: Record<string, string>;
}

/** Whether the work a claim names still runs: while it does, the claim is not taken over. */
export type StillHeld = (claim: ClaimRow) => Promise<boolean>;

export type ClaimOutcome = { won: true } | { won: false; claim: ClaimRow };

const MAX_ATTEMPTS = 16;

/**
 * "Exactly one of these runs", decided by Table storage rather than by a check-then-start that two
 * app instances can both pass: a claim is a row created only if absent (409 for everyone else), and
 * a claim whose work has ended is taken over only with the ETag it was read with (412 for everyone
 * else). Of any number of claimants at once, on any number of instances, one wins; the others are
 * told who holds it.
 */
export async function claim(
  table: TableClient,
  partitionKey: string,
  row: { holder: string; claimedAt: string; facts?: Record<string, string> },
  stillHeld: StillHeld,
): Promise<ClaimOutcome> {
  assertSafeTableKey(partitionKey, 'claim key');
  const entity = {
    partitionKey,
    rowKey: 'claim',
    holder: row.holder,
    claimedAt: row.claimedAt,
    ...row.facts,
  };
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    try {
      await table.createEntity(entity);
      return { won: true };
    } catch (error) {
      if (!isConflict(error)) throw error;
    }
    let current: (Record<string, unknown> & { etag: string }) | undefined;
    try {
      current = await table.getEntity<Record<string, unknown>>(partitionKey, 'claim');
    } catch (error) {
      if (isNotFound(error)) continue;
      throw error;
    }
    const held = claimRowOf(current);
    if (held.holder === row.holder) return { won: true };
    if (await stillHeld(held)) return { won: false, claim: held };
    try {
      await table.updateEntity(entity, 'Replace', { etag: current.etag });
      return { won: true };
    } catch (error) {
      if (!isPreconditionFailed(error) && !isNotFound(error)) throw error;
    }
  }
  throw new Error(`the claim ${partitionKey} kept changing; gave up after ${MAX_ATTEMPTS} attempts`);
}

/** The claim as it stands, if there is one. */
export async function readClaim(table: TableClient, partitionKey: string): Promise<ClaimRow | undefined> {
  try {
    return claimRowOf(await table.getEntity<Record<string, unknown>>(partitionKey, 'claim'));
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** Gives a claim up, if `holder` still holds it. */
export async function release(table: TableClient, partitionKey: string, holder: string): Promise<void> {
  try {
    const current = await table.getEntity<Record<string, unknown>>(partitionKey, 'claim');
    if (current.holder === holder) await table.deleteEntity(partitionKey, 'claim', { etag: current.etag });
  } catch (error) {
    if (!isNotFound(error) && !isPreconditionFailed(error)) throw error;
  }
}

const SYSTEM = new Set([
  'partitionKey',
  'rowKey',
  'etag',
  'timestamp',
  'holder',
  'claimedAt',
  'odata.metadata',
]);

function claimRowOf(entity: Record<string, unknown>): ClaimRow {
  const facts: Record<string, string> = {};
  for (const [k, v] of Object.entries(entity)) if (!SYSTEM.has(k) && typeof v === 'string') facts[k] = v;
  return { holder: String(entity.holder ?? ''), claimedAt: String(entity.claimedAt ?? ''), facts };
}
