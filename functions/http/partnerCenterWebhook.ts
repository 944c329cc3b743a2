import * as df from 'durable-functions';
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { getContainer } from '../../shared/app/container';
import { problem } from '../../shared/api/problem';
import { ReinstatementService } from '../../shared/api/reinstatementService';
import { workflowClient } from '../workflowClient';

/** Partner Center's webhook: anonymous, authenticated by its signature over the raw body. */
df.app.client.http('partnerCenterWebhook', {
  route: 'webhooks/partner-center',
  methods: ['POST'],
  authLevel: 'anonymous',
  handler: async (
    request: HttpRequest,
    client: df.DurableClient,
    context: InvocationContext,
  ): Promise<HttpResponseInit> => {
    const raw = Buffer.from(await request.arrayBuffer());
    if (raw.length > 64 * 1024) return problem(413, 'Body too large');
    const headers = Object.fromEntries([...request.headers.entries()]);
    const result = await new ReinstatementService(
      await getContainer(),
      workflowClient(client),
    ).partnerCenterWebhook(headers, raw);
    if (result.status === 401) {
      context.warn(`webhook rejected: ${result.reason}`);
      return problem(401, 'Signature verification failed');
    }
    if (result.reason) context.log(`webhook acknowledged: ${result.reason}`);
    return { status: 200, jsonBody: { matched: result.matched } };
  },
});

/** Whether acceptances will arrive: the webhook registration's state, and a way to (re)check it. */
app.http('webhookReadiness', {
  route: 'webhooks/partner-center/readiness',
  methods: ['GET', 'POST'],
  authLevel: 'function',
  handler: async (request: HttpRequest): Promise<HttpResponseInit> => {
    const c = await getContainer();
    if (request.method === 'GET') {
      const readiness = await c.readiness.read();
      return readiness
        ? { jsonBody: readiness }
        : problem(404, 'Not checked yet', 'POST to this URL to register and validate the webhook.');
    }
    const callback = `${c.config.links.publicBaseUrl}/api/webhooks/partner-center`;
    return { jsonBody: await c.readiness.ensure(callback, { validate: true, waitMs: 20_000 }) };
  },
});
