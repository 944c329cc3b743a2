import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock';
import { TimerQueue, type DueTimer } from './timerQueue';
import type { RpcParameterBinding } from '../worker/coreTypes';
import type { RegisteredFunction } from '../worker/functionsCore';
import { bindingOfType, type Invoker } from '../worker/invoker';
import {
  decideEpisode,
  outOfProcState,
  parentEvent,
  typedDataToJsonText,
  type OrchestratorState,
  type TimerSettings,
} from './episode';
import {
  EventType,
  failureFields,
  historyEvent,
  type HistoryEvent,
  type IncomingEvent,
} from './historyEvents';
import { freshEngineState, isTerminal, type InstanceMeta } from './instanceModel';
import {
  entityToWork,
  inboxKey,
  InstanceStore,
  notifyEntity,
  NOTIFY_PARENT,
  timerEntity,
  timerKey,
  workEntity,
  workKey,
  type InboxMessage,
  type Row,
  type StoredRow,
  type WorkItem,
} from './instanceStore';

export interface EngineOptions {
  store: InstanceStore;
  invoker: Invoker;
  clock: Clock;
  /** How many instances (with their histories) are kept in memory between episodes. */
  cachedInstances?: number;
  /** The bindings the host adds to an invocation besides its trigger (the durable client's data). */
  extraInputs?: (fn: RegisteredFunction) => RpcParameterBinding[];
  maxConcurrentOrchestrations?: number;
  maxConcurrentActivities?: number;
  log?: (message: string) => void;
}

/** durable-functions refuses to run without these (TimeSpan strings, d.hh:mm:ss). */
export const MAXIMUM_SHORT_TIMER = '6.00:00:00';
export const LONG_RUNNING_TIMER_INTERVAL = '3.00:00:00';
const TIMER_SETTINGS: TimerSettings = {
  maximumShortTimerMs: 6 * 86_400_000,
  longRunningTimerIntervalMs: 3 * 86_400_000,
};
/** Replay schema V3: what today's Durable extension negotiates (WhenAny/WhenAll trees, long timers). */
const UPPER_SCHEMA_VERSION = 2;

export type StartOutcome =
  { started: true; instanceId: string } | { started: false; reason: 'running' | 'unknown-function' };
export type SignalOutcome = 'accepted' | 'not-found' | 'gone';

interface Cached {
  meta: InstanceMeta;
  etag: string;
}

/**
 * Runs orchestrations through durable-functions' own replay, with all state in Table storage.
 * In-memory queues only say what to look at next; storage is the truth, and a restart rebuilds the
 * queues from it (recover()). Each instance runs one episode at a time; instances run in parallel
 * up to a bound; activities run at least once and their results are delivered exactly once.
 */
export class OrchestrationEngine {
  private readonly store: InstanceStore;
  private readonly invoker: Invoker;
  private readonly clock: Clock;
  private readonly maxOrchestrations: number;
  private readonly maxActivities: number;
  private readonly log: (message: string) => void;
  private readonly extraInputs: (fn: RegisteredFunction) => RpcParameterBinding[];

  private readonly ready = new Set<string>();
  private readonly running = new Set<string>();
  private readonly again = new Set<string>();
  private readonly work: { instanceId: string; rowKey: string }[] = [];
  private readonly queuedWork = new Set<string>();
  /** The work rows' content, as written: the runtime is their only writer, so it need not read them back. */
  private readonly workItems = new Map<string, WorkItem>();
  private workRunning = 0;
  private readonly timers = new TimerQueue();
  /** Recently active instances, most recent last; the rest are read again when their turn comes. */
  private readonly cache = new Map<string, Cached>();
  private readonly cacheLimit: number;
  private idleWaiters: (() => void)[] = [];
  private failures: Error[] = [];
  private realTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly unsubscribe: () => void;
  readonly stats = { episodes: 0, activities: 0 };

  constructor(options: EngineOptions) {
    this.store = options.store;
    this.invoker = options.invoker;
    this.clock = options.clock;
    this.maxOrchestrations = options.maxConcurrentOrchestrations ?? 16;
    this.maxActivities = options.maxConcurrentActivities ?? 32;
    this.log = options.log ?? (() => {});
    this.extraInputs = options.extraInputs ?? (() => []);
    this.cacheLimit = options.cachedInstances ?? 1000;
    this.unsubscribe = this.clock.onAdvance(() => this.pump());
  }

  /** Rebuilds the queues from storage: whatever was pending when the last process stopped goes on. */
  async recover(): Promise<void> {
    await this.store.ensure();
    for await (const row of this.store.pendingRows()) {
      const instanceId = String(row.partitionKey);
      const rowKey = String(row.rowKey);
      if (rowKey.startsWith('inbox-')) this.ready.add(instanceId);
      else if (rowKey === NOTIFY_PARENT) this.queueWork(instanceId, rowKey);
      else if (rowKey.startsWith('work-')) this.queueWork(instanceId, rowKey, entityToWork(row));
      else if (rowKey.startsWith('timer-'))
        this.addTimer({
          fireAt: Date.parse(String(row.fireAt)),
          instanceId,
          rowKey,
          executionId: String(row.executionId),
          eventId: Number(row.eventId),
          fireAtText: String(row.fireAt),
        });
    }
    this.pump();
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe();
    if (this.realTimer) clearTimeout(this.realTimer);
  }

  // ---- the client side: start, raise, terminate ----

  async start(name: string, instanceId: string | undefined, inputText: string | null): Promise<StartOutcome> {
    const fn = this.invoker.tryFind(name);
    if (!fn || !bindingOfType(fn, 'orchestrationTrigger'))
      return { started: false, reason: 'unknown-function' };
    const id = instanceId ?? randomUUID().replace(/-/g, '');
    // A generated id is new by construction; a chosen one may name a finished instance to replace.
    const existing = instanceId === undefined ? undefined : await this.peek(id);
    if (existing && !isTerminal(existing.meta.status)) return { started: false, reason: 'running' };
    const now = this.clock.now().toISOString();
    const meta: InstanceMeta = {
      instanceId: id,
      name: fn.metadata.name,
      status: 'Pending',
      executionId: randomUUID(),
      createdTime: now,
      lastUpdatedTime: now,
      input: inputText,
      output: null,
      customStatus: null,
      history: [],
      engine: freshEngineState(),
    };
    const outcome = await this.store.start(meta, this.startedMessage(meta), existing?.etag);
    if (outcome === 'conflict') return { started: false, reason: 'running' };
    this.cache.delete(id);
    this.markReady(id);
    return { started: true, instanceId: id };
  }

  async raiseEvent(instanceId: string, name: string, inputText: string | null): Promise<SignalOutcome> {
    const found = await this.peek(instanceId);
    if (!found) return 'not-found';
    if (isTerminal(found.meta.status)) return 'gone';
    // External events belong to the instance, not to one execution: they survive continue-as-new.
    await this.store.enqueue(instanceId, {
      rowKey: inboxKey(),
      executionId: '',
      event: {
        EventType: EventType.EventRaised,
        Name: name,
        ...(inputText !== null ? { Input: inputText } : {}),
      },
    });
    this.markReady(instanceId);
    return 'accepted';
  }

  async terminate(instanceId: string, reason: string): Promise<SignalOutcome> {
    for (let attempt = 0; attempt < 10; attempt++) {
      const found = await this.peek(instanceId);
      if (!found) return 'not-found';
      if (isTerminal(found.meta.status)) return 'gone';
      const meta = {
        ...found.meta,
        status: 'Terminated' as const,
        output: JSON.stringify(reason),
        lastUpdatedTime: this.clock.now().toISOString(),
      };
      const notify = parentEvent(meta);
      const extra = notify
        ? [
            notifyEntity(instanceId, {
              parentInstanceId: meta.parent!.instanceId,
              parentExecutionId: meta.parent!.executionId,
              event: notify,
              at: meta.lastUpdatedTime,
            }),
          ]
        : [];
      const etag = await this.store.commit(meta, found.etag, undefined, extra);
      if (etag === 'stale') {
        this.cache.delete(instanceId);
        continue;
      }
      this.cache.delete(instanceId);
      if (notify) this.queueWork(instanceId, NOTIFY_PARENT);
      this.pump();
      return 'accepted';
    }
    throw new Error(`could not terminate ${instanceId}: it kept changing`);
  }

  async purge(instanceId: string): Promise<number> {
    this.cache.delete(instanceId);
    return this.store.purge(instanceId);
  }

  // ---- waiting (tests, benchmarks) ----

  /** Resolves once nothing is ready, running or due. Throws what went wrong inside, if anything did. */
  whenIdle(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.idleWaiters.push(resolve);
      this.checkIdle();
    }).then(() => {
      const failures = this.failures;
      this.failures = [];
      if (failures.length) throw failures[0];
    });
  }

  /** When the next durable timer is due, if any is pending (tests jump the clock there). */
  nextTimerAt(): Date | undefined {
    const first = this.timers.peek();
    return first ? new Date(first.fireAt) : undefined;
  }

  private isIdle(): boolean {
    const now = this.clock.now().getTime();
    return (
      this.ready.size === 0 &&
      this.running.size === 0 &&
      this.work.length === 0 &&
      this.workRunning === 0 &&
      !((this.timers.peek()?.fireAt ?? Infinity) <= now)
    );
  }

  private checkIdle(): void {
    if (!this.isIdle()) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  // ---- scheduling ----

  private markReady(instanceId: string): void {
    if (this.running.has(instanceId)) this.again.add(instanceId);
    else this.ready.add(instanceId);
    this.pump();
  }

  /** Queues a work row; `item` is its content when known (this process wrote it, or just read it). */
  private queueWork(instanceId: string, rowKey: string, item?: WorkItem): void {
    const key = `${instanceId}\u0000${rowKey}`;
    if (item) this.workItems.set(key, item);
    if (this.queuedWork.has(key)) return;
    this.queuedWork.add(key);
    this.work.push({ instanceId, rowKey });
  }

  private addTimer(timer: DueTimer): void {
    this.timers.add(timer);
  }

  private pump(): void {
    if (this.stopped) return;
    for (const instanceId of [...this.ready]) {
      if (this.running.size >= this.maxOrchestrations) break;
      this.ready.delete(instanceId);
      this.running.add(instanceId);
      void this.guard(this.processInstance(instanceId)).finally(() => {
        this.running.delete(instanceId);
        if (this.again.delete(instanceId)) this.ready.add(instanceId);
        this.pump();
      });
    }
    while (this.workRunning < this.maxActivities && this.work.length > 0) {
      const item = this.work.shift()!;
      this.queuedWork.delete(`${item.instanceId}\u0000${item.rowKey}`);
      this.workRunning++;
      void this.guard(this.runWork(item.instanceId, item.rowKey)).finally(() => {
        this.workRunning--;
        this.pump();
      });
    }
    this.fireDueTimers();
    this.checkIdle();
  }

  private async guard(task: Promise<void>): Promise<void> {
    try {
      await task;
    } catch (error) {
      if (this.stopped) return;
      const e = error instanceof Error ? error : new Error(String(error));
      this.log(`durable engine: ${e.message}`);
      this.failures.push(e);
    }
  }

  private fireDueTimers(): void {
    const now = this.clock.now().getTime();
    for (const timer of this.timers.takeDue(now)) {
      this.workRunning++;
      void this.guard(this.fireTimer(timer)).finally(() => {
        this.workRunning--;
        this.pump();
      });
    }
    const next = this.timers.peek();
    if (!this.clock.manual && next) {
      if (this.realTimer) clearTimeout(this.realTimer);
      const wait = Math.min(Math.max(0, next.fireAt - now), 60_000);
      this.realTimer = setTimeout(() => this.pump(), wait);
      this.realTimer.unref();
    }
  }

  private async fireTimer(timer: DueTimer): Promise<void> {
    // Delivery deletes the timer row in the same transaction: a timer cancelled meanwhile (its row
    // deleted) is not delivered.
    const delivered = await this.store.deliver(timer.instanceId, timer.rowKey, {
      rowKey: inboxKey(),
      executionId: timer.executionId,
      event: { EventType: EventType.TimerFired, TimerId: timer.eventId, FireAt: timer.fireAtText },
    });
    if (delivered) this.markReady(timer.instanceId);
  }

  // ---- episodes ----

  private async processInstance(instanceId: string): Promise<void> {
    const PAGE = 50;
    for (;;) {
      const messages = await this.store.inbox(instanceId, PAGE);
      let consumed = 0;
      for (const message of this.inApplyOrder(instanceId, messages)) {
        if (this.stopped) return;
        if (await this.apply(instanceId, message)) consumed++;
      }
      // A short page was the whole inbox: anything that arrived since flagged the instance again
      // (markReady), so there is no need to read it once more. Nothing applicable: wait for more.
      if (messages.length < PAGE || consumed === 0) return;
    }
  }

  /** A new execution's ExecutionStarted goes first; everything else stays in arrival order. */
  private inApplyOrder(instanceId: string, messages: InboxMessage[]): InboxMessage[] {
    const current = this.cache.get(instanceId)?.meta;
    const starts = messages.filter(
      (m) =>
        m.event.EventType === EventType.ExecutionStarted &&
        (!current || m.executionId === current.executionId),
    );
    return [...starts, ...messages.filter((m) => !starts.includes(m))];
  }

  /**
   * The instance, for its episode: read once and kept, since episodes of one instance run one at a
   * time and this process is the only writer. Finished instances are not kept.
   */
  private async load(instanceId: string): Promise<Cached | undefined> {
    const cached = this.cache.get(instanceId);
    if (cached) return cached;
    const found = await this.store.getMeta(instanceId);
    if (found && !isTerminal(found.meta.status)) this.remember(instanceId, found);
    return found;
  }

  private remember(instanceId: string, cached: Cached): void {
    this.cache.delete(instanceId);
    this.cache.set(instanceId, cached);
    if (this.cache.size > this.cacheLimit) this.cache.delete(this.cache.keys().next().value as string);
  }

  /**
   * The instance, for everything but its episodes (status, events, starts, activities): what is
   * kept, or a fresh read that is not kept, since it may race an episode's commit and be older.
   */
  private async peek(instanceId: string): Promise<Cached | undefined> {
    return this.cache.get(instanceId) ?? (await this.store.getMeta(instanceId));
  }

  /** Applies one message as one episode; false when it must wait (the instance has not started yet). */
  private async apply(instanceId: string, message: InboxMessage): Promise<boolean> {
    for (let attempt = 0; attempt < 10; attempt++) {
      const current = await this.load(instanceId);
      if (!current || this.isStale(current.meta, message)) {
        await this.store.discard(instanceId, message.rowKey);
        return true;
      }
      if (current.meta.status === 'Pending' && message.event.EventType !== EventType.ExecutionStarted)
        return false;

      const { history, processed } = this.episodeHistory(current.meta, message);
      const { state, failure } = await this.runOrchestrator(current.meta, history);
      this.stats.episodes++;
      const decided = decideEpisode(
        current.meta,
        history,
        processed,
        state,
        failure,
        this.clock.now(),
        TIMER_SETTINGS,
      );
      const meta = decided.meta;

      const rows: Row[] = [
        ...decided.work.map((w) => workEntity(instanceId, w)),
        ...decided.timers.map((t) => timerEntity(instanceId, t)),
      ];
      const extra: Row[] = [];
      let nextStart: InboxMessage | undefined;
      if (decided.continuedAsNew) {
        meta.executionId = randomUUID();
        meta.status = 'Pending';
        meta.history = [];
        meta.engine = freshEngineState();
        meta.output = null;
        nextStart = this.startedMessage(meta);
        extra.push({
          partitionKey: instanceId,
          rowKey: nextStart.rowKey,
          executionId: nextStart.executionId,
          event: JSON.stringify(nextStart.event),
        });
      }
      if (decided.parentEvent && meta.parent) {
        extra.push(
          notifyEntity(instanceId, {
            parentInstanceId: meta.parent.instanceId,
            parentExecutionId: meta.parent.executionId,
            event: decided.parentEvent,
            at: meta.lastUpdatedTime,
          }),
        );
      }
      // The new rows go into the episode's own transaction when they fit (at most 100 operations);
      // a larger fan-out writes them first, idempotently (fixed keys), so that once the meta
      // commits nothing it refers to can be missing.
      if (rows.length + extra.length + 2 <= 100) extra.push(...rows);
      else await this.store.upsertRows(rows);
      const etag = await this.store.commit(meta, current.etag, message.rowKey, extra);
      if (etag === 'stale') {
        this.cache.delete(instanceId);
        continue;
      }
      if (isTerminal(meta.status)) this.cache.delete(instanceId);
      else this.remember(instanceId, { meta, etag });

      for (const id of decided.cancelledTimers) {
        await this.store.deleteIfPresent(instanceId, timerKey(id));
        this.timers.cancel(instanceId, timerKey(id));
      }
      for (const w of decided.work) this.queueWork(instanceId, workKey(w.eventId), w);
      for (const t of decided.timers)
        this.addTimer({
          fireAt: Date.parse(t.fireAt),
          instanceId,
          rowKey: timerKey(t.eventId),
          executionId: t.executionId,
          eventId: t.eventId,
          fireAtText: t.fireAt,
        });
      if (decided.parentEvent) this.queueWork(instanceId, NOTIFY_PARENT);
      if (nextStart) this.again.add(instanceId);
      this.pump();
      return true;
    }
    throw new Error(`instance ${instanceId} kept changing underneath its episode`);
  }

  private isStale(meta: InstanceMeta, message: InboxMessage): boolean {
    if (message.event.EventType === EventType.ExecutionStarted)
      return message.executionId !== meta.executionId || meta.status !== 'Pending';
    if (isTerminal(meta.status)) return true;
    return message.executionId !== '' && message.executionId !== meta.executionId;
  }

  private startedMessage(meta: InstanceMeta): InboxMessage {
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

  /** Past events (played) + OrchestratorStarted + the one new event: one event per episode keeps ids aligned. */
  private episodeHistory(
    meta: InstanceMeta,
    message: InboxMessage,
  ): { history: HistoryEvent[]; processed: HistoryEvent } {
    const now = this.clock.now();
    const processed = historyEvent(message.event, now);
    const past =
      message.event.EventType === EventType.ExecutionStarted
        ? []
        : meta.history.map((e) => ({ ...e, IsPlayed: true }));
    return {
      history: [...past, historyEvent({ EventType: EventType.OrchestratorStarted }, now), processed],
      processed,
    };
  }

  private async runOrchestrator(
    meta: InstanceMeta,
    history: HistoryEvent[],
  ): Promise<{ state: OrchestratorState; failure?: string }> {
    const fn = this.invoker.tryFind(meta.name);
    const binding = fn && bindingOfType(fn, 'orchestrationTrigger');
    if (!fn || !binding)
      return {
        state: { isDone: false, actions: [[]] },
        failure: `no orchestrator function named ${meta.name} is registered`,
      };
    const trigger = {
      history,
      input: meta.input === null || meta.input === '' ? null : (JSON.parse(meta.input) as unknown),
      instanceId: meta.instanceId,
      isReplaying: history.some((e) => e.IsPlayed),
      parentInstanceId: meta.parent?.instanceId ?? null,
      upperSchemaVersion: UPPER_SCHEMA_VERSION,
      maximumShortTimerDuration: MAXIMUM_SHORT_TIMER,
      longRunningTimerIntervalDuration: LONG_RUNNING_TIMER_INTERVAL,
      defaultHttpAsyncRequestSleepTimeMillseconds: 30_000,
    };
    try {
      const response = await this.invoker.invoke(fn.metadata.name, [
        { name: binding, data: { json: JSON.stringify(trigger) } },
      ]);
      return { state: JSON.parse(typedDataToJsonText(response.returnValue)) as OrchestratorState };
    } catch (error) {
      const state = outOfProcState(error);
      const message = state?.error ?? (error instanceof Error ? error.message : String(error));
      return { state: state ?? { isDone: false, actions: [[]] }, failure: message };
    }
  }

  // ---- activities, sub-orchestrations, parent notifications ----

  private async runWork(instanceId: string, rowKey: string): Promise<void> {
    if (rowKey === NOTIFY_PARENT) return this.notifyParent(instanceId);
    const key = `${instanceId}\u0000${rowKey}`;
    const known = this.workItems.get(key);
    this.workItems.delete(key);
    const row = known ? undefined : await this.store.getRow(instanceId, rowKey);
    if (!known && !row) return;
    const item = known ?? entityToWork(row as StoredRow);
    const owner = await this.peek(instanceId);
    if (!owner || owner.meta.executionId !== item.executionId || isTerminal(owner.meta.status)) {
      await this.store.deleteIfPresent(instanceId, rowKey);
      return;
    }
    if (item.kind === 'subOrchestration')
      return this.startChild(
        instanceId,
        owner.meta,
        rowKey,
        item.eventId,
        item.functionName,
        item.childInstanceId as string,
        item.input,
      );

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
    this.stats.activities++;
    if (this.stopped) return;
    const delivered = await this.store.deliver(instanceId, rowKey, {
      rowKey: inboxKey(),
      executionId: item.executionId,
      event,
    });
    if (delivered) this.markReady(instanceId);
  }

  private async startChild(
    parentId: string,
    parent: InstanceMeta,
    rowKey: string,
    taskId: number,
    name: string,
    childId: string,
    input: string | null,
  ): Promise<void> {
    const existing = await this.store.getMeta(childId);
    if (!existing || isTerminal(existing.meta.status)) {
      const now = this.clock.now().toISOString();
      const meta: InstanceMeta = {
        instanceId: childId,
        name,
        status: 'Pending',
        executionId: randomUUID(),
        createdTime: now,
        lastUpdatedTime: now,
        input,
        output: null,
        customStatus: null,
        history: [],
        engine: freshEngineState(),
        parent: { instanceId: parentId, executionId: parent.executionId, taskId },
      };
      if ((await this.store.start(meta, this.startedMessage(meta), existing?.etag)) === 'started')
        this.markReady(childId);
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
    this.markReady(parentId);
  }

  // ---- reading ----

  /** The runtime is the only writer of its instances, so what it holds in memory is current. */
  async status(instanceId: string): Promise<InstanceMeta | undefined> {
    return (await this.peek(instanceId))?.meta;
  }
}
