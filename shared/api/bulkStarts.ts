import { randomUUID } from 'node:crypto';
import type { Container } from '../app/container';
import { parseReinstatementRequest } from '../model/request';
import { ValidationError } from '../model/validationError';
import type { BulkJob, BulkRow, RowResult } from '../storage/bulkJobRepository';
import { Orchestrations, type BulkStartInput, type WorkflowClient } from '../workflow/contract';
import { csvToBodies, MAX_BULK_ROWS } from './bulkCsv';
import { NotFoundError } from './errors';
import { parseJson, type ReadBody } from './requestBody';

export type BulkSubmission =
  | { kind: 'accepted'; job: BulkJob; invalidRows: RowResult[] }
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
    const defaults = {
      delegatedAdmin: this.app.config.partner.delegatedAdminDefault,
      language: this.app.config.partner.defaultLanguage,
    };
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

  async submit(body: ReadBody, by: string): Promise<BulkSubmission> {
    const { valid, invalidRows, rows } = this.preview(body);
    if (valid.length === 0) return { kind: 'noValidRow', invalidRows };
    const job = await this.app.bulkJobs.create(
      {
        id: `b-${randomUUID().replace(/-/g, '')}`,
        createdAt: this.app.now().toISOString(),
        createdBy: by,
        rows,
      },
      valid,
      invalidRows,
    );
    await this.workflow.start(Orchestrations.bulkStart, job.id, {
      jobId: job.id,
      pages: job.pages,
    } satisfies BulkStartInput);
    return { kind: 'accepted', job, invalidRows };
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
