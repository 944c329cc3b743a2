/**
 * `npm start`. The offline runtime that hosts the function app without Core Tools is not built yet
 * (issue: offline runtime); until then this checks that the app builds and its sample settings are
 * valid, and says what works today.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../shared/config/appConfig';

const root = join(__dirname, '..', '..');
const sample = JSON.parse(readFileSync(join(root, 'local.settings.sample.json'), 'utf8')) as {
  Values: Record<string, string>;
};
const config = loadConfig({ ...sample.Values, ...process.env });
console.log('Build: ok (dist/)');
console.log(
  `Configuration: valid (partner tenant ${config.partner.tenantId}, task hub ${config.storage.taskHubName})`,
);
console.log(
  'Offline runtime: not yet available. Run `npm test` to exercise the model, scripts, tokens and storage.',
);
