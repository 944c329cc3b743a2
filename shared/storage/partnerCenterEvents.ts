import { odata, type TableClient } from '@azure/data-tables';
import { randomUUID } from 'node:crypto';
import { claim, release } from '../../lib/tables/claims';
import { isNotFound } from '../../lib/tables/tableErrors';

/** A delivery of an event already being handled this recently is taken to be in hand. */
const HANDLING_GRACE_MS = 2 * 60_000;
const PREFIX = 'pc-event-';
const keyOf = (eventId: string) => `${PREFIX}${eventId}`;

export type EventReceipt =
  /** First delivery (or the one before died while handling it): handle it, then `handled`. */
  | { kind: 'new'; ticket: string }
  /** Handled already: a redelivery or a replay, which changes nothing. */
  | { kind: 'handled' }
  /** Another delivery of the same event is being handled at this moment. */
  | { kind: 'in-hand' };

/**
 * The Partner Center events this app has received, by id (the SHA-256 of the signed body), so that a
 * redelivery or a replay of one is acted on once. Which delivery handles an event is decided by a
 * claim row (created only if absent), so deliveries at the same moment on several app instances
 * handle it once. Rows are kept for the retention window the inbox names, then pruned.
 */
export class PartnerCenterEventLog {
  constructor(private readonly table: TableClient) {}

  async receive(eventId: string, now: Date): Promise<EventReceipt> {
    const ticket = randomUUID();
    const outcome = await claim(
      this.table,
      keyOf(eventId),
      { holder: ticket, claimedAt: now.toISOString() },
      async (held) =>
        held.facts.handled === 'true' || now.getTime() - Date.parse(held.claimedAt) < HANDLING_GRACE_MS,
    );
    if (outcome.won) return { kind: 'new', ticket };
    return outcome.claim.facts.handled === 'true' ? { kind: 'handled' } : { kind: 'in-hand' };
  }

  async handled(eventId: string): Promise<void> {
    await this.table.updateEntity(
      { partitionKey: keyOf(eventId), rowKey: 'claim', handled: 'true' },
      'Merge',
    );
  }

  /** Handling failed: the next delivery of the event handles it. */
  failed(eventId: string, ticket: string): Promise<void> {
    return release(this.table, keyOf(eventId), ticket);
  }

  /** Forgets events received before `before` (at most `limit` at a time). */
  async prune(before: Date, limit = 100): Promise<number> {
    const old = this.table.listEntities<{ claimedAt: string }>({
      queryOptions: {
        filter: odata`PartitionKey ge ${PREFIX} and PartitionKey lt ${'pc-event.'} and claimedAt lt ${before.toISOString()}`,
      },
    });
    let removed = 0;
    for await (const row of old) {
      if (removed >= limit) break;
      try {
        await this.table.deleteEntity(String(row.partitionKey), String(row.rowKey));
        removed++;
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    }
    return removed;
  }
}
