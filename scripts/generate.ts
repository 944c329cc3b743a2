/**
 * `npm run generate`: writes the files the repository commits but the code defines, so that reviewers
 * see their changes in the diff (tests keep each equal to the code):
 *   docs/openapi.json                        the OpenAPI document the app serves at /api/openapi.json
 *   infra/customer-grant.json                the customer's one-click grant at a subscription
 *   infra/customer-grant-resource-group.json the same at a resource group
 *   infra/azuredeploy.json                   its monitoring part only (action group, alert rules,
 *                                            workbook, from shared/telemetry); the rest is written by hand
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openApiDocument } from '../shared/api/openapi/document';
import { grantTemplate } from '../shared/instructions/grantTemplates';
import { withMonitoring } from '../shared/telemetry/azureMonitorResources';

const ROOT = join(__dirname, '..', '..');
const deployment = JSON.parse(readFileSync(join(ROOT, 'infra/azuredeploy.json'), 'utf8')) as Parameters<
  typeof withMonitoring
>[0];
const files: Record<string, unknown> = {
  'docs/openapi.json': openApiDocument(),
  'infra/customer-grant.json': grantTemplate('subscription'),
  'infra/customer-grant-resource-group.json': grantTemplate('resourceGroup'),
  'infra/azuredeploy.json': withMonitoring(deployment),
};
for (const [path, content] of Object.entries(files)) {
  writeFileSync(join(ROOT, path), `${JSON.stringify(content, null, 2)}\n`);
  console.log(`wrote ${path}`);
}
