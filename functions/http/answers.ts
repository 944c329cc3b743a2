import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import type { BulkSubmission } from '../../shared/api/bulkStarts';
import type { BulkAccepted } from '../../shared/api/openapi/responseSchemas';
import { problem } from '../../shared/api/problem';
import type { Page } from '../../shared/storage/reinstatementRepository';
import { urlFor } from './serve';

/** Answers several routes share, in one shape each. */

/**
 * A bulk submission's answer: 202 with the job and the invalid rows (200 with the first one's job when
 * the same submission was accepted already), or 400 when no row is valid.
 */
export function bulkAnswer(request: HttpRequest, submission: BulkSubmission): HttpResponseInit {
  if (submission.kind === 'noValidRow')
    return problem(400, 'No row is valid', 'Every row was refused; nothing was started.', {
      invalid: submission.invalidRows.length,
      results: submission.invalidRows,
    });
  const { job, invalidRows, existing } = submission;
  const statusUrl = urlFor(request, `reinstatements/bulk/${job.id}`);
  return {
    status: existing ? 200 : 202,
    headers: { Location: statusUrl },
    jsonBody: {
      jobId: job.id,
      statusUrl,
      rows: job.rows,
      valid: job.valid,
      invalid: job.invalid,
      invalidRows,
      existing,
    } satisfies BulkAccepted,
  };
}

/** A page of a listing: its items, and the token of the next page when there is one. */
export function pageAnswer<T>(page: Page<T>): { items: T[]; continuationToken?: string } {
  return {
    items: page.items,
    ...(page.continuationToken ? { continuationToken: page.continuationToken } : {}),
  };
}
