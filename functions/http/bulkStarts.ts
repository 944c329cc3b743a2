import * as df from 'durable-functions';
import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { BulkStarts, parseIdempotencyKey } from '../../shared/api/bulkStarts';
import { bulkAnswer } from './answers';
import { readBody, serve, type RequestScope } from './serve';

/**
 * Up to 5,000 rows as a JSON array or text/csv: validated at once, answered 202 with the job's status
 * URL (invalid rows listed in the answer), started by durable work; the same submission again (same
 * Idempotency-Key, or same body within ten minutes) is answered 200 with the first one's job.
 */
export async function submitBulkStart(request: HttpRequest, scope: RequestScope): Promise<HttpResponseInit> {
  const body = await readBody(request, {
    accept: ['application/json', 'text/csv'],
    maxBytes: 20 * 1024 * 1024,
  });
  const idempotencyKey = parseIdempotencyKey(request.headers.get('idempotency-key'));
  const submission = await new BulkStarts(scope.app, scope.workflow).submit(body, scope.by, {
    ...(idempotencyKey ? { idempotencyKey } : {}),
  });
  return bulkAnswer(request, submission);
}

/** A bulk job: counts per outcome, done or not, and its per-row results a page at a time. */
export async function getBulkStart(request: HttpRequest, scope: RequestScope): Promise<HttpResponseInit> {
  const status = await new BulkStarts(scope.app, scope.workflow).status(request.params.jobId ?? '', {
    page: request.query.get('page'),
    pageSize: request.query.get('pageSize'),
  });
  return { jsonBody: status };
}

df.app.client.http('submitBulkStart', {
  route: 'reinstatements/bulk',
  methods: ['POST'],
  authLevel: 'function',
  handler: serve(submitBulkStart),
});
df.app.client.http('getBulkStart', {
  route: 'reinstatements/bulk/{jobId}',
  methods: ['GET'],
  authLevel: 'function',
  handler: serve(getBulkStart),
});
