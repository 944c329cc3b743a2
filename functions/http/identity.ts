import * as df from 'durable-functions';
import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { IdentityConsent } from '../../shared/api/identityConsent';
import { serve, type RequestScope } from './serve';

/** How verification's identity stands: connected user, last use, days before it lapses, any problem. */
export async function identityReadiness(
  _request: HttpRequest,
  scope: RequestScope,
): Promise<HttpResponseInit> {
  return { jsonBody: await new IdentityConsent(scope.app).health() };
}

/** The consent step's start: a browser opened here (with the function key) goes to Entra's sign-in. */
export async function identityConsent(_request: HttpRequest, scope: RequestScope): Promise<HttpResponseInit> {
  return new IdentityConsent(scope.app).begin();
}

/** Where Entra sends the browser back after the sign-in. */
export async function identityConsentCallback(
  request: HttpRequest,
  scope: RequestScope,
): Promise<HttpResponseInit> {
  return new IdentityConsent(scope.app).complete(new URL(request.url).searchParams);
}

df.app.client.http('identityReadiness', {
  route: 'identity/readiness',
  methods: ['GET'],
  authLevel: 'function',
  handler: serve(identityReadiness),
});
df.app.client.http('identityConsent', {
  route: 'identity/consent',
  methods: ['GET'],
  authLevel: 'function',
  handler: serve(identityConsent),
});
df.app.client.http('identityConsentCallback', {
  route: 'identity/consent/callback',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: serve(identityConsentCallback),
});
