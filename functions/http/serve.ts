import * as df from 'durable-functions';
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { getContainer, type Container } from '../../shared/app/container';
import { problemFor } from '../../shared/api/problem';
import { checkBody, type BodyRules, type ReadBody } from '../../shared/api/requestBody';
import { TokenPurposes, verifyCustomerToken } from '../../shared/links/customerTokens';
import { isReinstatementId } from '../../shared/model/identifiers';
import { inHttpSpan } from '../../shared/telemetry/invocationSpans';
import type { WorkflowClient } from '../../shared/workflow/contract';
import { workflowClient } from '../workflowClient';
import { errorMessage } from '../../lib/errors';

/** What a handler gets besides the request: the app, this invocation's durable client, the caller. */
export interface RequestScope {
  app: Container;
  workflow: WorkflowClient;
  /** Who is asking, as audit rows name them. */
  by: string;
  context: InvocationContext;
}

export type Handler = (request: HttpRequest, scope: RequestScope) => Promise<HttpResponseInit>;

/**
 * Adapts a handler to a durable-client HTTP function: builds its scope, and turns anything thrown
 * into a problem document (a 500 is logged and reveals nothing). Each call is a span: in the trace
 * of the reinstatement its route names, if it names one.
 */
export function serve(handler: Handler) {
  return async (
    request: HttpRequest,
    client: df.DurableClient,
    context: InvocationContext,
  ): Promise<HttpResponseInit> => {
    const secretParams: Record<string, string> = {};
    if (request.params.token) secretParams.token = request.params.token;
    const invocation = {
      method: request.method,
      route: String(context.options.trigger.route ?? ''),
      url: request.url,
      secretParams,
      functionName: context.functionName,
      invocationId: context.invocationId,
      ...(context.traceContext?.traceParent ? { traceParent: context.traceContext.traceParent } : {}),
    };
    return inHttpSpan(invocation, await reinstatementOf(request), async () => {
      try {
        const scope = {
          app: await getContainer(),
          workflow: workflowClient(client),
          by: callerOf(request),
          context,
        };
        return await handler(request, scope);
      } catch (error) {
        const response = problemFor(error);
        if (response.status >= 500) context.error(`request failed: ${errorMessage(error)}`);
        return response;
      }
    });
  };
}

/**
 * The reinstatement a request concerns, for its span: the `{id}` of the reinstatement routes, or the
 * one a customer link's token names when its signature holds (an expired link's click still belongs
 * to its reinstatement; a forged one joins nothing). Whether the request may act is the handler's to
 * decide, as before.
 */
async function reinstatementOf(request: HttpRequest): Promise<string | undefined> {
  const { id, token } = request.params;
  if (id !== undefined) return isReinstatementId(id) ? id : undefined;
  if (token === undefined) return undefined;
  try {
    const keys = (await getContainer()).config.links.signingKeys;
    for (const purpose of TokenPurposes) {
      const check = verifyCustomerToken(keys, token, purpose, new Date(0));
      if (check.valid) return check.claims.reinstatementId;
    }
  } catch {
    // No container, no trace to join: the handler reports what is wrong.
  }
  return undefined;
}

/** Reads a body against a route's rules (size 413, content type 415, JSON 400). */
export async function readBody(request: HttpRequest, rules: BodyRules): Promise<ReadBody> {
  const bytes = Buffer.from(await request.arrayBuffer());
  return checkBody(request.headers.get('content-type'), bytes.length, bytes.toString('utf8'), rules);
}

/** Partner routes are called with a function key: the key's holder is "the partner's tooling". */
function callerOf(_request: HttpRequest): string {
  return 'partner tooling (function key)';
}

/** The URL of a resource of this app, from the request's own origin. */
export function urlFor(request: HttpRequest, path: string): string {
  return `${new URL(request.url).origin}/api/${path}`;
}
