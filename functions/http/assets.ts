import { app, type HttpRequest, type HttpResponseInit } from '@azure/functions';
import { ASSETS } from '../../shared/web/assets';

/** The pages' stylesheet and script, from the app itself (nothing is loaded from elsewhere). */
export async function asset(request: HttpRequest): Promise<HttpResponseInit> {
  const name = request.params.name ?? '';
  // Own names only: `constructor` and the other inherited members are not assets.
  const found = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
  if (!found) return { status: 404 };
  return {
    headers: {
      'Content-Type': found.contentType,
      'Cache-Control': 'public, max-age=3600',
      'X-Content-Type-Options': 'nosniff',
    },
    body: found.body,
  };
}

app.http('asset', { route: 'assets/{name}', methods: ['GET'], authLevel: 'anonymous', handler: asset });
