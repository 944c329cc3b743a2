import type { TableClient } from '@azure/data-tables';
import { tableClient } from '../../lib/tables/tableClient';

/**
 * The sessions people signed out of, so that a session cookie copied before sign-out is refused
 * after it, also after a restart. One row per ended session in Table storage (`<hub>SignOuts`),
 * kept until the session would have expired anyway. The runtime is one process: it reads the rows
 * once at start and writes each sign-out through, so a request costs a lookup in memory.
 */
export class SignOuts {
  private readonly ended = new Map<string, number>();

  private constructor(private readonly table: TableClient) {}

  static async open(connectionString: string, taskHubName: string, nowSeconds: number): Promise<SignOuts> {
    const signOuts = new SignOuts(tableClient(connectionString, `${taskHubName}SignOuts`));
    await signOuts.table.createTable();
    const expired: string[] = [];
    for await (const row of signOuts.table.listEntities<{ expiresAt?: number }>()) {
      const { rowKey, expiresAt } = row;
      if (!rowKey || typeof expiresAt !== 'number') continue;
      if (expiresAt > nowSeconds) signOuts.ended.set(rowKey, expiresAt);
      else expired.push(rowKey);
    }
    // Rows of sessions that expired on their own are no longer needed.
    for (const rowKey of expired) await signOuts.table.deleteEntity('session', rowKey).catch(() => undefined);
    return signOuts;
  }

  isEnded(sessionId: string): boolean {
    return this.ended.has(sessionId);
  }

  /** Ends a session for good; idempotent. Refused in memory at once, durable once this resolves. */
  async end(sessionId: string, expiresAt: number): Promise<void> {
    this.ended.set(sessionId, expiresAt);
    await this.table.upsertEntity({ partitionKey: 'session', rowKey: sessionId, expiresAt }, 'Replace');
  }
}
