import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openApiDocument } from '../../shared/api/openapi/document';
import { startProduct, type Product } from '../support/productHarness';

/**
 * The OpenAPI document partners import: valid OpenAPI 3.1 (checked by a validator from the
 * registry, in a process of its own as it is an ES module), committed as docs/openapi.json equal to
 * what the code generates and to what the app serves. (Every answer the end-to-end tests receive is
 * checked against it by test/support/openApiCheck.ts.)
 */
const ROOT = join(__dirname, '..', '..');
const COMMITTED = join(ROOT, 'docs', 'openapi.json');
const VALIDATOR = join(
  ROOT,
  'node_modules',
  '@seriousme',
  'openapi-schema-validator',
  'bin',
  'validate-api-cli.js',
);

let p: Product;
beforeAll(async () => {
  p = await startProduct();
});
afterAll(() => p.stop());

describe('the OpenAPI document', () => {
  it('validates as OpenAPI 3.1', () => {
    const output = execFileSync(process.execPath, [VALIDATOR, COMMITTED], { encoding: 'utf8' });
    expect(JSON.parse(output)).toEqual({ valid: true });
  });

  it('the committed copy is what the code generates (run `npm run generate` after a change)', () => {
    expect(JSON.parse(readFileSync(COMMITTED, 'utf8'))).toEqual(openApiDocument());
  });

  it('is served anonymously at /api/openapi.json, equal to the committed copy', async () => {
    const served = await p.anonymous('/api/openapi.json');
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toContain('application/json');
    expect(await served.json()).toEqual(JSON.parse(readFileSync(COMMITTED, 'utf8')));
  });

  it('lists every partner route the app registers, with its methods', async () => {
    const paths = (openApiDocument() as { paths: Record<string, Record<string, unknown>> }).paths;
    const partnerRoutes = p.host.httpRoutes.filter((r) => r.authLevel === 'function');
    expect(partnerRoutes.length).toBeGreaterThan(8);
    for (const route of partnerRoutes) {
      // The actions route is one function; the document names each action (an unknown one is 404).
      const templates = route.template.includes('{action')
        ? ['acceptance', 'verify', 'resend', 'cancel', 'retry'].map((a) =>
            `/${route.template}`.replace(/\{action[^}]*\}/, a),
          )
        : [`/${route.template}`];
      for (const template of templates)
        for (const method of route.methods)
          expect([template, method, paths[template]?.[method.toLowerCase()] !== undefined]).toEqual([
            template,
            method,
            true,
          ]);
    }
    const unknown = await p.partner(`/api/reinstatements/r-${'0'.repeat(32)}/nonsense`, { method: 'POST' });
    expect(unknown.status).toBe(404);
  });
});
