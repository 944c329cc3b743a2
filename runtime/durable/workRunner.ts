import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock';
import type { RpcParameterBinding } from '../worker/coreTypes';
import type { RegisteredFunction } from '../worker/functionsCore';
import { bindingOfType, type Invoker } from '../worker/invoker';
import { typedDataToJsonText } from './episode';
import { EventType, failureFields, type IncomingEvent } from './historyEvents';
import type { InstanceCache } from './instanceCache';
import { isTerminal, newInstanceMeta } from './instanceModel';
import {
  entityToWork,
  inboxKey,
  NOTIFY_PARENT,
  startedMessage,
  type InstanceStore,
  type StoredRow,
  type WorkItem,
} from './instanceStore';
import type { Scheduler } from './scheduler';

/**
 * Runs work rows: an activity (at least once; its result delivered exactly once, by a transaction
 * that deletes the row and adds the result to the inbox), a sub-orchestration's start, or a finished
 * sub-orchestration's result on its way to the parent.
 */
export class WorkRunner {
  activities = 0;
  /** The work rows' content, as written: the runtime is their only writer, so it need not read them back. */
  private readonly known = new Map<string, WorkItem>();

  constructor(
    private readonly store: InstanceStore,
    private readonly cache: InstanceCache,
    private readonly invoker: Invoker,
    private readonly clock: Clock,
    private readonly scheduler: Scheduler,
    private readonly extraInputs: (fn: RegisteredFunction) => RpcParameterBinding[],
  ) {}

  remember(instanceId: string, rowKey: string, item: WorkItem): void {
    this.known.set(`${instanceId}\u0000${rowKey}`, item);
  }

  async run(instanceId: string, rowKey: string): Promise<void> {
    if (rowKey === NOTIFY_PARENT) return this.notifyParent(instanceId);
    const key = `${instanceId}\u0000${rowKey}`;
    const known = this.known.get(key);
    this.known.delete(key);
    const row = known ? undefined : await this.store.getRow(instanceId, rowKey);
    if (!known && !row) return;
    const item = known ?? entityToWork(row as StoredRow);
    const owner = await this.cache.peek(instanceId);
    if (!owner || owner.meta.executionId !== item.executionId || isTerminal(owner.meta.status)) {
      await this.store.deleteIfPresent(instanceId, rowKey);
      return;
    }
    if (item.kind === 'subOrchestration')
      return this.startChild(instanceId, owner.meta.executionId, rowKey, item);

    let event: IncomingEvent;
    try {
      const fn = this.invoker.find(item.functionName);
      const binding = bindingOfType(fn, 'activityTrigger');
      if (!binding) throw new Error(`${item.functionName} is not an activity function`);
      const response = await this.invoker.invoke(fn.metadata.name, [
        { name: binding, data: { json: item.input ?? 'null' } },
        ...this.extraInputs(fn),
      ]);
      event = {
        EventType: EventType.TaskCompleted,
        TaskScheduledId: item.eventId,
        Result: typedDataToJsonText(response.returnValue),
      };
    } catch (error) {
      event = { EventType: EventType.TaskFailed, TaskScheduledId: item.eventId, ...failureFields(error) };
    }
    this.activities++;
    if (this.scheduler.stopped) return;
    const delivered = await this.store.deliver(instanceId, rowKey, {
      rowKey: inboxKey(),
      executionId: item.executionId,
      event,
    });
    if (delivered) this.scheduler.markReady(instanceId);
  }

  private async startChild(
    parentId: string,
    parentExecutionId: string,
    rowKey: string,
    item: WorkItem,
  ): Promise<void> {
    const childId = item.childInstanceId as string;
    const existing = await this.store.getMeta(childId);
    if (!existing || isTerminal(existing.meta.status)) {
      const meta = newInstanceMeta({
        instanceId: childId,
        name: item.functionName,
        executionId: randomUUID(),
        input: item.input,
        now: this.clock.now(),
        parent: { instanceId: parentId, executionId: parentExecutionId, taskId: item.eventId },
      });
      if ((await this.store.start(meta, startedMessage(meta), existing?.etag)) === 'started')
        this.scheduler.markReady(childId);
    }
    await this.store.deleteIfPresent(parentId, rowKey);
  }

  private async notifyParent(childId: string): Promise<void> {
    const row = await this.store.getRow(childId, NOTIFY_PARENT);
    if (!row) return;
    const parentId = String(row.parentInstanceId);
    // A duplicate delivery (crash between these two writes) is harmless: durable-functions ignores a
    // second completion for a task it already completed.
    await this.store.enqueue(parentId, {
      rowKey: inboxKey(Date.parse(String(row.at))),
      executionId: String(row.parentExecutionId),
      event: JSON.parse(String(row.event)) as IncomingEvent,
    });
    await this.store.deleteIfPresent(childId, NOTIFY_PARENT);
    this.scheduler.markReady(parentId);
  }
}
