import { odata, type TableClient } from '@azure/data-tables';
import { readChunks, writeChunks } from '../../lib/tables/chunkedProperty';
import { isConflict, isNotFound, isPreconditionFailed } from '../../lib/tables/tableErrors';
import { assertSafeTableKey } from '../../lib/tables/tableKeys';
import { isAlertKind, type Alert } from '../model/alerts';

const ALERTS = 'alert';
const DIGESTS = 'digest';
const DELIVERIES = 'alert-delivery';
/** An alert's `digest` until a digest takes it; urgent alerts are sent at once and never digested. */
const NOT_DIGESTED = '';
export const URGENT = 'urgent';

export interface StoredAlert extends Alert {
  /** The digest that carried it ('' while none has; `urgent` for one sent at once). */
  digest: string;
}

export interface DigestRecord {
  id: string;
  /** collecting: taking alerts; collected: its alerts are fixed, being mailed and posted. */
  state: 'collecting' | 'collected' | 'sent' | 'empty';
  claimedAt: string;
  sentAt?: string;
  alerts?: number;
}

export type Channel = 'teams' | 'json';

/** One post to a webhook, kept until it is delivered, refused, or given up. */
export interface Delivery {
  id: string;
  channel: Channel;
  body: string;
  state: 'pending' | 'delivered' | 'refused' | 'gave-up';
  createdAt: string;
  /** Not to be tried before this time (ms); a try in progress holds it for a lease. */
  nextAt: number;
  attempts: number;
  lastError?: string;
  deliveredAt?: string;
  etag: string;
}

/**
 * Alerts, digests and webhook deliveries, in partitions of the partner's state table. Every write
 * that must happen once is decided by Table storage: an alert or a delivery is created only if
 * absent, a digest is claimed by creating its row, and an alert joins a digest, or a delivery is
 * taken for a try, only with the ETag it was read with.
 */
export class AlertRepository {
  constructor(private readonly table: TableClient) {}

  /** Records an alert unless one with its id exists; answers whether this call recorded it. */
  async record(alert: Alert, digest = NOT_DIGESTED): Promise<boolean> {
    assertSafeTableKey(alert.id, 'alert id');
    try {
      await this.table.createEntity({ partitionKey: ALERTS, rowKey: alert.id, ...alert, digest });
      return true;
    } catch (error) {
      if (isConflict(error)) return false;
      throw error;
    }
  }

  /** Alerts not yet in a digest (or in the one named), oldest first. */
  async undigested(digest = NOT_DIGESTED): Promise<(StoredAlert & { etag: string })[]> {
    const alerts: (StoredAlert & { etag: string })[] = [];
    for await (const e of this.table.listEntities<StoredAlert>({
      queryOptions: { filter: odata`PartitionKey eq ${ALERTS} and digest eq ${digest}` },
    }))
      if (isAlertKind(e.kind)) alerts.push({ ...alertOf(e), etag: e.etag });
    return alerts.sort((a, b) => a.at.localeCompare(b.at) || a.id.localeCompare(b.id));
  }

  /** The alerts a digest carries. */
  async ofDigest(digest: string): Promise<StoredAlert[]> {
    return (await this.undigested(digest)).map(({ etag: _etag, ...alert }) => alert);
  }

  /** The latest alerts, newest first (the console and GET /api/alerts). */
  async latest(limit: number): Promise<StoredAlert[]> {
    const alerts: StoredAlert[] = [];
    for await (const e of this.table.listEntities<StoredAlert>({
      queryOptions: { filter: odata`PartitionKey eq ${ALERTS}` },
    }))
      if (isAlertKind(e.kind)) alerts.push(alertOf(e));
    return alerts.sort((a, b) => b.at.localeCompare(a.at) || a.id.localeCompare(b.id)).slice(0, limit);
  }

  /** Puts an alert into a digest; false when another digest took it first. */
  async takeInto(alert: StoredAlert & { etag: string }, digest: string): Promise<boolean> {
    try {
      await this.table.updateEntity({ partitionKey: ALERTS, rowKey: alert.id, digest }, 'Merge', {
        etag: alert.etag,
      });
      return true;
    } catch (error) {
      if (isPreconditionFailed(error)) return false;
      throw error;
    }
  }

  /** Claims a digest by creating its row: of any number of callers at once, one gets 'won'. */
  async claimDigest(id: string, at: string): Promise<'won' | DigestRecord> {
    assertSafeTableKey(id, 'digest id');
    try {
      await this.table.createEntity({
        partitionKey: DIGESTS,
        rowKey: id,
        state: 'collecting',
        claimedAt: at,
      });
      return 'won';
    } catch (error) {
      if (!isConflict(error)) throw error;
    }
    const existing = await this.digest(id);
    if (!existing) throw new Error(`digest ${id} vanished while it was being claimed`);
    return existing;
  }

  async digest(id: string): Promise<DigestRecord | undefined> {
    try {
      return digestOf(await this.table.getEntity<DigestRecord>(DIGESTS, id));
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** Digests claimed but not finished (their claimant stopped midway): finished by the next caller. */
  async unfinishedDigests(): Promise<(DigestRecord & { etag: string })[]> {
    const digests: (DigestRecord & { etag: string })[] = [];
    for await (const e of this.table.listEntities<DigestRecord>({
      queryOptions: {
        filter: odata`PartitionKey eq ${DIGESTS} and (state eq 'collecting' or state eq 'collected')`,
      },
    }))
      digests.push({ ...digestOf(e), etag: e.etag });
    return digests;
  }

  /**
   * Takes over an unfinished digest with the ETag it was read with: of callers that found it at the
   * same moment, one finishes it.
   */
  async reclaimDigest(digest: DigestRecord & { etag: string }, at: string): Promise<boolean> {
    try {
      await this.table.updateEntity({ partitionKey: DIGESTS, rowKey: digest.id, claimedAt: at }, 'Merge', {
        etag: digest.etag,
      });
      return true;
    } catch (error) {
      if (isPreconditionFailed(error)) return false;
      throw error;
    }
  }

  async latestDigests(limit: number): Promise<DigestRecord[]> {
    const digests: DigestRecord[] = [];
    for await (const e of this.table.listEntities<DigestRecord>({
      queryOptions: { filter: odata`PartitionKey eq ${DIGESTS}` },
    }))
      digests.push(digestOf(e));
    return digests.sort((a, b) => b.id.localeCompare(a.id)).slice(0, limit);
  }

  /** Fixes a digest's alerts: a digest finished after a crash takes no alert that came later. */
  async digestCollected(id: string, alerts: number): Promise<void> {
    await this.table.upsertEntity({ partitionKey: DIGESTS, rowKey: id, state: 'collected', alerts }, 'Merge');
  }

  async finishDigest(id: string, state: 'sent' | 'empty', at: string, alerts: number): Promise<void> {
    await this.table.upsertEntity({ partitionKey: DIGESTS, rowKey: id, state, sentAt: at, alerts }, 'Merge');
  }

  /** Adds a delivery unless one with its id exists (a resumed digest adds the same ones again). */
  async addDelivery(d: Pick<Delivery, 'id' | 'channel' | 'body' | 'createdAt' | 'nextAt'>): Promise<void> {
    assertSafeTableKey(d.id, 'delivery id');
    try {
      await this.table.createEntity({
        partitionKey: DELIVERIES,
        rowKey: d.id,
        channel: d.channel,
        ...writeChunks('body', d.body),
        state: 'pending',
        createdAt: d.createdAt,
        nextAt: d.nextAt,
        attempts: 0,
      });
    } catch (error) {
      if (!isConflict(error)) throw error;
    }
  }

  /** Deliveries waiting whose time has come. */
  async dueDeliveries(now: number): Promise<Delivery[]> {
    const due: Delivery[] = [];
    for await (const e of this.table.listEntities<Record<string, unknown>>({
      queryOptions: {
        filter: odata`PartitionKey eq ${DELIVERIES} and state eq 'pending' and nextAt le ${now}`,
      },
    }))
      due.push(deliveryOf(e));
    return due.sort((a, b) => a.nextAt - b.nextAt || a.id.localeCompare(b.id));
  }

  async deliveries(): Promise<Delivery[]> {
    const all: Delivery[] = [];
    for await (const e of this.table.listEntities<Record<string, unknown>>({
      queryOptions: { filter: odata`PartitionKey eq ${DELIVERIES}` },
    }))
      all.push(deliveryOf(e));
    return all;
  }

  /**
   * Takes a delivery for one try, holding it until `leaseUntil`: false when another caller took it
   * first (so two timers or instances never post the same delivery at once).
   */
  async take(delivery: Delivery, leaseUntil: number): Promise<Delivery | undefined> {
    try {
      const { etag } = await this.table.updateEntity(
        {
          partitionKey: DELIVERIES,
          rowKey: delivery.id,
          nextAt: leaseUntil,
          attempts: delivery.attempts + 1,
        },
        'Merge',
        { etag: delivery.etag },
      );
      return { ...delivery, nextAt: leaseUntil, attempts: delivery.attempts + 1, etag: etag ?? '' };
    } catch (error) {
      if (isPreconditionFailed(error)) return undefined;
      throw error;
    }
  }

  /** Records a try's outcome (with the ETag of the take, so a late answer cannot undo a later one). */
  async settle(
    delivery: Delivery,
    outcome: Pick<Delivery, 'state'> & Partial<Pick<Delivery, 'nextAt' | 'lastError' | 'deliveredAt'>>,
  ): Promise<void> {
    try {
      await this.table.updateEntity({ partitionKey: DELIVERIES, rowKey: delivery.id, ...outcome }, 'Merge', {
        etag: delivery.etag,
      });
    } catch (error) {
      if (!isPreconditionFailed(error)) throw error;
    }
  }
}

function alertOf(e: StoredAlert): StoredAlert {
  return {
    id: e.id,
    kind: e.kind,
    at: e.at,
    summary: e.summary,
    digest: e.digest ?? NOT_DIGESTED,
    ...(e.customerName ? { customerName: e.customerName } : {}),
    ...(e.customerTenantId ? { customerTenantId: e.customerTenantId } : {}),
    ...(e.subscriptionId ? { subscriptionId: e.subscriptionId } : {}),
    ...(e.reinstatementId ? { reinstatementId: e.reinstatementId } : {}),
  };
}

function digestOf(e: DigestRecord & { rowKey?: string }): DigestRecord {
  return {
    id: e.rowKey ?? e.id,
    state: e.state,
    claimedAt: e.claimedAt,
    ...(e.sentAt ? { sentAt: e.sentAt } : {}),
    ...(e.alerts !== undefined ? { alerts: Number(e.alerts) } : {}),
  };
}

function deliveryOf(e: Record<string, unknown>): Delivery {
  return {
    id: String(e.rowKey),
    channel: e.channel === 'teams' ? 'teams' : 'json',
    body: readChunks('body', e),
    state: (e.state as Delivery['state']) ?? 'pending',
    createdAt: String(e.createdAt),
    nextAt: Number(e.nextAt ?? 0),
    attempts: Number(e.attempts ?? 0),
    ...(e.lastError ? { lastError: String(e.lastError) } : {}),
    ...(e.deliveredAt ? { deliveredAt: String(e.deliveredAt) } : {}),
    etag: String(e.etag),
  };
}
