import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { openApiDocument } from '../../shared/api/openapi/document';

/**
 * Holds every answer the end-to-end tests receive to the OpenAPI document: the route and status must
 * be listed, and a JSON body must match the listed schema. A route or field that changes without the
 * document fails the test that met it.
 */
interface Operation {
  responses: Record<string, { content?: Record<string, unknown> }>;
}
const document = openApiDocument() as { paths: Record<string, Record<string, Operation>> };
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema(document, 'api');

const pointer = (...parts: string[]) =>
  parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');

/** Documented paths as patterns, the literal ones first (`/reinstatements/bulk` before `/{id}`). */
const routes = Object.keys(document.paths)
  .map((template) => ({
    template,
    params: (template.match(/\{/g) ?? []).length,
    pattern: new RegExp(`^/api${template.replace(/\{[^}]+\}/g, '[^/]+')}$`),
  }))
  .sort((a, b) => a.params - b.params);

export class ContractViolation extends Error {}

/**
 * Checks one answer. `strict` (partner calls): an /api/ route missing from the document is a
 * violation unless it answered 404; otherwise undocumented routes (customer links) are not checked.
 */
export async function checkAnswer(
  method: string,
  url: string,
  response: Response,
  strict: boolean,
): Promise<void> {
  const path = new URL(url, 'http://x').pathname;
  if (!path.startsWith('/api/')) return;
  const route = routes.find((r) => r.pattern.test(path));
  const operation = route ? document.paths[route.template]?.[method.toLowerCase()] : undefined;
  if (!route || !operation) {
    if (strict && response.status !== 404)
      throw new ContractViolation(
        `${method} ${path} answered ${response.status} but is not in the OpenAPI document`,
      );
    return;
  }
  const listed = operation.responses[String(response.status)];
  if (!listed)
    throw new ContractViolation(
      `${method} ${route.template} answered ${response.status}, which the OpenAPI document does not list (it lists ${Object.keys(operation.responses).join(', ')})`,
    );
  const contentType = (response.headers.get('content-type') ?? '').split(';')[0]?.trim() ?? '';
  if (!listed.content) return;
  if (!listed.content[contentType])
    throw new ContractViolation(
      `${method} ${route.template} ${response.status} answered ${contentType || 'no content type'}, the document says ${Object.keys(listed.content).join(' or ')}`,
    );
  // Pages and mail previews (text/html, text/plain) are checked for their type only.
  if (!/json$/.test(contentType)) return;
  const text = await response.clone().text();
  const validate = ajv.getSchema(
    `api#/${pointer('paths', route.template, method.toLowerCase(), 'responses', String(response.status), 'content', contentType, 'schema')}`,
  );
  if (!validate) throw new ContractViolation(`no schema for ${method} ${route.template} ${response.status}`);
  if (!validate(JSON.parse(text)))
    throw new ContractViolation(
      `${method} ${route.template} ${response.status}: the body does not match the OpenAPI document: ${ajv.errorsText(validate.errors)}\n${text.slice(0, 500)}`,
    );
}
