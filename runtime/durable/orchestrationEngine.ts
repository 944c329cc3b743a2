import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock';
import type { RpcParameterBinding } from '../worker/coreTypes';
import type { RegisteredFunction } from '../worker/functionsCore';
import { bindingOfType, type Invoker } from '../worker/invoker';
import { parentEvent } from './episode';
import { EpisodeRunner } from './episodeRunner';
import { EventType } from './historyEvents';
import { InstanceCache } from './instanceCache';
import { isTerminal, newInstanceMeta, type InstanceMeta } from './instanceModel';
import {
  entityToWork,
  inboxKey,
  InstanceStore,
  notifyEntity,
  NOTIFY_PARENT,
  startedMessage,
  type WorkItem,
} from './instanceStore';
import type { Scheduler } from './scheduler';
import { TimerQueue, type DueTimer } from './timerQueue';
import { WorkRunner } from './workRunner';

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

export type StartOutcome =
  { started: true; instanceId: string } | { started: false; reason: 'running' | 'unknown-function' };
export type SignalOutcome = 'accepted' | 'not-found' | 'gone';

/**
 * Runs orchestrations through durable-functions' own replay, with all state in Table storage.
 * This class schedules: which instance has an event to apply (EpisodeRunner), which work row to run
 * (WorkRunner), which timer is due. Its queues only say what to look at next; storage is the truth,
 * and a restart rebuilds the queues from it (recover()). Each instance runs one episode at a time;
 * instances run in parallel up to a bound; activities run at least once and their results are
 * delivered exactly once.
 */
export class OrchestrationEngine implements Scheduler {
  private readonly store: InstanceStore;
  private readonly invoker: Invoker;
  private readonly clock: Clock;
  private readonly cache: InstanceCache;
  private readonly episodes: EpisodeRunner;
  private readonly workRunner: WorkRunner;
  private readonly maxOrchestrations: number;
  private readonly maxActivities: number;
  private readonly log: (message: string) => void;

  private readonly ready = new Set<string>();
  private readonly running = new Set<string>();
  private readonly again = new Set<string>();
  private readonly work: { instanceId: string; rowKey: string }[] = [];
  private readonly queuedWork = new Set<string>();
  private workRunning = 0;
  private readonly timers = new TimerQueue();
  private idleWaiters: (() => void)[] = [];
  private failures: Error[] = [];
  private realTimer: NodeJS.Timeout | undefined;
  stopped = false;
  private readonly unsubscribe: () => void;

  constructor(options: EngineOptions) {
    this.store = options.store;
    this.invoker = options.invoker;
    this.clock = options.clock;
    this.maxOrchestrations = options.maxConcurrentOrchestrations ?? 16;
    this.maxActivities = options.maxConcurrentActivities ?? 32;
    this.log = options.log ?? (() => {});
    this.cache = new InstanceCache(this.store, options.cachedInstances ?? 1000);
    this.episodes = new EpisodeRunner(this.store, this.cache, this.invoker, this.clock, this);
    this.workRunner = new WorkRunner(
      this.store,
      this.cache,
      this.invoker,
      this.clock,
      this,
      options.extraInputs ?? (() => []),
    );
    this.unsubscribe = this.clock.onAdvance(() => this.pump());
  }

  get stats() {
    return { episodes: this.episodes.episodes, activities: this.workRunner.activities };
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

  // ---- the client side: start, raise, terminate, purge, status ----

  async start(name: string, instanceId: string | undefined, inputText: string | null): Promise<StartOutcome> {
    const fn = this.invoker.tryFind(name);
    if (!fn || !bindingOfType(fn, 'orchestrationTrigger'))
      return { started: false, reason: 'unknown-function' };
    const id = instanceId ?? randomUUID().replace(/-/g, '');
    // A generated id is new by construction; a chosen one may name a finished instance to replace.
    const existing = instanceId === undefined ? undefined : await this.cache.peek(id);
    if (existing && !isTerminal(existing.meta.status)) return { started: false, reason: 'running' };
    const meta = newInstanceMeta({
      instanceId: id,
      name: fn.metadata.name,
      executionId: randomUUID(),
      input: inputText,
      now: this.clock.now(),
    });
    const outcome = await this.store.start(meta, startedMessage(meta), existing?.etag);
    if (outcome === 'conflict') return { started: false, reason: 'running' };
    this.cache.forget(id);
    this.markReady(id);
    return { started: true, instanceId: id };
  }

  async raiseEvent(instanceId: string, name: string, inputText: string | null): Promise<SignalOutcome> {
    const found = await this.cache.peek(instanceId);
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
      const found = await this.cache.peek(instanceId);
      if (!found) return 'not-found';
      if (isTerminal(found.meta.status)) return 'gone';
      const meta: InstanceMeta = {
        ...found.meta,
        status: 'Terminated',
        output: JSON.stringify(reason),
        lastUpdatedTime: this.clock.now().toISOString(),
      };
      const notify = parentEvent(meta);
      const extra =
        notify && meta.parent
          ? [
              notifyEntity(instanceId, {
                parentInstanceId: meta.parent.instanceId,
                parentExecutionId: meta.parent.executionId,
                event: notify,
                at: meta.lastUpdatedTime,
              }),
            ]
          : [];
      const etag = await this.store.commit(meta, found.etag, undefined, extra);
      this.cache.forget(instanceId);
      if (etag === 'stale') continue;
      if (notify) this.queueWork(instanceId, NOTIFY_PARENT);
      this.pump();
      return 'accepted';
    }
    throw new Error(`could not terminate ${instanceId}: it kept changing`);
  }

  async purge(instanceId: string): Promise<number> {
    this.cache.forget(instanceId);
    return this.store.purge(instanceId);
  }

  /** The runtime is the only writer of its instances, so what it holds in memory is current. */
  async status(instanceId: string): Promise<InstanceMeta | undefined> {
    return (await this.cache.peek(instanceId))?.meta;
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

  private checkIdle(): void {
    const idle =
      this.ready.size === 0 &&
      this.running.size === 0 &&
      this.work.length === 0 &&
      this.workRunning === 0 &&
      !((this.timers.peek()?.fireAt ?? Infinity) <= this.clock.now().getTime());
    if (!idle) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  // ---- scheduling (what EpisodeRunner and WorkRunner report) ----

  markReady(instanceId: string): void {
    if (this.running.has(instanceId)) this.again.add(instanceId);
    else this.ready.add(instanceId);
    this.pump();
  }

  runAgain(instanceId: string): void {
    this.again.add(instanceId);
  }

  queueWork(instanceId: string, rowKey: string, item?: WorkItem): void {
    if (item) this.workRunner.remember(instanceId, rowKey, item);
    const key = `${instanceId}\u0000${rowKey}`;
    if (!this.queuedWork.has(key)) {
      this.queuedWork.add(key);
      this.work.push({ instanceId, rowKey });
    }
    this.pump();
  }

  addTimer(timer: DueTimer): void {
    this.timers.add(timer);
  }

  cancelTimer(instanceId: string, rowKey: string): void {
    this.timers.cancel(instanceId, rowKey);
  }

  private pump(): void {
    if (this.stopped) return;
    for (const instanceId of [...this.ready]) {
      if (this.running.size >= this.maxOrchestrations) break;
      this.ready.delete(instanceId);
      this.running.add(instanceId);
      void this.guard(this.episodes.processInstance(instanceId)).finally(() => {
        this.running.delete(instanceId);
        if (this.again.delete(instanceId)) this.ready.add(instanceId);
        this.pump();
      });
    }
    while (this.workRunning < this.maxActivities && this.work.length > 0) {
      const item = this.work.shift() as { instanceId: string; rowKey: string };
      this.queuedWork.delete(`${item.instanceId}\u0000${item.rowKey}`);
      this.workRunning++;
      void this.guard(this.workRunner.run(item.instanceId, item.rowKey)).finally(() => {
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
      this.realTimer = setTimeout(() => this.pump(), Math.min(Math.max(0, next.fireAt - now), 60_000));
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
}
