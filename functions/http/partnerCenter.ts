import * as df from 'durable-functions';
import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { PartnerCenterInbox, webhookCallbackUrl } from '../../shared/api/partnerCenterInbox';
import { problem } from '../../shared/api/problem';
import { serve, type RequestScope } from './serve';

/** Partner Center's webhook: anonymous, authenticated by its RSA-SHA256 signature over the raw body. */
export async function partnerCenterWebhook(
  request: HttpRequest,
  scope: RequestScope,
): Promise<HttpResponseInit> {
  const raw = Buffer.from(await request.arrayBuffer());
  if (raw.length > 64 * 1024) return problem(413, 'The request body is too large', 'At most 64 KB.');
  const headers = Object.fromEntries([...request.headers.entries()]);
  const answer = await new PartnerCenterInbox(scope.app, scope.workflow).webhook(headers, raw);
  if (answer.status === 401) {
    scope.context.warn(`webhook rejected: ${answer.reason}`);
    return problem(
      401,
      'Signature verification failed',
      "Only Partner Center's signed calls are taken: Authorization: Signature <base64 RSA-SHA256 of the body>, x-ms-signature-algorithm: rsa-sha256, and x-ms-certificate-url naming Microsoft's certificate, which must chain to a trusted root and name Microsoft Corporation. This call's signature was not accepted.",
    );
  }
  if (answer.status === 409)
    return problem(409, 'The same event is being handled', `${answer.reason}; send it again later.`);
  if (answer.reason) scope.context.log(`webhook acknowledged: ${answer.reason}`);
  return { status: 200, jsonBody: { matched: answer.matched } };
}

/**
 * Whether acceptances will arrive, as Partner Center says now (GET), and registering and validating
 * the webhook (POST: never replaces another tool's registration).
 */
export async function webhookReadiness(request: HttpRequest, scope: RequestScope): Promise<HttpResponseInit> {
  const callback = webhookCallbackUrl(scope.app.config);
  if (request.method === 'GET') return { jsonBody: await scope.app.readiness.check(callback) };
  return { jsonBody: await scope.app.readiness.ensure(callback, { validate: true, waitMs: 20_000 }) };
}

df.app.client.http('partnerCenterWebhook', {
  route: 'webhooks/partner-center',
  methods: ['POST'],
  authLevel: 'anonymous',
  handler: serve(partnerCenterWebhook),
});
df.app.client.http('webhookReadiness', {
  route: 'webhooks/partner-center/readiness',
  methods: ['GET', 'POST'],
  authLevel: 'function',
  handler: serve(webhookReadiness),
});
