import { createHash } from 'node:crypto';
import type { TableClient } from '@azure/data-tables';
import { readChunks, writeChunks } from '../../../lib/tables/chunkedProperty';
import { isConflict, isNotFound, isPreconditionFailed } from '../../../lib/tables/tableErrors';
import { assertSafeTableKey } from '../../../lib/tables/tableKeys';
import type { Failure } from '../outcomes';
import type { EmailSender, OutgoingMail } from './acsEmailSender';

/** Identifies one mail for good: the same key is never sent twice. */
export interface MailKey {
  /** The reinstatement id (or `partner-ops` for operator notifications). */
  stream: string;
  kind: string;
  /** 0 for the first mail of a kind, 1.. for reminders. */
  sequence: number;
}

export type SendOutcome =
  | { kind: 'sent'; operationId: string; firstAttemptAt: string }
  | { kind: 'alreadySent'; operationId: string }
  | { kind: 'failed'; failure: Failure };

/** ACS tracks repeatable requests for 5 minutes; past that a retry is a new send. */
const TRACKING_WINDOW_MS = 5 * 60_000;

/** A stable GUID for a key, so the Repeatability-Request-Id of a retry is the first attempt's. */
export function requestIdFor(key: MailKey, renewal = 0): string {
  const h = createHash('sha256').update(`${key.stream}|${key.kind}|${key.sequence}|${renewal}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h.slice(16, 17), 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * Idempotent sending. The intent (recipient and exact content) is recorded before the first attempt,
 * with the Repeatability-Request-Id derived from the key and the time of that first attempt; every
 * retry sends the recorded bytes with the same headers. So:
 * - a retry after a crash between "ACS accepted" and "we recorded it" is de-duplicated by ACS while
 *   it comes within ACS's 5-minute tracking window (activity retries come within seconds);
 * - a retry after that window cannot be de-duplicated by anyone: it is sent again (at least once,
 *   never lost), and the record counts the renewal so operators can see it happened.
 * Once recorded as sent, a key is never sent again.
 */
export class EmailOutbox {
  constructor(
    private readonly table: TableClient,
    private readonly sender: EmailSender,
    private readonly now: () => Date = () => new Date(),
    /** Test seam: runs after ACS accepted and before the outcome is recorded (a crash lands here). */
    private readonly afterAccepted: () => Promise<void> = async () => {},
  ) {}

  async send(key: MailKey, mail: OutgoingMail): Promise<SendOutcome> {
    const partitionKey = assertSafeTableKey(key.stream, 'mail stream');
    const rowKey = `${key.kind}-${String(key.sequence).padStart(3, '0')}`;
    assertSafeTableKey(rowKey, 'mail kind');
    for (let attempt = 0; attempt < 5; attempt++) {
      const row = await this.read(partitionKey, rowKey);
      if (!row) {
        try {
          await this.table.createEntity({
            partitionKey,
            rowKey,
            state: 'pending',
            to: mail.to,
            subject: mail.subject,
            ...writeChunks('text', mail.text),
            ...writeChunks('html', mail.html),
            renewals: 0,
            createdAt: this.now().toISOString(),
          });
        } catch (error) {
          if (!isConflict(error)) throw error;
        }
        continue;
      }
      if (row.state === 'sent') return { kind: 'alreadySent', operationId: String(row.operationId) };

      // Record the first attempt's time before sending; renew it when ACS's window has passed.
      let firstSent = typeof row.firstSent === 'string' ? row.firstSent : undefined;
      let renewals = Number(row.renewals ?? 0);
      const expired =
        firstSent !== undefined && this.now().getTime() - Date.parse(firstSent) > TRACKING_WINDOW_MS;
      if (!firstSent || expired) {
        if (expired) renewals++;
        firstSent = this.now().toUTCString();
        try {
          await this.table.updateEntity({ partitionKey, rowKey, firstSent, renewals }, 'Merge', {
            etag: row.etag,
          });
        } catch (error) {
          if (isPreconditionFailed(error)) continue;
          throw error;
        }
      }
      const recorded: OutgoingMail = {
        to: String(row.to),
        subject: String(row.subject),
        text: readChunks('text', row),
        html: readChunks('html', row),
      };
      const result = await this.sender.send(recorded, { requestId: requestIdFor(key, renewals), firstSent });
      if (result.kind === 'windowExpired') {
        await this.table.updateEntity(
          { partitionKey, rowKey, firstSent: new Date(0).toUTCString() },
          'Merge',
        );
        continue;
      }
      if (result.kind === 'failed') {
        await this.table.updateEntity(
          { partitionKey, rowKey, lastError: result.failure.kind, lastErrorAt: this.now().toISOString() },
          'Merge',
        );
        return { kind: 'failed', failure: result.failure };
      }
      await this.afterAccepted();
      await this.table.updateEntity(
        {
          partitionKey,
          rowKey,
          state: 'sent',
          operationId: result.operationId,
          sentAt: this.now().toISOString(),
        },
        'Merge',
      );
      return { kind: 'sent', operationId: result.operationId, firstAttemptAt: firstSent };
    }
    return {
      kind: 'failed',
      failure: { kind: 'transient', message: 'the outbox record kept changing; try again' },
    };
  }

  private async read(partitionKey: string, rowKey: string) {
    try {
      return await this.table.getEntity<Record<string, unknown>>(partitionKey, rowKey);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }
}
