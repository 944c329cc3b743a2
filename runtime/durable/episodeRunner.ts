import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock';
import { bindingOfType, type Invoker } from '../worker/invoker';
import {
  decideEpisode,
  outOfProcState,
  typedDataToJsonText,
  type OrchestratorState,
  type TimerSettings,
} from './episode';
import { EventType, historyEvent, type HistoryEvent } from './historyEvents';
import type { InstanceCache } from './instanceCache';
import { freshEngineState, isTerminal, type InstanceMeta } from './instanceModel';
import {
  notifyEntity,
  NOTIFY_PARENT,
  startedMessage,
  timerEntity,
  timerKey,
  workEntity,
  workKey,
  type InboxMessage,
  type InstanceStore,
  type Row,
} from './instanceStore';
import type { Scheduler } from './scheduler';
import { errorMessage } from '../../lib/errors';

/** durable-functions refuses to run without these (TimeSpan strings, d.hh:mm:ss). */
export const MAXIMUM_SHORT_TIMER = '6.00:00:00';
export const LONG_RUNNING_TIMER_INTERVAL = '3.00:00:00';
const TIMER_SETTINGS: TimerSettings = {
  maximumShortTimerMs: 6 * 86_400_000,
  longRunningTimerIntervalMs: 3 * 86_400_000,
};
/** Replay schema V3: what today's Durable extension negotiates (WhenAny/WhenAll trees, long timers). */
const UPPER_SCHEMA_VERSION = 2;
/** Inbox messages read at once for an instance. */
const PAGE = 50;

/**
 * Applies an instance's waiting events, one event per episode: the orchestrator replays its history
 * through durable-functions with the event appended, decideEpisode turns what it did into history
 * and rows, and one transaction commits them. One event per episode keeps the runtime's event ids
 * aligned with the ids durable-functions assigns while replaying.
 */
export class EpisodeRunner {
  episodes = 0;

  constructor(
    private readonly store: InstanceStore,
    private readonly cache: InstanceCache,
    private readonly invoker: Invoker,
    private readonly clock: Clock,
    private readonly scheduler: Scheduler,
  ) {}

  /** Applies what waits in the instance's inbox, in order. */
  async processInstance(instanceId: string): Promise<void> {
    for (;;) {
      const messages = await this.store.inbox(instanceId, PAGE);
      let consumed = 0;
      for (const message of this.inApplyOrder(instanceId, messages)) {
        if (this.scheduler.stopped) return;
        if (await this.apply(instanceId, message)) consumed++;
      }
      // A short page was the whole inbox: anything that arrived since flagged the instance again
      // (markReady), so there is no need to read it once more. Nothing applicable: wait for more.
      if (messages.length < PAGE || consumed === 0) return;
    }
  }

  /** A new execution's ExecutionStarted goes first; everything else stays in arrival order. */
  private inApplyOrder(instanceId: string, messages: InboxMessage[]): InboxMessage[] {
    const current = this.cache.kept(instanceId);
    const starts = messages.filter(
      (m) =>
        m.event.EventType === EventType.ExecutionStarted &&
        (!current || m.executionId === current.executionId),
    );
    return [...starts, ...messages.filter((m) => !starts.includes(m))];
  }

  /** Applies one message as one episode; false when it must wait (the instance has not started yet). */
  private async apply(instanceId: string, message: InboxMessage): Promise<boolean> {
    for (let attempt = 0; attempt < 10; attempt++) {
      const current = await this.cache.load(instanceId);
      if (!current || isStale(current.meta, message)) {
        await this.store.discard(instanceId, message.rowKey);
        return true;
      }
      if (current.meta.status === 'Pending' && message.event.EventType !== EventType.ExecutionStarted)
        return false;

      const { history, processed } = this.episodeHistory(current.meta, message);
      const { state, failure } = await this.runOrchestrator(current.meta, history);
      this.episodes++;
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
        nextStart = startedMessage(meta);
        extra.push({
          partitionKey: instanceId,
          rowKey: nextStart.rowKey,
          executionId: nextStart.executionId,
          event: JSON.stringify(nextStart.event),
        });
      }
      if (decided.parentEvent && meta.parent)
        extra.push(
          notifyEntity(instanceId, {
            parentInstanceId: meta.parent.instanceId,
            parentExecutionId: meta.parent.executionId,
            event: decided.parentEvent,
            at: meta.lastUpdatedTime,
          }),
        );
      // The new rows go into the episode's own transaction when they fit (at most 100 operations);
      // a larger fan-out writes them first, idempotently (fixed keys), so that once the meta
      // commits nothing it refers to can be missing.
      if (rows.length + extra.length + 2 <= 100) extra.push(...rows);
      else await this.store.upsertRows(rows);
      const etag = await this.store.commit(meta, current.etag, message.rowKey, extra);
      if (etag === 'stale') {
        this.cache.forget(instanceId);
        continue;
      }
      this.cache.remember(instanceId, { meta, etag });

      for (const id of decided.cancelledTimers) {
        await this.store.deleteIfPresent(instanceId, timerKey(id));
        this.scheduler.cancelTimer(instanceId, timerKey(id));
      }
      for (const w of decided.work) this.scheduler.queueWork(instanceId, workKey(w.eventId), w);
      for (const t of decided.timers)
        this.scheduler.addTimer({
          fireAt: Date.parse(t.fireAt),
          instanceId,
          rowKey: timerKey(t.eventId),
          executionId: t.executionId,
          eventId: t.eventId,
          fireAtText: t.fireAt,
        });
      if (decided.parentEvent) this.scheduler.queueWork(instanceId, NOTIFY_PARENT);
      if (nextStart) this.scheduler.runAgain(instanceId);
      return true;
    }
    throw new Error(`instance ${instanceId} kept changing underneath its episode`);
  }

  /** Past events (played) + OrchestratorStarted + the one new event. */
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
      const message = state?.error ?? errorMessage(error);
      return { state: state ?? { isDone: false, actions: [[]] }, failure: message };
    }
  }
}

/** A message that no longer applies: an old execution's, or any but the start of a finished instance. */
function isStale(meta: InstanceMeta, message: InboxMessage): boolean {
  if (message.event.EventType === EventType.ExecutionStarted)
    return message.executionId !== meta.executionId || meta.status !== 'Pending';
  if (isTerminal(meta.status)) return true;
  return message.executionId !== '' && message.executionId !== meta.executionId;
}
