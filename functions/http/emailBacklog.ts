import * as df from 'durable-functions';
import type { HttpResponseInit } from '@azure/functions';
import { serve, type RequestScope } from './serve';

/** The mail waiting for its place in the pace, per lane, and when the last of it should go. */
export async function emailBacklog(_request: unknown, scope: RequestScope): Promise<HttpResponseInit> {
  return { jsonBody: await scope.app.mail.backlog() };
}

df.app.client.http('emailBacklog', {
  route: 'email/backlog',
  methods: ['GET'],
  authLevel: 'function',
  handler: serve(emailBacklog),
});
