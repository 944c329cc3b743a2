import * as df from 'durable-functions';
import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import type {
  AcceptanceAnswer,
  ReinstatementList,
  ResendAnswer,
  StartAnswer,
  StateAnswer,
} from '../../shared/api/openapi/responseSchemas';
import { problem } from '../../shared/api/problem';
import { parseJson } from '../../shared/api/requestBody';
import { ReinstatementService } from '../../shared/api/reinstatementService';
import { pageAnswer } from './answers';
import { readBody, serve, urlFor, type RequestScope } from './serve';
import { isFinalState } from '../../shared/model/states';

const service = (scope: RequestScope) => new ReinstatementService(scope.app, scope.workflow);

/** Starts one reinstatement: 202 with its status URL, or 200 with the one already running for it. */
export async function startReinstatement(
  request: HttpRequest,
  scope: RequestScope,
): Promise<HttpResponseInit> {
  const body = await readBody(request, { accept: ['application/json'], maxBytes: 256 * 1024 });
  const result = await service(scope).start(parseJson(body.text), scope.by);
  const statusUrl = urlFor(request, `reinstatements/${result.id}`);
  // A person's start takes people's lane: its invitation goes ahead of bulk jobs' queue.
  const expected = result.kind === 'started' ? await scope.app.mail.expectedSendBy('people') : undefined;
  return {
    status: result.kind === 'started' ? 202 : 200,
    headers: { Location: statusUrl },
    jsonBody: {
      id: result.id,
      state: result.reinstatement?.state ?? 'Requested',
      existing: result.kind === 'existing',
      statusUrl,
      ...(expected ? { invitationExpectedBy: expected } : {}),
    } satisfies StartAnswer,
  };
}

export async function listReinstatements(
  request: HttpRequest,
  scope: RequestScope,
): Promise<HttpResponseInit> {
  const q = request.query;
  const page = await service(scope).list({
    state: q.get('state'),
    customer: q.get('customer'),
    pageSize: q.get('pageSize'),
    continuationToken: q.get('continuationToken'),
  });
  return {
    jsonBody: pageAnswer(page) satisfies ReinstatementList,
  };
}

export async function getReinstatement(request: HttpRequest, scope: RequestScope): Promise<HttpResponseInit> {
  return { jsonBody: await service(scope).get(request.params.id ?? '') };
}

const ACTIONS: Record<string, (id: string, scope: RequestScope) => Promise<HttpResponseInit>> = {
  acceptance: async (id, scope) => {
    await service(scope).confirmAcceptance(id, scope.by);
    return { status: 202, jsonBody: { id, accepted: true } satisfies AcceptanceAnswer };
  },
  verify: async (id, scope) => ({ jsonBody: await service(scope).verifyOne(id, 'partner', scope.by) }),
  resend: async (id, scope) => ({
    status: 202,
    jsonBody: { id, ...(await service(scope).resend(id, scope.by)) } satisfies ResendAnswer,
  }),
  cancel: async (id, scope) => {
    const { state } = await service(scope).cancel(id, scope.by);
    return isFinalState(state)
      ? { status: 200, jsonBody: { id, state } satisfies StateAnswer }
      : { status: 202, jsonBody: { id, state, cancelling: true } satisfies StateAnswer };
  },
  retry: async (id, scope) => ({
    status: 202,
    jsonBody: { id, ...(await service(scope).retry(id, scope.by)) } satisfies StateAnswer,
  }),
};

/** The partner's actions on one reinstatement. */
export async function reinstatementAction(
  request: HttpRequest,
  scope: RequestScope,
): Promise<HttpResponseInit> {
  const name = request.params.action ?? '';
  // Own keys only: `constructor` or `toString` would otherwise be found on the object's prototype.
  const action = Object.hasOwn(ACTIONS, name) ? ACTIONS[name] : undefined;
  if (!action) return problem(404, 'No such action', `Actions are ${Object.keys(ACTIONS).join(', ')}.`);
  return action(request.params.id ?? '', scope);
}

df.app.client.http('startReinstatement', {
  route: 'reinstatements',
  methods: ['POST'],
  authLevel: 'function',
  handler: serve(startReinstatement),
});
df.app.client.http('listReinstatements', {
  route: 'reinstatements',
  methods: ['GET'],
  authLevel: 'function',
  handler: serve(listReinstatements),
});
df.app.client.http('getReinstatement', {
  route: 'reinstatements/{id}',
  methods: ['GET'],
  authLevel: 'function',
  handler: serve(getReinstatement),
});
df.app.client.http('reinstatementAction', {
  route: 'reinstatements/{id}/{action:alpha}',
  methods: ['POST'],
  authLevel: 'function',
  handler: serve(reinstatementAction),
});
