import { createHash, randomUUID } from 'node:crypto';
import type { Container } from '../app/container';
import { parseReinstatementRequest } from '../model/request';
import { ValidationError } from '../model/validationError';
import { BULK_PAGE_ROWS, type BulkJob, type BulkRow, type RowResult } from '../storage/bulkJobRepository';
import { Orchestrations, type BulkStartInput, type WorkflowClient } from '../workflow/contract';
import { csvToBodies, MAX_BULK_ROWS } from './bulkCsv';
import { IdempotencyKeyReusedError, NotFoundError } from './errors';
import { parseJson, type ReadBody } from './requestBody';

export type BulkSubmission =
  /** `existing`: the same submission was accepted already (see `submit`), and this is its job. */
  | { kind: 'accepted'; job: BulkJob; invalidRows: RowResult[]; existing: boolean }
  /** Not one row is valid: it is the request that is wrong, and nothing was written. */
  | { kind: 'noValidRow'; invalidRows: RowResult[] };

export interface BulkJobStatus extends BulkJob {
  done: boolean;
  counts: { started: number; existing: number; invalid: number; failed: number; pending: number };
  results: RowResult[];
  page: number;
  pageSize: number;
  totalPages: number;
}

const JOB_ID = /^b-[0-9a-f]{32}$/;
/** An identical body within this long of the first is the same submission (a double click, a retry). */
export const SAME_BODY_WINDOW_MS = 10 * 60_000;
/** An Idempotency-Key names one submission for this long (as payment APIs keep theirs, a day). */
export const IDEMPOTENCY_KEY_WINDOW_MS = 24 * 3_600_000;
/** How long an answer waits for the job a concurrent identical submission is writing right now. */
const SAME_JOB_WAIT_MS = 5_000;

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/**
 * The `Idempotency-Key` request header (draft-ietf-httpapi-idempotency-key-header: a structured-field
 * string, quoted; a bare token is taken too): 1 to 255 visible ASCII characters, nothing else.
 */
export function parseIdempotencyKey(header: string | null): string | undefined {
  if (header === null) return undefined;
  const value = /^"(.*)"$/.exec(header)?.[1] ?? header;
  if (!/^[\x21-\x7e]{1,255}$/.test(value))
    throw ValidationError.single('Idempotency-Key', 'must be 1 to 255 visible ASCII characters (no spaces)');
  return value;
}

/**
 * Bulk starts answer at once: every row is validated, the valid ones are stored as one job in a
 * single transaction, and a durable orchestration starts them (a crash midway resumes; each row is
 * started exactly once). Invalid rows are answered straight away and nothing of them is written.
 */
export class BulkStarts {
  constructor(
    private readonly app: Container,
    private readonly workflow: WorkflowClient,
  ) {}

  /** Every row checked, nothing written: what a submit would start and what it would refuse. */
  preview(body: ReadBody): { valid: BulkRow[]; invalidRows: RowResult[]; rows: number } {
    const bodies = body.contentType === 'text/csv' ? csvToBodies(body.text) : jsonRows(body.text);
    if (bodies.length === 0) throw ValidationError.single('body', 'must hold at least one row');
    if (bodies.length > MAX_BULK_ROWS)
      throw ValidationError.single('body', `must hold at most ${MAX_BULK_ROWS} rows`);
    const defaults = { delegatedAdmin: this.app.config.partner.delegatedAdminDefault };
    const valid: BulkRow[] = [];
    const invalidRows: RowResult[] = [];
    bodies.forEach((raw, index) => {
      const row = index + 1;
      try {
        valid.push({ row, request: parseReinstatementRequest(raw, defaults) });
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        invalidRows.push({ row, status: 'invalid', errors: [...error.issues] });
      }
    });
    return { valid, invalidRows, rows: bodies.length };
  }

  /**
   * Validates and stores the job, then starts it. The same submission is accepted once: a request
   * with the same `Idempotency-Key` within a day, or without one the same body (content type and
   * bytes) within ten minutes, is answered the first one's job (`existing`) and starts nothing. A
   * key reused for a different body is refused (422). Which request is first is decided by a claim
   * in Table storage, so identical requests at once, on any number of app instances, make one job.
   */
  async submit(
    body: ReadBody,
    by: string,
    options: { idempotencyKey?: string } = {},
  ): Promise<BulkSubmission> {
    const { valid, invalidRows, rows } = this.preview(body);
    if (valid.length === 0) return { kind: 'noValidRow', invalidRows };
    const now = this.app.now();
    const requestDigest = digest(`${body.contentType}\n${body.text}`);
    const key = options.idempotencyKey ? `key-${digest(options.idempotencyKey)}` : `body-${requestDigest}`;
    const job = {
      id: `b-${randomUUID().replace(/-/g, '')}`,
      createdAt: now.toISOString(),
      createdBy: by,
      rows,
    };
    const claimed = await this.app.bulkJobs.claimSubmission(key, job.id, {
      requestDigest,
      now,
      windowMs: options.idempotencyKey ? IDEMPOTENCY_KEY_WINDOW_MS : SAME_BODY_WINDOW_MS,
    });
    if (!claimed.won) {
      if (claimed.requestDigest !== requestDigest) throw new IdempotencyKeyReusedError();
      const first = await this.written(claimed.jobId);
      const counts = {
        valid: valid.length,
        invalid: invalidRows.length,
        pages: Math.ceil(valid.length / BULK_PAGE_ROWS),
      };
      return {
        kind: 'accepted',
        job: first ?? { ...job, id: claimed.jobId, ...counts },
        invalidRows,
        existing: true,
      };
    }
    let stored: BulkJob;
    try {
      stored = await this.app.bulkJobs.create(job, valid, invalidRows);
    } catch (error) {
      await this.app.bulkJobs.releaseSubmission(key, job.id);
      throw error;
    }
    await this.workflow.start(Orchestrations.bulkStart, stored.id, {
      jobId: stored.id,
      pages: stored.pages,
    } satisfies BulkStartInput);
    return { kind: 'accepted', job: stored, invalidRows, existing: false };
  }

  /** The job, once the request that claimed it has written it (it is being written at this moment). */
  private async written(jobId: string): Promise<BulkJob | undefined> {
    const until = Date.now() + SAME_JOB_WAIT_MS;
    for (;;) {
      const job = await this.app.bulkJobs.get(jobId);
      if (job || Date.now() > until) return job;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async status(
    jobId: string,
    query: { page?: string | null; pageSize?: string | null },
  ): Promise<BulkJobStatus> {
    if (!JOB_ID.test(jobId)) throw ValidationError.single('jobId', 'must be a bulk job id (b-...)');
    const page = query.page ? Number(query.page) : 1;
    const pageSize = query.pageSize ? Number(query.pageSize) : 500;
    if (!Number.isInteger(page) || page < 1)
      throw ValidationError.single('page', 'must be a whole number from 1');
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 5000)
      throw ValidationError.single('pageSize', 'must be a whole number from 1 to 5000');
    const job = await this.app.bulkJobs.get(jobId);
    if (!job) throw new NotFoundError('bulk job');
    const { results, pending } = await this.app.bulkJobs.results(jobId);
    const count = (status: RowResult['status']) => results.filter((r) => r.status === status).length;
    return {
      ...job,
      done: pending === 0,
      counts: {
        started: count('started'),
        existing: count('existing'),
        invalid: count('invalid'),
        failed: count('failed'),
        pending,
      },
      results: results.slice((page - 1) * pageSize, page * pageSize),
      page,
      pageSize,
      totalPages: Math.max(1, Math.ceil(results.length / pageSize)),
    };
  }
}

function jsonRows(text: string): unknown[] {
  const parsed = parseJson(text);
  if (!Array.isArray(parsed))
    throw ValidationError.single('body', 'must be a JSON array of reinstatements, or text/csv');
  return parsed;
}
