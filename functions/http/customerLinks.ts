import * as df from 'durable-functions';
import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import {
  checkNoticeFrom,
  grantedPage,
  instructionsPage,
  invalidLinkPage,
  requestStatePage,
  type CheckNotice,
} from '../../shared/api/customerPages';
import { CustomerLinks, type InstructionsView } from '../../shared/api/customerLinks';
import { senderOf } from '../../shared/email/templates/composeMail';
import { serve, type RequestScope } from './serve';

const links = (scope: RequestScope) => new CustomerLinks(scope.app, scope.workflow);

/** The emailed invitation link: records the click, then on to Microsoft's admin center while it stands. */
export async function customerInvitationLink(
  request: HttpRequest,
  scope: RequestScope,
): Promise<HttpResponseInit> {
  const answer = await links(scope).openInvitation(request.params.token ?? '');
  const sender = senderOf(scope.app.config);
  if (!answer) return invalidLinkPage(sender);
  if (answer.kind === 'state') return requestStatePage(answer.reinstatement, sender);
  return {
    status: 302,
    headers: { Location: answer.url, 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' },
  };
}

/** The page a view of the instructions link is shown as. */
function viewPage(
  view: InstructionsView,
  request: HttpRequest,
  scope: RequestScope,
  notice: CheckNotice | undefined,
): HttpResponseInit {
  const token = request.params.token ?? '';
  const sender = senderOf(scope.app.config);
  switch (view.kind) {
    case 'state':
      return requestStatePage(view.reinstatement, sender);
    case 'granted':
      return grantedPage(view.reinstatement, sender, view.removal, notice);
    case 'commands':
      return instructionsPage(view.reinstatement, view.scripts, {
        doneAction: `/api/c/${token}/done`,
        searchAction: `/api/c/${token}/instructions`,
        pastedError: new URL(request.url).searchParams.get('error') ?? undefined,
        sender,
        linkBase: `${scope.app.config.links.publicBaseUrl}/api/c/${token}`,
        notice,
        now: scope.app.now(),
      });
  }
}

/**
 * The customer's instructions page: the commands for the scopes still to grant, per shell; checks the
 * role assignments on opening (within the once-a-minute budget), and follows the reinstatement.
 */
export async function customerInstructions(
  request: HttpRequest,
  scope: RequestScope,
): Promise<HttpResponseInit> {
  const view = await links(scope).instructions(request.params.token ?? '', { checkOnOpen: true });
  if (!view) return invalidLinkPage(senderOf(scope.app.config));
  return viewPage(view, request, scope, checkNoticeFrom(new URL(request.url).searchParams.get('checked')));
}

/**
 * "I've done it": checks the role assignments now (at most once a minute), then sends the browser to
 * the instructions page with what happened (post, redirect, get), so that the address bar shows the
 * page and reloading it asks nothing twice. A GET of this address (an old bookmark) goes to the page.
 */
export async function customerDone(request: HttpRequest, scope: RequestScope): Promise<HttpResponseInit> {
  const token = request.params.token ?? '';
  const page = `/api/c/${encodeURIComponent(token)}/instructions`;
  if (request.method !== 'POST') {
    if (!(await links(scope).instructions(token, { checkOnOpen: false })))
      return invalidLinkPage(senderOf(scope.app.config));
    return { status: 303, headers: { Location: page, 'Cache-Control': 'no-store' } };
  }
  const answer = await links(scope).checkNow(token);
  if (!answer) return invalidLinkPage(senderOf(scope.app.config));
  const checked =
    answer.kind === 'checked' ? '?checked=now' : answer.kind === 'tooSoon' ? '?checked=soon' : '';
  return { status: 303, headers: { Location: `${page}${checked}`, 'Cache-Control': 'no-store' } };
}

/** A procedure of the instructions page as a file to save and run. */
export async function customerScript(request: HttpRequest, scope: RequestScope): Promise<HttpResponseInit> {
  const answer = await links(scope).scriptFile(request.params.token ?? '', request.params.file ?? '');
  if (!answer) return invalidLinkPage(senderOf(scope.app.config));
  if (answer.kind === 'page') return viewPage(answer.view, request, scope, undefined);
  const { file } = answer;
  return {
    status: 200,
    headers: {
      'Content-Type': file.contentType,
      'Content-Disposition': `attachment; filename="${file.fileName}"`,
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': "default-src 'none'; sandbox",
      'Cache-Control': 'no-store',
      'Referrer-Policy': 'no-referrer',
    },
    body: file.body,
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
df.app.client.http('customerScript', {
  route: 'c/{token}/scripts/{file}',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: serve(customerScript),
});
df.app.client.http('customerGrantTemplate', {
  route: 'c/{token}/grant/{n:int}',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: serve(customerGrantTemplate),
});
df.app.client.http('customerDone', {
  route: 'c/{token}/done',
  methods: ['GET', 'POST'],
  authLevel: 'anonymous',
  handler: serve(customerDone),
});
