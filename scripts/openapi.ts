/**
 * `npm run openapi`: writes the OpenAPI document the app serves at GET /api/openapi.json to
 * docs/openapi.json, so that reviewers see its changes in the diff (a test keeps the two equal).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openApiDocument } from '../shared/api/openapi/document';

export const OPENAPI_FILE = join(__dirname, '..', '..', 'docs', 'openapi.json');

writeFileSync(OPENAPI_FILE, `${JSON.stringify(openApiDocument(), null, 2)}\n`);
console.log(`wrote ${OPENAPI_FILE}`);
