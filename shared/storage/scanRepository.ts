import { odata, type TableClient } from '@azure/data-tables';
import { claim } from '../../lib/tables/claims';
import { isConflict, isNotFound, isPreconditionFailed } from '../../lib/tables/tableErrors';
import type { ScanOutcome, WatchChange, WatchFacts } from '../model/watch';
import type { Page, PageRequest } from './reinstatementRepository';

/** A customer as the scan keeps it from Partner Center's list: its tenant and its name. */
export interface ListedCustomer {
  tenantId: string;
  name: string;
}

/** How one Azure subscription of a customer stands, as the scan found it. */

export interface ScanResult {
  customerTenantId: string;
  customerName: string;
  /** The Azure subscription; absent when the customer's subscriptions could not be listed. */
  subscriptionId?: string;
  outcome: ScanOutcome;
  /** What was seen (the verification's finding for lost access, the reason it could not be checked). */
  finding?: string;
  explanation: string;
  /** A reinstatement already running for this customer. */
  inReinstatement?: string;
  checkedAt: string;
  /** The watch: how it moved since the previous finished scan, and when it last had access. */
  change?: WatchFacts['change'];
  lastKnown?: WatchFacts['lastKnown'];
  lastAccessAt?: string;
  accessSince?: string;
  /** The customer's Azure plans in Partner Center (comma-separated), and when they were last listed. */
  azurePlanIds?: string;
  plansListedAt?: string;
}

/** A result without its finding and explanation: how a subscription stands, for listing them all. */
export type ScanStanding = Pick<
  ScanResult,
  | 'customerTenantId'
  | 'customerName'
  | 'subscriptionId'
  | 'outcome'
  | 'inReinstatement'
  | 'checkedAt'
  | 'change'
  | 'lastAccessAt'
  | 'accessSince'
>;

const STANDING_COLUMNS = [
  'customerTenantId',
  'customerName',
  'subscriptionId',
  'outcome',
  'inReinstatement',
  'checkedAt',
  'change',
  'lastAccessAt',
  'accessSince',
] as const satisfies readonly (keyof ScanStanding)[];

export interface ScanRecord {
  id: string;
  createdAt: string;
  createdBy: string;
  state: 'running' | 'done';
  finishedAt?: string;
  /** Set when the scan ended before listing every customer (Partner Center refused or kept failing). */
  stoppedBecause?: string;
  /** Customers Partner Center listed so far, and those whose subscriptions are all classified. */
  customersListed: number;
  customersScanned: number;
  /** The finished scan this one's results are compared with (the watch), when there was one. */
  previousScanId?: string;
}

/**
 * A scan's results counted so that they add up: `results` = `subscriptions` + `customersNotListed`
 * = `hasAccess` + `lostAccess` + `couldNotCheck` (gone subscriptions are reported, not counted).
 */
export interface ScanCounts {
  /** Every result: one per Azure subscription, one per customer whose subscriptions could not be listed. */
  results: number;
  /** Azure subscriptions checked (or tried). */
  subscriptions: number;
  /** Customers whose Azure subscriptions Partner Center did not list (each one result, could not check). */
  customersNotListed: number;
  hasAccess: number;
  lostAccess: number;
  couldNotCheck: number;
  inReinstatement: number;
  /** The watch's changes since the previous finished scan. */
  newlyLost: number;
  regained: number;
  gone: number;
}

const RECORD = 'scan';
/** The pointer to the last scan that finished having listed every customer (the watch's baseline). */
const LATEST = { partitionKey: 'watch', rowKey: 'latest-finished' } as const;
/** The claim row naming the scan that runs (one at a time across every app instance). */
const RUNNING_CLAIM = 'claim-running-scan';
/** A claim whose scan never got its record this long after claiming it died while starting. */
const START_GRACE_MS = 120_000;
const pageKey = (page: number) => `page-${String(page).padStart(5, '0')}`;
const doneKey = (tenantId: string) => `done-${tenantId}`;
const resultKey = (tenantId: string, subscriptionId?: string) =>
  `result-${tenantId}-${subscriptionId ?? 'customer'}`;

/**
 * A scan in one partition of its table: the record, the customer pages Partner Center gave, one row
 * per classified subscription, and a row per customer finished. Rows are keyed by what they are
 * about, so a scan resumed after a crash rewrites the same rows and never checks a finished customer
 * again.
 */
export class ScanRepository {
  constructor(private readonly table: TableClient) {}

  async create(record: ScanRecord): Promise<void> {
    await this.table.createEntity({ partitionKey: record.id, rowKey: RECORD, ...record });
  }

  async get(id: string): Promise<ScanRecord | undefined> {
    try {
      const e = await this.table.getEntity<ScanRecord>(id, RECORD);
      return {
        id: e.id,
        createdAt: e.createdAt,
        createdBy: e.createdBy,
        state: e.state,
        ...(e.finishedAt ? { finishedAt: e.finishedAt } : {}),
        ...(e.stoppedBecause ? { stoppedBecause: e.stoppedBecause } : {}),
        customersListed: Number(e.customersListed ?? 0),
        customersScanned: Number(e.customersScanned ?? 0),
        ...(e.previousScanId ? { previousScanId: e.previousScanId } : {}),
      };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /**
   * Claims "the scan that runs" for `id` (by a conditional write, so two app instances starting a
   * scan at the same moment cannot both win). Answers the scan that runs: `id` when it won, or the
   * one that holds the claim while its record says running (or, without a record yet, while it is
   * being started). A claim whose scan is done is taken over.
   */
  async claimRunning(id: string, now: Date): Promise<{ id: string; existing: boolean }> {
    const outcome = await claim(
      this.table,
      RUNNING_CLAIM,
      { holder: id, claimedAt: now.toISOString() },
      async (held) => {
        const scan = await this.get(held.holder);
        if (scan) return scan.state === 'running';
        return now.getTime() - Date.parse(held.claimedAt) < START_GRACE_MS;
      },
    );
    return outcome.won ? { id, existing: false } : { id: outcome.claim.holder, existing: true };
  }

  /** Scans whose record says running (a handful at most: one runs at a time). */
  async running(): Promise<string[]> {
    const ids: string[] = [];
    for await (const e of this.table.listEntities<ScanRecord>({
      queryOptions: { filter: odata`RowKey eq ${RECORD} and state eq 'running'`, select: ['id'] },
    }))
      ids.push(e.id);
    return ids;
  }

  async update(id: string, changes: Partial<ScanRecord>): Promise<void> {
    await this.table.upsertEntity({ partitionKey: id, rowKey: RECORD, ...changes }, 'Merge');
  }

  /**
   * The customers of one Partner Center page and the token of the next, kept so that a resumed scan
   * works on the same customers. (100 customers' ids and names stay far below an entity's 64 KB
   * property limit.)
   */
  async savePage(id: string, page: number, customers: ListedCustomer[], next?: string): Promise<void> {
    await this.table.upsertEntity(
      { partitionKey: id, rowKey: pageKey(page), customers: JSON.stringify(customers), next: next ?? '' },
      'Replace',
    );
  }

  async page(id: string, page: number): Promise<{ customers: ListedCustomer[]; next?: string } | undefined> {
    try {
      const e = await this.table.getEntity<{ customers: string; next: string }>(id, pageKey(page));
      const customers: ListedCustomer[] = JSON.parse(e.customers);
      return { customers, ...(e.next ? { next: e.next } : {}) };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async isCustomerDone(id: string, tenantId: string): Promise<boolean> {
    try {
      await this.table.getEntity(id, doneKey(tenantId));
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  /** The customer's results, then the mark that it is finished (so a crash between re-does it whole). */
  async recordCustomer(id: string, tenantId: string, results: ScanResult[]): Promise<void> {
    for (const result of results)
      await this.table.upsertEntity(
        { partitionKey: id, rowKey: resultKey(tenantId, result.subscriptionId), ...result },
        'Replace',
      );
    await this.table.upsertEntity(
      { partitionKey: id, rowKey: doneKey(tenantId), at: new Date().toISOString() },
      'Replace',
    );
  }

  /** The results of one customer (the watch compares a customer's subscriptions with the previous scan's). */
  async customerResults(id: string, tenantId: string): Promise<ScanResult[]> {
    const from = `result-${tenantId}-`;
    const results: ScanResult[] = [];
    for await (const e of this.table.listEntities<ScanResult>({
      queryOptions: {
        filter: odata`PartitionKey eq ${id} and RowKey ge ${from} and RowKey lt ${`${from}~`}`,
      },
    }))
      results.push(toResult(e));
    return results;
  }

  /** Results of a subscription no longer listed (`gone`), written when the scan finishes. */
  async recordGone(id: string, results: ScanResult[]): Promise<void> {
    for (const result of results)
      await this.table.upsertEntity(
        { partitionKey: id, rowKey: resultKey(result.customerTenantId, result.subscriptionId), ...result },
        'Replace',
      );
  }

  /** The last scan that finished having listed every customer. */
  async latestFinished(): Promise<string | undefined> {
    try {
      return (await this.table.getEntity<{ scanId: string }>(LATEST.partitionKey, LATEST.rowKey)).scanId;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** Makes `id` the watch's baseline unless a scan that finished later already is. */
  async markLatestFinished(id: string, finishedAt: string): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      let current: { scanId: string; finishedAt: string; etag?: string } | undefined;
      try {
        current = await this.table.getEntity<{ scanId: string; finishedAt: string }>(
          LATEST.partitionKey,
          LATEST.rowKey,
        );
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
      if (current && current.finishedAt >= finishedAt) return;
      try {
        if (current?.etag)
          await this.table.updateEntity({ ...LATEST, scanId: id, finishedAt }, 'Replace', {
            etag: current.etag,
          });
        else await this.table.createEntity({ ...LATEST, scanId: id, finishedAt });
        return;
      } catch (error) {
        if (!isConflict(error) && !isPreconditionFailed(error)) throw error;
      }
    }
  }

  /** Results a page at a time, optionally of one outcome or one change since the previous scan. */
  async results(
    id: string,
    page: PageRequest & { outcome?: ScanOutcome; change?: WatchChange } = {},
  ): Promise<Page<ScanResult>> {
    let filter = odata`PartitionKey eq ${id} and RowKey ge 'result-' and RowKey lt 'result.'`;
    if (page.outcome) filter += odata` and outcome eq ${page.outcome}`;
    if (page.change) filter += odata` and change eq ${page.change}`;
    const iterator = this.table.listEntities<ScanResult>({ queryOptions: { filter } }).byPage({
      maxPageSize: page.pageSize ?? 100,
      ...(page.continuationToken ? { continuationToken: page.continuationToken } : {}),
    });
    const first = await iterator.next();
    const entities = first.done ? [] : first.value;
    return {
      items: entities.map(toResult),
      ...(entities.continuationToken ? { continuationToken: entities.continuationToken } : {}),
    };
  }

  /**
   * Every result's standing (no finding or explanation): the few columns the console's Access page
   * filters, searches and pages by, read with `$select` in pages of 1,000.
   */
  async standings(id: string): Promise<ScanStanding[]> {
    const out: ScanStanding[] = [];
    const entities = this.table.listEntities<ScanStanding>({
      queryOptions: {
        filter: odata`PartitionKey eq ${id} and RowKey ge 'result-' and RowKey lt 'result.'`,
        select: [...STANDING_COLUMNS],
      },
    });
    for await (const page of entities.byPage({ maxPageSize: 1000 }))
      for (const e of page)
        out.push({
          customerTenantId: e.customerTenantId,
          customerName: e.customerName,
          ...(e.subscriptionId ? { subscriptionId: e.subscriptionId } : {}),
          outcome: e.outcome,
          ...(e.inReinstatement ? { inReinstatement: e.inReinstatement } : {}),
          checkedAt: e.checkedAt,
          ...(e.change ? { change: e.change } : {}),
          ...(e.lastAccessAt ? { lastAccessAt: e.lastAccessAt } : {}),
          ...(e.accessSince ? { accessSince: e.accessSince } : {}),
        });
    return out;
  }

  /** Every result (for counts and the findings CSV). */
  async allResults(id: string): Promise<ScanResult[]> {
    const all: ScanResult[] = [];
    let continuationToken: string | undefined;
    do {
      const page = await this.results(id, {
        pageSize: 1000,
        ...(continuationToken ? { continuationToken } : {}),
      });
      all.push(...page.items);
      continuationToken = page.continuationToken;
    } while (continuationToken);
    return all;
  }
}

function toResult(e: ScanResult): ScanResult {
  return {
    customerTenantId: e.customerTenantId,
    customerName: e.customerName,
    ...(e.subscriptionId ? { subscriptionId: e.subscriptionId } : {}),
    outcome: e.outcome,
    ...(e.finding ? { finding: e.finding } : {}),
    explanation: e.explanation,
    ...(e.inReinstatement ? { inReinstatement: e.inReinstatement } : {}),
    checkedAt: e.checkedAt,
    ...(e.change ? { change: e.change } : {}),
    ...(e.lastKnown ? { lastKnown: e.lastKnown } : {}),
    ...(e.lastAccessAt ? { lastAccessAt: e.lastAccessAt } : {}),
    ...(e.accessSince ? { accessSince: e.accessSince } : {}),
    ...(e.azurePlanIds ? { azurePlanIds: e.azurePlanIds } : {}),
    ...(e.plansListedAt ? { plansListedAt: e.plansListedAt } : {}),
  };
}

export function countResults(all: ScanResult[]): ScanCounts {
  // A subscription Partner Center no longer lists is reported, not counted as checked.
  const results = all.filter((r) => r.change !== 'gone');
  return {
    results: results.length,
    subscriptions: results.filter((r) => r.subscriptionId).length,
    customersNotListed: results.filter((r) => !r.subscriptionId).length,
    hasAccess: results.filter((r) => r.outcome === 'has-access').length,
    lostAccess: results.filter((r) => r.outcome === 'lost-access').length,
    couldNotCheck: results.filter((r) => r.outcome === 'could-not-check').length,
    inReinstatement: new Set(results.filter((r) => r.inReinstatement).map((r) => r.customerTenantId)).size,
    newlyLost: results.filter((r) => r.change === 'newly-lost').length,
    regained: results.filter((r) => r.change === 'regained').length,
    gone: all.length - results.length,
  };
}
