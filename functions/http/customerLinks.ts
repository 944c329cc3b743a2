import * as df from 'durable-functions';
import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { checkedPage, instructionsPage, invalidLinkPage } from '../../shared/api/customerPages';
import { CustomerLinks } from '../../shared/api/customerLinks';
import { senderOf } from '../../shared/email/templates/composeMail';
import { serve, type RequestScope } from './serve';

const links = (scope: RequestScope) => new CustomerLinks(scope.app, scope.workflow);

/** The emailed invitation link: records the click, then on to Microsoft's admin center. */
export async function customerInvitationLink(
  request: HttpRequest,
  scope: RequestScope,
): Promise<HttpResponseInit> {
  const target = await links(scope).openInvitation(request.params.token ?? '');
  if (!target) return invalidLinkPage(senderOf(scope.app.config));
  return {
    status: 302,
    headers: { Location: target, 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' },
  };
}

/** The customer's instructions page: every command with the customer's values, per scope. */
export async function customerInstructions(
  request: HttpRequest,
  scope: RequestScope,
): Promise<HttpResponseInit> {
  const token = request.params.token ?? '';
  const found = await links(scope).instructions(token);
  if (!found) return invalidLinkPage(senderOf(scope.app.config));
  return instructionsPage(found.reinstatement, found.scripts, {
    doneAction: `/api/c/${token}/done`,
    searchAction: `/api/c/${token}/instructions`,
    pastedError: new URL(request.url).searchParams.get('error') ?? undefined,
    sender: senderOf(scope.app.config),
    linkBase: `${scope.app.config.links.publicBaseUrl}/api/c/${token}`,
  });
}

/** "I've done it": checks the role assignments now (at most once a minute). */
export async function customerDone(request: HttpRequest, scope: RequestScope): Promise<HttpResponseInit> {
  const answer = await links(scope).checkNow(request.params.token ?? '');
  const sender = senderOf(scope.app.config);
  if (!answer) return invalidLinkPage(sender);
  if (answer.kind === 'nothingToCheck')
    return checkedPage(answer.reinstatement, 'There is nothing left to check.', sender);
  if (answer.kind === 'checked')
    return checkedPage(answer.reinstatement, 'We checked your role assignments just now.', sender);
  const page = checkedPage(
    answer.reinstatement,
    'We checked less than a minute ago; please try again in a minute.',
    sender,
  );
  // Added to the page's own headers (content type, CSP, no-store), not in place of them.
  return {
    ...page,
    status: 429,
    headers: { ...page.headers, 'Retry-After': String(answer.retryAfterSeconds) },
  };
}

/**
 * The customer's one-click grant for one scope, as an ARM template the Azure portal deploys ("Deploy to
 * Azure"): the portal fetches it from the browser, hence the CORS header; it holds no secret.
 */
export async function customerGrantTemplate(
  request: HttpRequest,
  scope: RequestScope,
): Promise<HttpResponseInit> {
  const n = Number(request.params.n ?? '');
  const template = Number.isInteger(n)
    ? await links(scope).grantTemplate(request.params.token ?? '', n)
    : undefined;
  if (!template) return invalidLinkPage(senderOf(scope.app.config));
  return {
    status: 200,
    headers: {
      'Access-Control-Allow-Origin': '*',
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
    },
    jsonBody: template,
  };
}

df.app.client.http('customerInvitationLink', {
  route: 'c/{token}',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: serve(customerInvitationLink),
});
df.app.client.http('customerInstructions', {
  route: 'c/{token}/instructions',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: serve(customerInstructions),
});
df.app.client.http('customerGrantTemplate', {
  route: 'c/{token}/grant/{n:int}',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: serve(customerGrantTemplate),
});
df.app.client.http('customerDone', {
  route: 'c/{token}/done',
  methods: ['POST'],
  authLevel: 'anonymous',
  handler: serve(customerDone),
});
