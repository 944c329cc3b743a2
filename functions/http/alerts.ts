import * as df from 'durable-functions';
import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { Alerts } from '../../shared/api/alerts';
import { serve, type RequestScope } from './serve';

/** The latest alerts, digests and webhook deliveries. */
export async function listAlerts(_request: HttpRequest, scope: RequestScope): Promise<HttpResponseInit> {
  return { jsonBody: await new Alerts(scope.app, scope.workflow).overview() };
}

/** Sends the digest now (what the schedule does), rather than waiting for DIGEST_SCHEDULE. */
export async function sendDigest(_request: HttpRequest, scope: RequestScope): Promise<HttpResponseInit> {
  return { jsonBody: await new Alerts(scope.app, scope.workflow).sendDigest() };
}

df.app.client.http('listAlerts', {
  route: 'alerts',
  methods: ['GET'],
  authLevel: 'function',
  handler: serve(listAlerts),
});
df.app.client.http('sendAlertDigest', {
  route: 'alerts/digest',
  methods: ['POST'],
  authLevel: 'function',
  handler: serve(sendDigest),
});
