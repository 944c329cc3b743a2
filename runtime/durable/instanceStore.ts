import { odata, type TableClient, type TableEntity, type TransactionAction } from '@azure/data-tables';
import { tableClient } from '../../lib/tables/tableClient';
import { readChunks, writeChunks } from '../../lib/tables/chunkedProperty';
import { isConflict, isNotFound, isPreconditionFailed, tableStatus } from '../../lib/tables/tableErrors';
import { EventType, type HistoryEvent, type IncomingEvent } from './historyEvents';
import type { InstanceMeta } from './instanceModel';

/**
 * Durable state in Table storage, one partition per instance, so that everything an episode
 * changes commits in one entity-group transaction:
 *   meta               the instance: status, input, output, custom status, history, engine state
 *   inbox-<t>-<n>      events waiting to be applied, in arrival order
 *   work-<id>          an activity or sub-orchestration to run
 *   timer-<id>         a durable timer and when it fires
 *   notify-parent      a finished sub-orchestration's result on its way to the parent
 */
export const META = 'meta';
export const NOTIFY_PARENT = 'notify-parent';

export type Row = TableEntity<Record<string, unknown>>;
export type StoredRow = Record<string, unknown> & { partitionKey?: string; rowKey?: string; etag: string };

export interface InboxMessage {
  rowKey: string;
  executionId: string;
  event: IncomingEvent;
}

export interface WorkItem {
  kind: 'activity' | 'subOrchestration';
  eventId: number;
  executionId: string;
  functionName: string;
  /** JSON text. */
  input: string | null;
  childInstanceId?: string;
}

export interface TimerItem {
  eventId: number;
  executionId: string;
  fireAt: string;
}

export interface ParentNotification {
  parentInstanceId: string;
  parentExecutionId: string;
  event: IncomingEvent;
  at: string;
}

const pad = (n: number) => String(n).padStart(10, '0');
export const workKey = (eventId: number) => `work-${pad(eventId)}`;
export const timerKey = (eventId: number) => `timer-${pad(eventId)}`;

let arrivals = 0;
/**
 * Inbox keys sort in arrival order: wall-clock milliseconds (not the controllable clock: arrival
 * order is about what happened first, not about simulated time), then a per-process counter.
 */
export function inboxKey(at = Date.now()): string {
  arrivals = (arrivals + 1) % 1_000_000;
  return `inbox-${String(at).padStart(15, '0')}-${String(arrivals).padStart(6, '0')}-${Math.random().toString(36).slice(2, 8)}`;
}

/** Table keys forbid / \ # ? and control characters; instance ids become partition keys. */
export function isValidInstanceId(id: string): boolean {
  return (
    id.length > 0 && id.length <= 256 && !/[/\\#?\u0000-\u001f\u007f-\u009f]/.test(id) && !id.startsWith('@')
  );
}

export function metaToEntity(meta: InstanceMeta): Row {
  return {
    partitionKey: meta.instanceId,
    rowKey: META,
    name: meta.name,
    status: meta.status,
    executionId: meta.executionId,
    createdTime: meta.createdTime,
    lastUpdatedTime: meta.lastUpdatedTime,
    ...writeChunks('input', meta.input ?? ''),
    hasInput: meta.input !== null,
    ...writeChunks('output', meta.output ?? ''),
    hasOutput: meta.output !== null,
    ...writeChunks('customStatus', meta.customStatus ?? ''),
    hasCustomStatus: meta.customStatus !== null,
    ...writeChunks('history', JSON.stringify(meta.history)),
    ...writeChunks('engine', JSON.stringify(meta.engine)),
    ...(meta.parent ? { parent: JSON.stringify(meta.parent) } : {}),
  };
}

export function entityToMeta(e: Record<string, unknown>): InstanceMeta {
  const meta: InstanceMeta = {
    instanceId: String(e.partitionKey),
    name: String(e.name),
    status: e.status as InstanceMeta['status'],
    executionId: String(e.executionId),
    createdTime: String(e.createdTime),
    lastUpdatedTime: String(e.lastUpdatedTime),
    input: e.hasInput ? readChunks('input', e) : null,
    output: e.hasOutput ? readChunks('output', e) : null,
    customStatus: e.hasCustomStatus ? readChunks('customStatus', e) : null,
    history: JSON.parse(readChunks('history', e) || '[]') as HistoryEvent[],
    engine: JSON.parse(readChunks('engine', e)) as InstanceMeta['engine'],
  };
  if (typeof e.parent === 'string') meta.parent = JSON.parse(e.parent) as InstanceMeta['parent'];
  return meta;
}

/**
 * The instances' rows. The offline runtime is one process, the only writer of its inbox rows, so
 * the store keeps an index of them in memory (rebuilt from storage by `pendingRows` at start-up) and
 * reads an instance's inbox by key: Azurite answers every query by scanning the whole table, which
 * made each episode's inbox query cost as much as the number of instances.
 */
export class InstanceStore {
  /** Each instance's inbox rows, with their message when this process wrote (or read) it. */
  private readonly inboxIndex = new Map<string, Map<string, InboxMessage | undefined>>();

  constructor(readonly table: TableClient) {}

  private noteInbox(instanceId: string, rowKey: string, message?: InboxMessage): void {
    let keys = this.inboxIndex.get(instanceId);
    if (!keys) this.inboxIndex.set(instanceId, (keys = new Map()));
    keys.set(rowKey, message);
  }

  private forgetInbox(instanceId: string, rowKey: string): void {
    const keys = this.inboxIndex.get(instanceId);
    if (!keys) return;
    keys.delete(rowKey);
    if (keys.size === 0) this.inboxIndex.delete(instanceId);
  }

  static fromConnectionString(connectionString: string, taskHubName: string): InstanceStore {
    return new InstanceStore(tableClient(connectionString, `${taskHubName}Instances`));
  }

  async ensure(): Promise<void> {
    await this.table.createTable();
  }

  async getMeta(instanceId: string): Promise<{ meta: InstanceMeta; etag: string } | undefined> {
    try {
      const e = await this.table.getEntity<Record<string, unknown>>(instanceId, META);
      return { meta: entityToMeta(e), etag: e.etag };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** Creates (or replaces a finished) instance together with its ExecutionStarted message, atomically. */
  async start(
    meta: InstanceMeta,
    started: InboxMessage,
    replaceEtag?: string,
  ): Promise<'started' | 'conflict'> {
    const actions: TransactionAction[] = [
      replaceEtag
        ? ['update', metaToEntity(meta), 'Replace', { etag: replaceEtag }]
        : ['create', metaToEntity(meta)],
      ['create', inboxEntity(meta.instanceId, started)],
    ];
    try {
      await this.table.submitTransaction(actions);
      this.noteInbox(meta.instanceId, started.rowKey, started);
      return 'started';
    } catch (error) {
      if (isConflict(error) || isPreconditionFailed(error)) return 'conflict';
      throw error;
    }
  }

  /** The instance's waiting events, oldest first (at most `max`). */
  async inbox(instanceId: string, max = 50): Promise<InboxMessage[]> {
    const known = this.inboxIndex.get(instanceId) ?? new Map<string, InboxMessage | undefined>();
    const keys = [...known.keys()].sort().slice(0, max);
    const messages: InboxMessage[] = [];
    for (const rowKey of keys) {
      const cached = known.get(rowKey);
      if (cached) {
        messages.push(cached);
        continue;
      }
      const e = await this.getRow(instanceId, rowKey);
      if (!e) {
        this.forgetInbox(instanceId, rowKey);
        continue;
      }
      messages.push({
        rowKey,
        executionId: String(e.executionId),
        event: JSON.parse(String(e.event)) as IncomingEvent,
      });
    }
    return messages;
  }

  async enqueue(instanceId: string, message: InboxMessage): Promise<void> {
    await this.table.createEntity(inboxEntity(instanceId, message));
    this.noteInbox(instanceId, message.rowKey, message);
  }

  /** Writes rows that must exist before an episode commits; safe to repeat (upserts). */
  async upsertRows(rows: Row[]): Promise<void> {
    for (let i = 0; i < rows.length; i += 100) {
      await this.table.submitTransaction(
        rows.slice(i, i + 100).map((r): TransactionAction => ['upsert', r, 'Replace']),
      );
    }
  }

  /**
   * Commits an episode: the new meta (if the ETag still matches), the consumed message removed,
   * and any extra rows (next ExecutionStarted, parent notification) added, all or nothing.
   */
  async commit(
    meta: InstanceMeta,
    etag: string,
    consumedRowKey: string | undefined,
    extra: Row[] = [],
  ): Promise<string | 'stale'> {
    const actions: TransactionAction[] = [['update', metaToEntity(meta), 'Replace', { etag }]];
    if (consumedRowKey) actions.push(['delete', { partitionKey: meta.instanceId, rowKey: consumedRowKey }]);
    for (const row of extra) actions.push(['upsert', row, 'Replace']);
    try {
      const response = await this.table.submitTransaction(actions);
      if (consumedRowKey) this.forgetInbox(meta.instanceId, consumedRowKey);
      for (const row of extra)
        if (String(row.rowKey).startsWith('inbox-')) this.noteInbox(meta.instanceId, String(row.rowKey));
      return response.subResponses[0]?.etag ?? (await this.getMeta(meta.instanceId))?.etag ?? '*';
    } catch (error) {
      if (isPreconditionFailed(error) || isNotFound(error) || isConflict(error)) return 'stale';
      throw error;
    }
  }

  /** Drops a message that no longer applies (an old execution's, or one for a finished instance). */
  async discard(instanceId: string, rowKey: string): Promise<void> {
    await this.deleteIfPresent(instanceId, rowKey);
  }

  async deleteIfPresent(instanceId: string, rowKey: string): Promise<void> {
    try {
      await this.table.deleteEntity(instanceId, rowKey);
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    this.forgetInbox(instanceId, rowKey);
  }

  async getRow(instanceId: string, rowKey: string): Promise<StoredRow | undefined> {
    try {
      return await this.table.getEntity<Record<string, unknown>>(instanceId, rowKey);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /**
   * Turns a work row or a timer row into an inbox message in one transaction: the row's deletion
   * (at its ETag) and the message's insertion succeed together or not at all, so a result or a
   * timer is delivered once even if two runners raced for it.
   */
  async deliver(instanceId: string, consumedRowKey: string, message: InboxMessage): Promise<boolean> {
    try {
      // A delete in a transaction fails with 404 when the row is gone, failing the whole batch.
      await this.table.submitTransaction([
        ['delete', { partitionKey: instanceId, rowKey: consumedRowKey }],
        ['create', inboxEntity(instanceId, message)],
      ]);
      this.noteInbox(instanceId, message.rowKey, message);
      return true;
    } catch (error) {
      if (isNotFound(error) || isPreconditionFailed(error) || isConflict(error)) return false;
      throw error;
    }
  }

  /** Every pending row, for rebuilding the in-memory queues after a (re)start. */
  async *pendingRows(): AsyncGenerator<StoredRow> {
    for await (const e of this.table.listEntities<Record<string, unknown>>({
      queryOptions: { filter: odata`RowKey ne ${META}` },
    })) {
      if (String(e.rowKey).startsWith('inbox-'))
        this.noteInbox(String(e.partitionKey), String(e.rowKey), {
          rowKey: String(e.rowKey),
          executionId: String(e.executionId),
          event: JSON.parse(String(e.event)) as IncomingEvent,
        });
      yield e;
    }
  }

  async listMeta(filter: string | undefined, pageSize: number, continuationToken?: string) {
    const iterator = this.table
      .listEntities<Record<string, unknown>>({
        queryOptions: { filter: filter ? `RowKey eq 'meta' and (${filter})` : `RowKey eq 'meta'` },
      })
      .byPage({ maxPageSize: pageSize, ...(continuationToken ? { continuationToken } : {}) });
    const page = await iterator.next();
    if (page.done) return { items: [] as InstanceMeta[] };
    return {
      items: page.value.map(entityToMeta),
      ...(page.value.continuationToken ? { continuationToken: page.value.continuationToken } : {}),
    };
  }

  async purge(instanceId: string): Promise<number> {
    const keys: string[] = [];
    for await (const e of this.table.listEntities({
      queryOptions: { filter: odata`PartitionKey eq ${instanceId}`, select: ['RowKey'] },
    })) {
      keys.push(String(e.rowKey));
    }
    for (let i = 0; i < keys.length; i += 100) {
      await this.table.submitTransaction(
        keys
          .slice(i, i + 100)
          .map((rowKey): TransactionAction => ['delete', { partitionKey: instanceId, rowKey }]),
      );
    }
    this.inboxIndex.delete(instanceId);
    return keys.includes(META) ? 1 : 0;
  }
}

/** The message that starts an execution (the first event of its history). */
export function startedMessage(meta: InstanceMeta): InboxMessage {
  return {
    rowKey: inboxKey(),
    executionId: meta.executionId,
    event: {
      EventType: EventType.ExecutionStarted,
      Name: meta.name,
      ...(meta.input !== null ? { Input: meta.input } : {}),
    },
  };
}

export function inboxEntity(instanceId: string, message: InboxMessage): Row {
  return {
    partitionKey: instanceId,
    rowKey: message.rowKey,
    executionId: message.executionId,
    event: JSON.stringify(message.event),
  };
}

export function workEntity(instanceId: string, item: WorkItem): Row {
  return {
    partitionKey: instanceId,
    rowKey: workKey(item.eventId),
    kind: item.kind,
    eventId: item.eventId,
    executionId: item.executionId,
    functionName: item.functionName,
    ...writeChunks('input', item.input ?? ''),
    hasInput: item.input !== null,
    ...(item.childInstanceId ? { childInstanceId: item.childInstanceId } : {}),
  };
}

export function entityToWork(e: Record<string, unknown>): WorkItem {
  return {
    kind: e.kind as WorkItem['kind'],
    eventId: Number(e.eventId),
    executionId: String(e.executionId),
    functionName: String(e.functionName),
    input: e.hasInput ? readChunks('input', e) : null,
    ...(typeof e.childInstanceId === 'string' ? { childInstanceId: e.childInstanceId } : {}),
  };
}

export function timerEntity(instanceId: string, item: TimerItem): Row {
  return {
    partitionKey: instanceId,
    rowKey: timerKey(item.eventId),
    eventId: item.eventId,
    executionId: item.executionId,
    fireAt: item.fireAt,
  };
}

export function notifyEntity(childInstanceId: string, n: ParentNotification): Row {
  return {
    partitionKey: childInstanceId,
    rowKey: NOTIFY_PARENT,
    parentInstanceId: n.parentInstanceId,
    parentExecutionId: n.parentExecutionId,
    event: JSON.stringify(n.event),
    at: n.at,
  };
}

export { tableStatus };
