import { app, type HttpResponseInit } from '@azure/functions';
import { openApiDocument } from '../../shared/api/openapi/document';

let document: string | undefined;

/** The OpenAPI 3.1 description of the partner API (anonymous, like the platform's own metadata). */
export async function openApi(): Promise<HttpResponseInit> {
  document ??= `${JSON.stringify(openApiDocument(), null, 2)}\n`;
  return { status: 200, headers: { 'Content-Type': 'application/json' }, body: document };
}

app.http('openApi', { route: 'openapi.json', methods: ['GET'], authLevel: 'anonymous', handler: openApi });
