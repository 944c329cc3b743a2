import { odata, type TableClient } from '@azure/data-tables';
import { randomInt } from 'node:crypto';
import { isConflict, isNotFound, isPreconditionFailed } from '../../lib/tables/tableErrors';

/** Counter rows per reinstatement: clicks that arrive together mostly land on different rows. */
const SHARDS = 16;
const MAX_ATTEMPTS = 64;
const shardKey = (n: number) => `clicks-${String(n).padStart(2, '0')}`;
const HOUR_ROW = 'clicks-hour';

/**
 * The invitation link's clicks, beside the reinstatement's record in its partition. A mail scanner
 * that pre-fetches a link sends dozens of requests at once; counting them on the record would make
 * every click wait for every other (one row, optimistic concurrency). Here each click adds one to
 * a randomly chosen one of 16 counter rows (a conflict moves it to another), so any number of
 * clicks at once all count; the total is their sum. Which click of an hour is the first (the one
 * that writes the hour's audit row) is decided by a conditional write of one row.
 */
export class LinkClicks {
  constructor(private readonly table: TableClient) {}

  /** Counts one click; answers the total so far, this click included. */
  async add(reinstatementId: string): Promise<number> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const rowKey = shardKey(randomInt(SHARDS));
      try {
        const row = await this.table.getEntity<{ count?: number }>(reinstatementId, rowKey);
        await this.table.updateEntity(
          { partitionKey: reinstatementId, rowKey, count: Number(row.count ?? 0) + 1 },
          'Replace',
          { etag: row.etag },
        );
        return this.total(reinstatementId);
      } catch (error) {
        if (isNotFound(error)) {
          try {
            await this.table.createEntity({ partitionKey: reinstatementId, rowKey, count: 1 });
            return this.total(reinstatementId);
          } catch (created) {
            if (!isConflict(created)) throw created;
          }
        } else if (!isPreconditionFailed(error)) throw error;
      }
    }
    throw new Error(`the click on ${reinstatementId} found every counter row busy ${MAX_ATTEMPTS} times`);
  }

  async total(reinstatementId: string): Promise<number> {
    let sum = 0;
    for await (const row of this.table.listEntities<{ count?: number }>({
      queryOptions: {
        filter: odata`PartitionKey eq ${reinstatementId} and RowKey ge ${shardKey(0)} and RowKey le ${shardKey(SHARDS - 1)}`,
        select: ['count'],
      },
    }))
      sum += Number(row.count ?? 0);
    return sum;
  }

  /** True for exactly one caller per `hour` (e.g. `2026-12-04T15`): the first click of that hour. */
  async claimHour(reinstatementId: string, hour: string): Promise<boolean> {
    try {
      const row = await this.table.getEntity<{ hour?: string }>(reinstatementId, HOUR_ROW);
      if (row.hour === hour) return false;
      await this.table.updateEntity({ partitionKey: reinstatementId, rowKey: HOUR_ROW, hour }, 'Replace', {
        etag: row.etag,
      });
      return true;
    } catch (error) {
      if (isPreconditionFailed(error)) return false;
      if (!isNotFound(error)) throw error;
    }
    try {
      await this.table.createEntity({ partitionKey: reinstatementId, rowKey: HOUR_ROW, hour });
      return true;
    } catch (error) {
      if (isConflict(error)) return false;
      throw error;
    }
  }

  /** Gives the hour back (its audit row could not be written), so that a later click writes it. */
  async releaseHour(reinstatementId: string, hour: string): Promise<void> {
    try {
      const row = await this.table.getEntity<{ hour?: string }>(reinstatementId, HOUR_ROW);
      if (row.hour === hour) await this.table.deleteEntity(reinstatementId, HOUR_ROW, { etag: row.etag });
    } catch (error) {
      if (!isNotFound(error) && !isPreconditionFailed(error)) throw error;
    }
  }
}
