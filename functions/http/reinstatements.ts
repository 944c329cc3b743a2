import * as df from 'durable-functions';
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { getContainer } from '../../shared/app/container';
import { parseJsonBody, problem, problemFor } from '../../shared/api/problem';
import { ReinstatementService } from '../../shared/api/reinstatementService';
import { bulkStart, csvToBodies } from '../../shared/api/bulkStart';
import { workflowClient } from '../workflowClient';

async function service(client: df.DurableClient): Promise<ReinstatementService> {
  return new ReinstatementService(await getContainer(), workflowClient(client));
}

/** Runs a handler body; any error becomes a problem document (500s reveal nothing). */
async function answer(
  context: InvocationContext,
  work: () => Promise<HttpResponseInit>,
): Promise<HttpResponseInit> {
  try {
    return await work();
  } catch (error) {
    const response = problemFor(error);
    if (response.status >= 500)
      context.error(`request failed: ${error instanceof Error ? error.message : String(error)}`);
    return response;
  }
}

df.app.client.http('startReinstatement', {
  route: 'reinstatements',
  methods: ['POST'],
  authLevel: 'function',
  handler: (request: HttpRequest, client: df.DurableClient, context: InvocationContext) =>
    answer(context, async () => {
      const body = parseJsonBody(await request.text());
      if (!body.ok) return body.response;
      const result = await (await service(client)).start(body.value, 'partner-api');
      const url = `${new URL(request.url).origin}/api/reinstatements/${result.reinstatement.id}`;
      return {
        status: result.kind === 'started' ? 202 : 200,
        headers: { Location: url },
        jsonBody: {
          id: result.reinstatement.id,
          state: result.reinstatement.state,
          existing: result.kind === 'existing',
          statusUrl: url,
        },
      };
    }),
});

df.app.client.http('bulkStartReinstatements', {
  route: 'reinstatements/bulk',
  methods: ['POST'],
  authLevel: 'function',
  handler: (request: HttpRequest, client: df.DurableClient, context: InvocationContext) =>
    answer(context, async () => {
      const text = await request.text();
      if (text.length > 20 * 1024 * 1024)
        return problem(413, 'Body too large', 'At most 20 MB per bulk request.');
      let bodies: unknown[];
      if ((request.headers.get('content-type') ?? '').toLowerCase().startsWith('text/csv')) {
        bodies = csvToBodies(text);
      } else {
        const parsed = parseJsonBody(text);
        if (!parsed.ok) return parsed.response;
        if (!Array.isArray(parsed.value))
          return problem(
            400,
            'The request is not valid',
            'body: must be a JSON array of reinstatements, or text/csv',
            { errors: [{ field: 'body', rule: 'must be a JSON array' }] },
          );
        bodies = parsed.value;
      }
      const results = await bulkStart(await service(client), bodies, (m) => context.warn(m));
      const count = (s: string) => results.filter((r) => r.status === s).length;
      const summary = {
        started: count('started'),
        existing: count('existing'),
        invalid: count('invalid'),
        failed: count('failed'),
        results,
      };
      // Nothing valid in the whole request: it is the request that is wrong.
      if (summary.invalid === results.length)
        return problem(400, 'No row is valid', 'Every row was refused; see results.', summary);
      return { jsonBody: summary };
    }),
});

df.app.client.http('listReinstatements', {
  route: 'reinstatements',
  methods: ['GET'],
  authLevel: 'function',
  handler: (request: HttpRequest, client: df.DurableClient, context: InvocationContext) =>
    answer(context, async () => {
      const q = request.query;
      const page = await (
        await service(client)
      ).list({
        state: q.get('state'),
        customer: q.get('customer'),
        pageSize: q.get('pageSize'),
        continuationToken: q.get('continuationToken'),
      });
      return {
        jsonBody: {
          items: page.items,
          ...(page.continuationToken ? { continuationToken: page.continuationToken } : {}),
        },
      };
    }),
});

df.app.client.http('getReinstatement', {
  route: 'reinstatements/{id}',
  methods: ['GET'],
  authLevel: 'function',
  handler: (request: HttpRequest, client: df.DurableClient, context: InvocationContext) =>
    answer(context, async () => ({ jsonBody: await (await service(client)).get(request.params.id ?? '') })),
});

df.app.client.http('reinstatementAction', {
  route: 'reinstatements/{id}/{action:alpha}',
  methods: ['POST'],
  authLevel: 'function',
  handler: (request: HttpRequest, client: df.DurableClient, context: InvocationContext) =>
    answer(context, async () => {
      const s = await service(client);
      const id = request.params.id ?? '';
      switch (request.params.action) {
        case 'acceptance':
          await s.confirmAcceptance(id);
          return { status: 202, jsonBody: { id, accepted: true } };
        case 'verify':
          return { jsonBody: await s.verifyOne(id, 'partner') };
        case 'resend':
          await s.resend(id);
          return { status: 202, jsonBody: { id, resent: true } };
        case 'cancel':
          await s.cancel(id);
          return { status: 202, jsonBody: { id, cancelling: true } };
        default:
          return problem(404, 'No such action', 'Actions are acceptance, verify, resend and cancel.');
      }
    }),
});

app.http('emailBacklog', {
  route: 'email/backlog',
  methods: ['GET'],
  authLevel: 'function',
  handler: async (): Promise<HttpResponseInit> => ({
    jsonBody: await (await getContainer()).pacer.backlog(),
  }),
});
