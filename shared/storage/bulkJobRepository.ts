import { odata, type TableClient, type TransactionAction } from '@azure/data-tables';
import { claim, release } from '../../lib/tables/claims';
import { readChunks, writeChunks } from '../../lib/tables/chunkedProperty';
import { isNotFound } from '../../lib/tables/tableErrors';
import type { FieldIssue } from '../model/validationError';
import type { ReinstatementRequest } from '../model/request';

/** How one row of a bulk start ended. Row numbers count from 1, as a spreadsheet shows them. */
export type RowResult =
  | { row: number; status: 'started' | 'existing'; id: string }
  | { row: number; status: 'invalid'; errors: FieldIssue[] }
  | { row: number; status: 'failed'; error: string };

export interface BulkJob {
  id: string;
  createdAt: string;
  createdBy: string;
  rows: number;
  valid: number;
  invalid: number;
  pages: number;
}

export interface BulkRow {
  row: number;
  request: ReinstatementRequest;
}

export interface BulkPage {
  index: number;
  rows: BulkRow[];
  /** Set once the page's rows were started. */
  results?: RowResult[];
}

/** Rows per stored page: one activity starts a page; a page's JSON stays well under an entity's 1 MB. */
export const BULK_PAGE_ROWS = 250;
const JOB_ROW = 'job';
const INVALID_ROW = 'invalid';
const pageKey = (index: number) => `page-${String(index).padStart(5, '0')}`;
/** A claim whose job never got written this long after claiming it died while being submitted. */
const SUBMIT_GRACE_MS = 120_000;

/** Who submitted the same job first, and what they submitted (a digest of the request). */
export type SubmissionClaim = { won: true } | { won: false; jobId: string; requestDigest: string };

/**
 * Bulk start jobs in Table storage, one partition per job: the job, its invalid rows, and its valid
 * rows in pages that get their results once started. The whole job is written in one entity-group
 * transaction before the partner hears "accepted", so nothing acknowledged can be lost.
 */
export class BulkJobRepository {
  constructor(private readonly table: TableClient) {}

  async ensureTable(): Promise<void> {
    await this.table.createTable();
  }

  async create(
    job: Omit<BulkJob, 'pages' | 'valid' | 'invalid'>,
    valid: BulkRow[],
    invalid: RowResult[],
  ): Promise<BulkJob> {
    const pages = Math.ceil(valid.length / BULK_PAGE_ROWS);
    const stored: BulkJob = { ...job, valid: valid.length, invalid: invalid.length, pages };
    const actions: TransactionAction[] = [
      ['create', { partitionKey: job.id, rowKey: JOB_ROW, ...stored }],
      [
        'create',
        { partitionKey: job.id, rowKey: INVALID_ROW, ...writeChunks('results', JSON.stringify(invalid)) },
      ],
    ];
    for (let index = 0; index < pages; index++) {
      const rows = valid.slice(index * BULK_PAGE_ROWS, (index + 1) * BULK_PAGE_ROWS);
      actions.push([
        'create',
        { partitionKey: job.id, rowKey: pageKey(index), ...writeChunks('rows', JSON.stringify(rows)) },
      ]);
    }
    await this.table.submitTransaction(actions);
    return stored;
  }

  /**
   * Claims `key` (a digest naming "the same submission") for the job `jobId`, by a conditional write:
   * of any number of identical submissions at once, on any number of app instances, one wins. The
   * others are answered the job that holds it while it was claimed less than `windowMs` ago (and has
   * been written, or is being written now); after that the key is free for a new job.
   */
  async claimSubmission(
    key: string,
    jobId: string,
    claimed: { requestDigest: string; now: Date; windowMs: number },
  ): Promise<SubmissionClaim> {
    const now = claimed.now.getTime();
    const outcome = await claim(
      this.table,
      `claim-${key}`,
      {
        holder: jobId,
        claimedAt: claimed.now.toISOString(),
        facts: { requestDigest: claimed.requestDigest },
      },
      async (held) => {
        const age = now - Date.parse(held.claimedAt);
        if (!(age < claimed.windowMs)) return false;
        return age < SUBMIT_GRACE_MS || (await this.get(held.holder)) !== undefined;
      },
    );
    return outcome.won
      ? outcome
      : { won: false, jobId: outcome.claim.holder, requestDigest: outcome.claim.facts.requestDigest ?? '' };
  }

  /** Gives a submission's claim back (its job could not be written), so that a retry can write it. */
  releaseSubmission(key: string, jobId: string): Promise<void> {
    return release(this.table, `claim-${key}`, jobId);
  }

  async get(id: string): Promise<BulkJob | undefined> {
    try {
      const e = await this.table.getEntity<Record<string, unknown>>(id, JOB_ROW);
      return {
        id,
        createdAt: String(e.createdAt),
        createdBy: String(e.createdBy),
        rows: Number(e.rows),
        valid: Number(e.valid),
        invalid: Number(e.invalid),
        pages: Number(e.pages),
      };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** Jobs with pages not yet started, oldest first (for the watchdog). */
  async unfinished(): Promise<BulkJob[]> {
    const jobs: BulkJob[] = [];
    for await (const e of this.table.listEntities<Record<string, unknown>>({
      queryOptions: { filter: odata`RowKey eq ${JOB_ROW}` },
    })) {
      const job = await this.get(String(e.partitionKey));
      if (job && (await this.results(job.id)).pending > 0) jobs.push(job);
    }
    return jobs;
  }

  async page(id: string, index: number): Promise<BulkPage> {
    const e = await this.table.getEntity<Record<string, unknown>>(id, pageKey(index));
    return toPage(index, e);
  }

  async recordResults(id: string, index: number, results: RowResult[]): Promise<void> {
    await this.table.updateEntity(
      {
        partitionKey: id,
        rowKey: pageKey(index),
        ...writeChunks('results', JSON.stringify(results)),
        done: true,
      },
      'Merge',
    );
  }

  /** Every row's result so far, in row order, and how many valid rows still wait to be started. */
  async results(id: string): Promise<{ results: RowResult[]; pending: number }> {
    const results: RowResult[] = [];
    let pending = 0;
    for await (const e of this.table.listEntities<Record<string, unknown>>({
      queryOptions: { filter: odata`PartitionKey eq ${id} and RowKey ne ${JOB_ROW}` },
    })) {
      if (e.rowKey === INVALID_ROW) {
        results.push(...(JSON.parse(readChunks('results', e) || '[]') as RowResult[]));
        continue;
      }
      const page = toPage(Number(String(e.rowKey).slice('page-'.length)), e);
      if (page.results) results.push(...page.results);
      else pending += page.rows.length;
    }
    return { results: results.sort((a, b) => a.row - b.row), pending };
  }
}

function toPage(index: number, e: Record<string, unknown>): BulkPage {
  const page: BulkPage = { index, rows: JSON.parse(readChunks('rows', e)) as BulkRow[] };
  if (e.done === true) page.results = JSON.parse(readChunks('results', e)) as RowResult[];
  return page;
}
