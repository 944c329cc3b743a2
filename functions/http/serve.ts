import * as df from 'durable-functions';
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { getContainer, type Container } from '../../shared/app/container';
import { problemFor } from '../../shared/api/problem';
import { checkBody, type BodyRules, type ReadBody } from '../../shared/api/requestBody';
import type { WorkflowClient } from '../../shared/workflow/contract';
import { workflowClient } from '../workflowClient';

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
 * into a problem document (a 500 is logged and reveals nothing).
 */
export function serve(handler: Handler) {
  return async (
    request: HttpRequest,
    client: df.DurableClient,
    context: InvocationContext,
  ): Promise<HttpResponseInit> => {
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
      if (response.status >= 500)
        context.error(`request failed: ${error instanceof Error ? error.message : String(error)}`);
      return response;
    }
  };
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
