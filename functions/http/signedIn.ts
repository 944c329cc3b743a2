import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { problem } from '../../shared/api/problem';
import {
  auditName,
  ConsoleRoles,
  mayDo,
  signedInPerson,
  type ConsoleNeed,
  type SignedInPerson,
} from '../../shared/api/signedInPerson';
import { plainConsolePage } from '../../shared/console/layout';
import { html } from '../../shared/web/html';
import { serve, type RequestScope } from './serve';

export interface PersonScope extends RequestScope {
  person: SignedInPerson;
}

export type PersonHandler = (request: HttpRequest, scope: PersonScope) => Promise<HttpResponseInit>;

/**
 * A route for people signed in with App Service authentication (the platform vouches for them in
 * X-MS-CLIENT-PRINCIPAL; function keys are for machines). Pages send someone not signed in to the
 * sign-in and back; data (CSV, JSON, and pages asked for as JSON) answers 401 with where to sign in.
 * A person without the role `need` asks for gets 403 naming the role and who grants it (a page for
 * a browser, a problem document otherwise); a POST from another site (a form posted cross-site with
 * the person's cookie) gets 403 before anything is read. Audit rows name the person.
 */
export function signedIn(need: ConsoleNeed, handler: PersonHandler, answers: 'page' | 'data' = 'page') {
  return serve(async (request, scope) => {
    if (!scope.app.config.console.signIn)
      return plainConsolePage(
        'Sign-in is not configured',
        html`<p>
          The console needs App Service authentication with Microsoft Entra ID on this function app (see
          docs/CONSOLE.md). Machine callers use the API with a function key.
        </p>`,
        503,
      );
    const person = signedInPerson(request.headers.get('x-ms-client-principal'), true);
    const isPage = answers === 'page' && request.method === 'GET' && !asksForData(request);
    const here = new URL(request.url);
    const signIn = `/.auth/login/aad?post_login_redirect_uri=${encodeURIComponent(here.pathname + here.search)}`;
    if (!person) {
      if (!isPage)
        return problem(
          401,
          'Sign in first',
          'The console is for people signed in with their Microsoft Entra ID account: sign in at /.auth/login/aad (a browser opening a console page is sent there), then send the session cookie the sign-in sets.',
          { signIn },
        );
      return { status: 302, headers: { Location: signIn, 'Cache-Control': 'no-store' } };
    }
    if (request.method !== 'GET' && !sameOrigin(request))
      return problem(
        403,
        'Cross-site request refused',
        'The browser says this action was sent from another site. Take actions from the console’s own pages, at /api/console.',
      );
    if (!mayDo(person, need)) {
      const role = need === 'operate' ? ConsoleRoles.operate : ConsoleRoles.read;
      if (isPage)
        return plainConsolePage(
          'Not allowed',
          html`<p>
              ${person.displayName} (${person.userName}) does not have the app role <code>${role}</code>. Ask
              your Entra ID administrator to assign it on the app registration.
            </p>
            <p><a href="/.auth/logout?post_logout_redirect_uri=/api/console">Sign out</a></p>`,
          403,
        );
      return problem(
        403,
        'Not allowed',
        `${person.userName} is signed in but does not have the app role ${role}, which this needs. Ask your Entra ID administrator to assign ${role} to you on the app registration (Enterprise applications, Users and groups), then sign out and in again.`,
        { neededRole: role, signOut: '/.auth/logout?post_logout_redirect_uri=/api/console' },
      );
    }
    return handler(request, { ...scope, person, by: auditName(person) });
  });
}

/** A client that asks for JSON and not for HTML (a script, not a browser) gets problem documents, not pages. */
function asksForData(request: HttpRequest): boolean {
  const accept = request.headers.get('accept') ?? '';
  return /json/i.test(accept) && !/text\/html/i.test(accept);
}

/**
 * The request was sent by a page of this site. Browsers say where a request comes from in
 * `Sec-Fetch-Site` (decisive when present) and `Origin`, neither of which a page can forge; a
 * request with neither is refused too.
 */
function sameOrigin(request: HttpRequest): boolean {
  const site = request.headers.get('sec-fetch-site');
  if (site) return site === 'same-origin';
  const origin = request.headers.get('origin');
  if (!origin) return false;
  try {
    return new URL(origin).host === (request.headers.get('host') ?? new URL(request.url).host);
  } catch {
    return false;
  }
}
