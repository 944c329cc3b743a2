import * as df from 'durable-functions';
import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import type { ScanStarted } from '../../shared/api/openapi/responseSchemas';
import { parseJson } from '../../shared/api/requestBody';
import { parseIdempotencyKey } from '../../shared/api/bulkStarts';
import { Scans } from '../../shared/api/scans';
import { bulkAnswer, pageAnswer } from './answers';
import { readBody, serve, urlFor, type RequestScope } from './serve';

const scans = (scope: RequestScope) => new Scans(scope.app, scope.workflow);

/** Starts a scan of the partner's customers (or answers the one running). */
export async function startScan(request: HttpRequest, scope: RequestScope): Promise<HttpResponseInit> {
  const { scanId, existing } = await scans(scope).start(scope.by);
  const statusUrl = urlFor(request, `scans/${scanId}`);
  return {
    status: existing ? 200 : 202,
    headers: { Location: statusUrl },
    jsonBody: { scanId, existing, statusUrl } satisfies ScanStarted,
  };
}

export async function getScan(request: HttpRequest, scope: RequestScope): Promise<HttpResponseInit> {
  return { jsonBody: await scans(scope).status(request.params.scanId ?? '') };
}

export async function scanResults(request: HttpRequest, scope: RequestScope): Promise<HttpResponseInit> {
  const q = request.query;
  const page = await scans(scope).results(request.params.scanId ?? '', {
    outcome: q.get('outcome'),
    change: q.get('change'),
    pageSize: q.get('pageSize'),
    continuationToken: q.get('continuationToken'),
  });
  return { jsonBody: pageAnswer(page) };
}

/** The lost-access customers as a bulk-start CSV (contacts for the partner to fill in). */
export async function scanFindingsCsv(request: HttpRequest, scope: RequestScope): Promise<HttpResponseInit> {
  const csv = await scans(scope).findingsCsv(request.params.scanId ?? '');
  return {
    status: 200,
    headers: {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="${request.params.scanId}-lost-access.csv"`,
    },
    body: csv,
  };
}

/** Reinstatements for chosen findings, with the contacts given: answered like a bulk start. */
export async function scanReinstatements(
  request: HttpRequest,
  scope: RequestScope,
): Promise<HttpResponseInit> {
  const body = await readBody(request, { accept: ['application/json'], maxBytes: 5 * 1024 * 1024 });
  const idempotencyKey = parseIdempotencyKey(request.headers.get('idempotency-key'));
  const submission = await scans(scope).startReinstatements(
    request.params.scanId ?? '',
    parseJson(body.text),
    scope.by,
    idempotencyKey,
  );
  return bulkAnswer(request, submission);
}

df.app.client.http('startScan', {
  route: 'scans',
  methods: ['POST'],
  authLevel: 'function',
  handler: serve(startScan),
});
df.app.client.http('getScan', {
  route: 'scans/{scanId}',
  methods: ['GET'],
  authLevel: 'function',
  handler: serve(getScan),
});
df.app.client.http('scanResults', {
  route: 'scans/{scanId}/results',
  methods: ['GET'],
  authLevel: 'function',
  handler: serve(scanResults),
});
df.app.client.http('scanFindingsCsv', {
  route: 'scans/{scanId}/findings.csv',
  methods: ['GET'],
  authLevel: 'function',
  handler: serve(scanFindingsCsv),
});
df.app.client.http('scanReinstatements', {
  route: 'scans/{scanId}/reinstatements',
  methods: ['POST'],
  authLevel: 'function',
  handler: serve(scanReinstatements),
});
