import { createHash } from 'node:crypto';
import { odata, type TableClient } from '@azure/data-tables';
import { readChunks, writeChunks } from '../../lib/tables/chunkedProperty';
import { isConflict, isNotFound, isPreconditionFailed } from '../../lib/tables/tableErrors';
import { assertSafeTableKey } from '../../lib/tables/tableKeys';
import type { Failure } from '../adapters/outcomes';
import type { EmailSender, OutgoingMail } from '../adapters/email/acsEmailSender';
import { inMailSpan } from '../telemetry/reinstatementTrace';
import { EMPTY_PACE, type Lane, type PaceState } from './pace';

/** Identifies one mail for good: the same key is never sent twice. */
export interface MailKey {
  /** The reinstatement id (or `partner-ops` for notices about no reinstatement). */
  stream: string;
  kind: string;
  /** 0 for the first mail of a kind, 1.. for the next ones (reminders, resends). */
  sequence: number;
}

export interface MailRequest extends OutgoingMail {
  key: MailKey;
  lane: Lane;
  /** The orchestration instance waiting for this mail, told when it is sent or given up. */
  owner?: string;
}

/**
 * queued: waiting for its turn; sending: handed to ACS, answer not recorded; accepted: ACS took it
 * (its operation id is recorded: it is never sent again); failed: refused for good; withdrawn:
 * no longer wanted (the reinstatement moved on) before it was sent.
 */
export type MailState = 'queued' | 'sending' | 'accepted' | 'failed' | 'withdrawn';

export interface MailRecord extends MailRequest {
  state: MailState;
  queuedAt: string;
  queueKey: string;
  operationId?: string;
  /** ACS's last reported status of the operation (Running, Succeeded, Failed, ...), when known. */
  acsStatus?: string;
  sentAt?: string;
  failure?: string;
  /** How many times the Repeatability-Request-Id had to be renewed (ACS's window had passed). */
  renewals: number;
  /** When the workflow was told of the mail's fate (sent, given up, withdrawn). */
  toldAt?: string;
  /** Sends that failed (not counting throttling) so far. */
  attempts: number;
  /** The Repeatability-First-Sent of the current attempts (an IMF-fixdate). */
  firstSent?: string;
  etag: string;
}

/** A mail's place in the queue. */
export interface QueueEntry {
  queueKey: string;
  key: MailKey;
  lane: Lane;
  /** Not to be sent before this time (ms): when it was queued, or later when it stepped aside after a failure. */
  notBefore: number;
}

export type Delivery =
  { kind: 'accepted'; operationId: string; alreadyAccepted: boolean } | { kind: 'failed'; failure: Failure };

/** ACS tracks repeatable requests for 5 minutes; past that a retry is a new send. */
const TRACKING_WINDOW_MS = 5 * 60_000;
const QUEUE = 'queue';
const PACE_ROW = 'pace';
const LANE_RANK: Record<Lane, string> = { people: '0', bulk: '1' };

/** A stable GUID for a key, so the Repeatability-Request-Id of a retry is the first attempt's. */
export function requestIdFor(key: MailKey, renewal = 0): string {
  const h = createHash('sha256').update(`${key.stream}|${key.kind}|${key.sequence}|${renewal}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h.slice(16, 17), 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Queue keys sort people's lane first, then by when a mail may go, then by mail. */
const queueKeyOf = (lane: Lane, at: number, key: MailKey) =>
  `${LANE_RANK[lane]}-${String(at).padStart(15, '0')}-${key.stream}-${rowKeyOf(key)}`;

const rowKeyOf = (key: MailKey) =>
  assertSafeTableKey(`${key.kind}-${String(key.sequence).padStart(3, '0')}`, 'mail kind');

/** The pace and who is dispatching, kept beside the queue. */
export interface PaceRow {
  pace: PaceState;
  /** `idle` once the dispatcher found the queue empty and stopped: a new mail must wake it. */
  dispatcher: 'active' | 'idle';
  /** Since when ACS keeps failing (not throttling), if it does, and how many sends failed in a row. */
  failingSince?: string;
  failures?: number;
  etag?: string;
}

/**
 * Every mail the product sends, in Table storage. A mail is recorded whole (recipient and exact
 * content) before anything is sent, and queued in its lane; the dispatcher sends the queue's head
 * when the pace allows. The record makes each send idempotent:
 * - a retry after a crash between "ACS accepted" and "recorded" is answered by ACS with the first
 *   result while it comes within ACS's 5-minute tracking window (same Repeatability-Request-Id and
 *   First-Sent); once ACS's operation id is recorded, the mail is never sent again, whatever happens
 *   to the status calls that follow;
 * - only when ACS's answer never arrived and the window has passed is a renewed id used (and
 *   counted), because then nobody can tell whether the first attempt went out.
 */
export class Outbox {
  constructor(
    /** The mails, one partition per stream (a reinstatement's). */
    private readonly mails: TableClient,
    /** The queue and the pace: few rows, read at every send. */
    private readonly queue: TableClient,
    private readonly sender: EmailSender,
    private readonly now: () => Date = () => new Date(),
    /** Test seam: runs after ACS accepted and before that is recorded (a crash lands here). */
    private readonly afterAccepted: () => Promise<void> = async () => {},
  ) {}

  /** Records and queues a mail; a key already recorded is left as it is (and its state returned). */
  async enqueue(mail: MailRequest): Promise<MailRecord> {
    let existing: MailRecord | undefined;
    for (let attempt = 0; attempt < 5; attempt++) {
      // New (the usual case: one write), or never sent and asked for again (a retried
      // reinstatement): recorded afresh, under a renewed Repeatability-Request-Id since ACS may
      // still remember the old one with other content.
      const entity = this.mailEntity(mail, existing ? existing.renewals + 1 : 0);
      try {
        const written = existing
          ? await this.mails.updateEntity(entity, 'Replace', { etag: existing.etag })
          : await this.mails.createEntity(entity);
        const record = toRecord({ ...entity, etag: written.etag ?? '' });
        await this.queue.upsertEntity(queueEntity(record), 'Replace');
        return record;
      } catch (error) {
        if (!isConflict(error) && !isPreconditionFailed(error)) throw error;
      }
      existing = await this.get(mail.key);
      if (existing && existing.state !== 'failed' && existing.state !== 'withdrawn') {
        // A crash between the two writes left the mail without its place in the queue.
        if (existing.state === 'queued') await this.queue.upsertEntity(queueEntity(existing), 'Replace');
        return existing;
      }
    }
    throw new Error(`mail ${mail.key.stream}/${rowKeyOf(mail.key)} could not be recorded`);
  }

  private mailEntity(mail: MailRequest, renewals: number) {
    const partitionKey = assertSafeTableKey(mail.key.stream, 'mail stream');
    const rowKey = rowKeyOf(mail.key);
    const queuedAt = this.now();
    return {
      partitionKey,
      rowKey,
      state: 'queued',
      lane: mail.lane,
      to: mail.to,
      ...(mail.replyTo ? { replyTo: mail.replyTo } : {}),
      subject: mail.subject,
      ...writeChunks('text', mail.text),
      ...writeChunks('html', mail.html),
      ...(mail.owner ? { owner: mail.owner } : {}),
      queuedAt: queuedAt.toISOString(),
      queueKey: queueKeyOf(mail.lane, queuedAt.getTime(), mail.key),
      renewals,
    };
  }

  async get(key: MailKey): Promise<MailRecord | undefined> {
    try {
      const row = await this.mails.getEntity<Record<string, unknown>>(
        assertSafeTableKey(key.stream, 'mail stream'),
        rowKeyOf(key),
      );
      return toRecord(row);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** Every mail of one stream (a reinstatement's), in key order. */
  async listStream(stream: string): Promise<MailRecord[]> {
    const mails: MailRecord[] = [];
    for await (const row of this.mails.listEntities<Record<string, unknown>>({
      queryOptions: { filter: odata`PartitionKey eq ${assertSafeTableKey(stream, 'mail stream')}` },
    }))
      mails.push(toRecord(row));
    return mails;
  }

  /** Each lane's next mail (the one that may go soonest), when the lane holds any. */
  async heads(): Promise<Partial<Record<Lane, QueueEntry>>> {
    const heads: Partial<Record<Lane, QueueEntry>> = {};
    for (const lane of ['people', 'bulk'] as const) {
      const rank = LANE_RANK[lane];
      const page = await this.queue
        .listEntities<{ stream: string; kind: string; sequence: number }>({
          queryOptions: {
            filter: odata`PartitionKey eq ${QUEUE} and RowKey gt ${`${rank}-`} and RowKey lt ${`${rank}.`}`,
          },
        })
        .byPage({ maxPageSize: 1 })
        .next();
      const first = page.done ? undefined : page.value[0];
      if (first)
        heads[lane] = {
          queueKey: String(first.rowKey),
          key: { stream: first.stream, kind: first.kind, sequence: Number(first.sequence) },
          lane,
          notBefore: Number(String(first.rowKey).split('-')[1]),
        };
    }
    return heads;
  }

  /** Mails waiting in each lane, and since when the oldest of each waits. */
  async backlog(): Promise<Record<Lane, { queued: number; oldestQueuedAt?: string }>> {
    const lanes: Record<Lane, { queued: number; oldestQueuedAt?: string }> = {
      people: { queued: 0 },
      bulk: { queued: 0 },
    };
    for await (const row of this.queue.listEntities<{ lane: Lane; queuedAt: string }>({
      queryOptions: {
        filter: odata`PartitionKey eq ${QUEUE} and RowKey ne ${PACE_ROW}`,
        select: ['lane', 'queuedAt'],
      },
    })) {
      const lane = lanes[row.lane];
      if (!lane) continue;
      lane.queued++;
      lane.oldestQueuedAt ??= row.queuedAt;
    }
    return lanes;
  }

  /** No longer wanted: it is never sent (the dispatcher then takes it out of the queue). */
  async withdraw(mail: MailRecord, reason: string): Promise<MailRecord> {
    await this.merge(mail.key, { state: 'withdrawn', failure: reason, settledAt: this.now().toISOString() });
    return { ...mail, state: 'withdrawn', failure: reason };
  }

  /** Given up for good, with the reason (the dispatcher then takes it out of the queue). */
  async fail(mail: MailRecord, reason: string): Promise<MailRecord> {
    await this.merge(mail.key, { state: 'failed', failure: reason, settledAt: this.now().toISOString() });
    return { ...mail, state: 'failed', failure: reason };
  }

  /** Notes that the workflow was told of the mail's fate, so a repeated run does not tell it twice. */
  async markTold(mail: MailRecord): Promise<void> {
    await this.merge(mail.key, { toldAt: this.now().toISOString() });
  }

  /**
   * Moves a mail back in its lane until `at`, after a failed send: the mails behind it go on. The
   * new place is written before the old one is removed, so a crash leaves it queued (at worst
   * twice, which the dispatcher settles).
   */
  async defer(mail: MailRecord, entry: QueueEntry, at: number): Promise<void> {
    const queueKey = queueKeyOf(mail.lane, at, mail.key);
    await this.queue.upsertEntity(queueEntity({ ...mail, queueKey }), 'Replace');
    await this.merge(mail.key, { queueKey });
    await this.dequeue(entry);
  }

  /** Removes a mail from the queue once it reached a final state (idempotent). */
  async dequeue(mail: Pick<MailRecord, 'queueKey'>): Promise<void> {
    try {
      await this.queue.deleteEntity(QUEUE, mail.queueKey);
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }

  /**
   * Hands the mail to ACS, exactly once as far as anyone can tell (see the class comment). The
   * caller has taken a place in the pace for it.
   */
  async deliver(recorded: MailRecord): Promise<Delivery> {
    let mail: MailRecord | undefined = recorded;
    for (let attempt = 0; attempt < 5; attempt++, mail = await this.get(recorded.key)) {
      if (!mail) throw new Error(`mail ${recorded.key.stream}/${rowKeyOf(recorded.key)} is not recorded`);
      const key = mail.key;
      if (mail.operationId) return { kind: 'accepted', operationId: mail.operationId, alreadyAccepted: true };
      if (mail.state !== 'queued' && mail.state !== 'sending')
        return { kind: 'failed', failure: { kind: 'permanent', message: `the mail is ${mail.state}` } };

      // Record the first attempt's time before sending; renew it only when ACS's window has passed.
      let firstSent = mail.firstSent;
      let renewals = mail.renewals;
      const expired =
        firstSent !== undefined && this.now().getTime() - Date.parse(firstSent) > TRACKING_WINDOW_MS;
      if (!firstSent || expired) {
        if (expired) renewals++;
        firstSent = this.now().toUTCString();
        try {
          await this.mails.updateEntity(
            { partitionKey: mail.key.stream, rowKey: rowKeyOf(key), state: 'sending', firstSent, renewals },
            'Merge',
            { etag: mail.etag },
          );
        } catch (error) {
          if (isPreconditionFailed(error)) continue;
          throw error;
        }
      }
      const sending = mail;
      const result = await inMailSpan(key, () =>
        this.sender.send(sending, { requestId: requestIdFor(key, renewals), firstSent }),
      );
      if (result.kind === 'windowExpired') {
        await this.merge(key, { firstSent: new Date(0).toUTCString() });
        continue;
      }
      if (result.kind === 'failed') {
        await this.merge(key, {
          lastError: result.failure.kind,
          lastErrorAt: this.now().toISOString(),
          attempts: mail.attempts + (result.failure.kind === 'throttled' ? 0 : 1),
        });
        return result;
      }
      await this.afterAccepted();
      await this.merge(key, {
        state: 'accepted',
        operationId: result.operationId,
        ...(result.status ? { acsStatus: result.status } : {}),
        sentAt: this.now().toISOString(),
      });
      return { kind: 'accepted', operationId: result.operationId, alreadyAccepted: false };
    }
    return {
      kind: 'failed',
      failure: { kind: 'transient', message: 'the outbox record kept changing; try again' },
    };
  }

  /** Asks ACS where an accepted mail stands, and records it (a failed status call changes nothing). */
  async refreshStatus(mail: MailRecord): Promise<string | undefined> {
    if (!mail.operationId) return undefined;
    const operationId = mail.operationId;
    const status = await inMailSpan(mail.key, () => this.sender.status(operationId));
    if (status.kind === 'known') await this.merge(mail.key, { acsStatus: status.status });
    return status.kind === 'known' ? status.status : undefined;
  }

  // ---- the pace row, kept with the queue ----

  async readPace(): Promise<PaceRow> {
    try {
      const row = await this.queue.getEntity<Record<string, unknown>>(QUEUE, PACE_ROW);
      return {
        pace: JSON.parse(String(row.pace)) as PaceState,
        dispatcher: row.dispatcher === 'idle' ? 'idle' : 'active',
        ...(typeof row.failingSince === 'string' && row.failingSince
          ? { failingSince: row.failingSince }
          : {}),
        ...(Number(row.failures ?? 0) > 0 ? { failures: Number(row.failures) } : {}),
        etag: row.etag,
      };
    } catch (error) {
      if (isNotFound(error)) return { pace: EMPTY_PACE, dispatcher: 'idle' };
      throw error;
    }
  }

  /** Writes the pace row if nobody changed it since `row` was read: its new ETag, or undefined when someone did. */
  async writePace(row: PaceRow): Promise<string | undefined> {
    const entity = {
      partitionKey: QUEUE,
      rowKey: PACE_ROW,
      pace: JSON.stringify(row.pace),
      dispatcher: row.dispatcher,
      failingSince: row.failingSince ?? '',
      failures: row.failures ?? 0,
    };
    try {
      const written = row.etag
        ? await this.queue.updateEntity(entity, 'Replace', { etag: row.etag })
        : await this.queue.createEntity(entity);
      return written.etag;
    } catch (error) {
      if (isPreconditionFailed(error) || isConflict(error)) return undefined;
      throw error;
    }
  }

  private async merge(key: MailKey, values: Record<string, string | number>): Promise<void> {
    await this.mails.updateEntity({ partitionKey: key.stream, rowKey: rowKeyOf(key), ...values }, 'Merge');
  }
}

function queueEntity(mail: MailRecord) {
  return {
    partitionKey: QUEUE,
    rowKey: mail.queueKey,
    stream: mail.key.stream,
    kind: mail.key.kind,
    sequence: mail.key.sequence,
    lane: mail.lane,
    queuedAt: mail.queuedAt,
  };
}

function toRecord(row: Record<string, unknown> & { etag: string }): MailRecord {
  const rowKey = String(row.rowKey);
  const dash = rowKey.lastIndexOf('-');
  const text = (name: string) => {
    const value = row[name];
    return typeof value === 'string' ? value : undefined;
  };
  const record: MailRecord = {
    key: {
      stream: String(row.partitionKey),
      kind: rowKey.slice(0, dash),
      sequence: Number(rowKey.slice(dash + 1)),
    },
    lane: row.lane === 'people' ? 'people' : 'bulk',
    to: String(row.to),
    subject: String(row.subject),
    text: readChunks('text', row),
    html: readChunks('html', row),
    state: (text('state') ?? 'queued') as MailState,
    queuedAt: String(row.queuedAt),
    queueKey: String(row.queueKey),
    renewals: Number(row.renewals ?? 0),
    attempts: Number(row.attempts ?? 0),
    etag: row.etag,
  };
  for (const name of [
    'replyTo',
    'owner',
    'operationId',
    'acsStatus',
    'sentAt',
    'failure',
    'toldAt',
    'firstSent',
  ] as const) {
    const value = text(name);
    if (value) record[name] = value;
  }
  return record;
}
