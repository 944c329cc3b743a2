import { nextRetry, RetryPolicies } from '../../lib/retryPolicy';
import { describeFailure } from '../adapters/outcomes';
import type { Lane } from './pace';
import { Pace } from './pace';
import type { MailRecord, MailRequest, Outbox, PaceRow, QueueEntry } from './outbox';

/** How many sends the expectation plays forward before it counts the rest at one spacing each. */
const EXPECTATION_STEPS = 2_000;

/** What the workflow says about its mails: whether one is still wanted, and what its sending means. */
export interface MailPurposes {
  /** False when the reinstatement moved past the mail (accepted before the reminder went, cancelled). */
  stillWanted(mail: MailRecord): Promise<boolean>;
  sent(mail: MailRecord): Promise<void>;
  failed(mail: MailRecord, reason: string): Promise<void>;
  withdrawn(mail: MailRecord): Promise<void>;
}

export type DispatchResult =
  /** The queue is empty; the dispatcher sleeps until a new mail wakes it. */
  | { kind: 'idle'; sent: number }
  /** Come back at `until`: the pace, ACS's Retry-After, or a backoff while ACS fails. */
  | { kind: 'wait'; until: string; sent: number; reason: 'pace' | 'throttled' | 'failing' };

export interface LaneBacklog {
  queued: number;
  oldestQueuedAt?: string;
}

export interface Backlog {
  lanes: Record<Lane, LaneBacklog>;
  /** When the last queued mail is expected to go at the current pace. */
  expectedFinish: string;
  /** The bulk lane's spacing; people's mails take the next free place in the windows. */
  bulkSpacingMs: number;
  limits: { perMinute: number; perHour: number };
  sentLastMinute: number;
  sentLastHour: number;
  /** Set while ACS keeps failing: since when. */
  failingSince?: string;
}

/** Failures in a row after which ACS is taken to be down rather than one mail unlucky. */
const OUTAGE_AFTER_FAILURES = 5;

export interface DispatchOptions {
  /** How long ACS may keep failing before queued mails are given up, one by one, with the reason. */
  giveUpAfterMs: number;
  /** At most this many sends per dispatch run (an activity should not run for long). */
  maxPerRun?: number;
}

/**
 * The one place mail leaves the product. Mails are queued by whoever needs them sent; a single
 * dispatcher (a durable orchestration) calls `dispatch`, which sends the queue's head whenever the
 * pace allows and says when to come back. Mails that are no longer wanted are skipped without
 * taking a place in the pace, so a cancelled bulk leaves no capacity unused.
 */
export class MailDispatch {
  readonly pace: Pace;

  constructor(
    private readonly outbox: Outbox,
    limits: { perMinute: number; perHour: number },
    private readonly now: () => Date,
    private readonly options: DispatchOptions,
    private readonly random: () => number = Math.random,
  ) {
    this.pace = new Pace(limits);
  }

  /**
   * Records and queues a mail (idempotent by key). `wake` is true when the dispatcher announced it
   * went idle: the caller must wake it. The dispatcher announces idle before it looks at the queue
   * a last time, so a mail queued concurrently is either seen by that look or told to wake it.
   */
  async enqueue(mail: MailRequest): Promise<{ mail: MailRecord; wake: boolean }> {
    const record = await this.outbox.enqueue(mail);
    if (record.state !== 'queued') return { mail: record, wake: false };
    return { mail: record, wake: (await this.outbox.readPace()).dispatcher === 'idle' };
  }

  async dispatch(purposes: MailPurposes): Promise<DispatchResult> {
    const maxPerRun = this.options.maxPerRun ?? 25;
    let sent = 0;
    let row = await this.outbox.readPace();
    while (sent < maxPerRun) {
      const heads = await this.outbox.heads();
      if (!heads.people && !heads.bulk) {
        if (await this.goIdle()) return { kind: 'idle', sent };
        row = await this.outbox.readPace();
        continue;
      }
      // The pace first: a mail that must wait is not even read (the dispatcher comes back for it).
      // People's lane goes first, unless its next mail stepped aside and bulk mail is due, or the
      // bulk lane has been kept from its turn for a whole spacing (people took every free place):
      // then bulk's mail goes, so neither lane starves.
      const now = this.now().getTime();
      const bulkHead = heads.bulk;
      const bulkStarved =
        bulkHead !== undefined &&
        now - Math.max(bulkHead.notBefore, row.pace.bulkNextAt) >= this.pace.bulkSpacingMs;
      const due = (bulkStarved ? (['bulk', 'people'] as const) : (['people', 'bulk'] as const))
        .map((lane) => heads[lane])
        .filter((e): e is QueueEntry => e !== undefined)
        .map((e) => ({ entry: e, at: Math.max(e.notBefore, this.pace.earliest(row.pace, e.lane, now)) }));
      const next = due.find((d) => d.at <= now);
      if (!next) return this.wait(Math.min(...due.map((d) => d.at)), sent, 'pace');
      const entry = next.entry;
      const mail = await this.outbox.get(entry.key);
      if (!mail) {
        await this.outbox.dequeue(entry); // its record is gone: nothing can be sent
        continue;
      }
      // A mail leaves the queue only after its outcome was told (a run that died in between is
      // finished here; every purpose is idempotent).
      if (mail.state !== 'queued' && mail.state !== 'sending') {
        await this.settled(mail, entry, purposes);
        continue;
      }
      if (!(await purposes.stillWanted(mail))) {
        await this.settled(await this.outbox.withdraw(mail, 'no longer needed'), entry, purposes);
        continue;
      }
      const claimed: PaceRow = {
        ...row,
        dispatcher: 'active',
        pace: this.pace.record(row.pace, mail.lane, now),
      };
      const etag = await this.outbox.writePace(claimed);
      if (!etag) {
        row = await this.outbox.readPace();
        continue;
      }
      row = { ...claimed, etag };

      const delivery = await this.outbox.deliver(mail);
      if (delivery.kind === 'accepted') {
        if (row.failingSince) row = await this.recovered();
        await this.settled(
          { ...mail, state: 'accepted', operationId: delivery.operationId },
          entry,
          purposes,
        );
        sent++;
        continue;
      }
      const failure = delivery.failure;
      // Throttling is ACS's word on the whole quota: nothing goes until its Retry-After.
      if (failure.kind === 'throttled') return this.wait(now + failure.retryAfterMs, sent, 'throttled');
      if (failure.kind === 'permanent') {
        await this.giveUp(mail, entry, `ACS refused the mail: ${describeFailure(failure)}`, purposes);
        continue;
      }
      row = await this.failing(row, now);
      const since = row.failingSince as string;
      const failingFor = now - Date.parse(since);
      if (failingFor >= this.options.giveUpAfterMs) {
        await this.giveUp(
          mail,
          entry,
          `ACS has been failing since ${since} (last answer: ${describeFailure(failure)})`,
          purposes,
        );
        continue;
      }
      // One failure is this mail's: it steps aside for a while and the others go on. Failures in a
      // row mean ACS is down: everything waits, longer the longer it lasts.
      const failures = row.failures ?? 0;
      const outage = failures >= OUTAGE_AFTER_FAILURES;
      const retry = nextRetry(outage ? RetryPolicies.acsOutage : RetryPolicies.mailStepAside, {
        attempt: outage ? failures - OUTAGE_AFTER_FAILURES + 1 : mail.attempts,
        firstAttemptAt: Date.parse(since),
        now,
        jitter: this.random(),
      });
      // Retrying ends by the give-up rule above, not by the policy's own deadline (it has none).
      const until = retry.kind === 'wait' ? retry.until : now;
      if (!outage) {
        await this.outbox.defer(mail, entry, until);
        continue;
      }
      return this.wait(until, sent, 'failing');
    }
    return { kind: 'wait', until: this.now().toISOString(), sent, reason: 'pace' };
  }

  async backlog(): Promise<Backlog> {
    const [lanes, row] = await Promise.all([this.outbox.backlog(), this.outbox.readPace()]);
    const now = this.now().getTime();
    const queued = lanes.people.queued + lanes.bulk.queued;
    // Every queued mail takes one bulk spacing at worst: people's mails take the places bulk leaves.
    const start = queued ? this.pace.earliest(row.pace, lanes.people.queued ? 'people' : 'bulk', now) : now;
    return {
      lanes,
      expectedFinish: new Date(start + Math.max(0, queued - 1) * this.pace.bulkSpacingMs).toISOString(),
      bulkSpacingMs: Math.round(this.pace.bulkSpacingMs),
      limits: this.pace.limits,
      sentLastMinute: this.pace.sentWithin(row.pace, 60, now),
      sentLastHour: this.pace.sentWithin(row.pace, 3600, now),
      ...(row.failingSince ? { failingSince: row.failingSince } : {}),
    };
  }

  /**
   * By when a mail queued now in `lane` is expected to go at the latest. The pace itself is played
   * forward from its record of past sends: every mail ahead goes at the first place the quota's
   * minute and hour windows allow, people's first, a bulk mail once it has been due for a whole
   * spacing (as the dispatcher gives the bulk lane its turn), then this one; one bulk spacing more
   * covers the dispatcher sleeping until its next turn. People's mails wait only behind people's
   * (and the bulk turns between them); bulk mails behind everything queued.
   */
  async expectedSendBy(lane: Lane): Promise<string> {
    const [lanes, row] = await Promise.all([this.outbox.backlog(), this.outbox.readPace()]);
    let state = row.pace;
    let at = this.now().getTime();
    let people = lanes.people.queued + (lane === 'people' ? 1 : 0);
    let bulk = lanes.bulk.queued + (lane === 'bulk' ? 1 : 0);
    // Played one send at a time up to a bound; beyond it, the rest at one bulk spacing each.
    for (let step = 0; step < EXPECTATION_STEPS && (lane === 'people' ? people : bulk + people) > 0; step++) {
      const peopleAt = people > 0 ? this.pace.earliest(state, 'people', at) : Infinity;
      const bulkAt = bulk > 0 ? this.pace.earliest(state, 'bulk', at) : Infinity;
      const next: Lane = bulkAt + this.pace.bulkSpacingMs <= peopleAt ? 'bulk' : 'people';
      at = next === 'bulk' ? bulkAt : peopleAt;
      state = this.pace.record(state, next, at);
      if (next === 'people') people--;
      else bulk--;
    }
    const left = lane === 'people' ? people : bulk + people;
    return new Date(at + (left + 1) * this.pace.bulkSpacingMs).toISOString();
  }

  private wait(until: number, sent: number, reason: 'pace' | 'throttled' | 'failing'): DispatchResult {
    return { kind: 'wait', until: new Date(until).toISOString(), sent, reason };
  }

  /** Announces idle, then looks once more: true when the queue is still empty. */
  private async goIdle(): Promise<boolean> {
    const row = await this.outbox.readPace();
    if (row.dispatcher !== 'idle' && !(await this.outbox.writePace({ ...row, dispatcher: 'idle' })))
      return false;
    const heads = await this.outbox.heads();
    if (!heads.people && !heads.bulk) return true;
    const again = await this.outbox.readPace();
    await this.outbox.writePace({ ...again, dispatcher: 'active' });
    return false;
  }

  /** Counts a failure (and when the failing began) on the pace row. */
  private async failing(row: PaceRow, now: number): Promise<PaceRow> {
    const next: PaceRow = {
      ...row,
      failingSince: row.failingSince ?? new Date(now).toISOString(),
      failures: (row.failures ?? 0) + 1,
    };
    const etag = await this.outbox.writePace(next);
    return etag ? { ...next, etag } : this.outbox.readPace();
  }

  private async recovered(): Promise<PaceRow> {
    const row = await this.outbox.readPace();
    const next: PaceRow = {
      pace: row.pace,
      dispatcher: row.dispatcher,
      ...(row.etag ? { etag: row.etag } : {}),
    };
    const etag = await this.outbox.writePace(next);
    return etag ? { ...next, etag } : this.outbox.readPace();
  }

  private async giveUp(
    mail: MailRecord,
    entry: QueueEntry,
    reason: string,
    purposes: MailPurposes,
  ): Promise<void> {
    await this.settled(await this.outbox.fail(mail, reason), entry, purposes);
  }

  /** Tells the workflow what became of a mail, then takes it (and the entry that led here) out of the queue. */
  private async settled(mail: MailRecord, entry: QueueEntry, purposes: MailPurposes): Promise<void> {
    if (!mail.toldAt) {
      if (mail.state === 'accepted') await purposes.sent(mail);
      else if (mail.state === 'failed') await purposes.failed(mail, mail.failure ?? 'failed');
      else await purposes.withdrawn(mail);
      await this.outbox.markTold(mail);
    }
    await this.outbox.dequeue(entry);
    if (mail.queueKey !== entry.queueKey) await this.outbox.dequeue(mail);
  }
}
