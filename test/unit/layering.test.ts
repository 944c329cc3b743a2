import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * The parts of the repository depend on each other in one direction only; ESLint enforces it. These
 * cases lint a one-line file placed (virtually) in each part, so a loosened rule fails here. ESLint
 * runs in a child process: its flat config is an ES module, which jest's module sandbox cannot load.
 */
const ROOT = join(__dirname, '..', '..');
const LINT = `
const { ESLint } = require('eslint');
const cases = JSON.parse(process.argv[1]);
(async () => {
  const eslint = new ESLint({ cwd: process.cwd() });
  const out = [];
  for (const [file, from] of cases) {
    const code = "import { x } from '" + from + "';\\nexport const y = x;\\n";
    const [result] = await eslint.lintText(code, { filePath: file });
    out.push(result.messages.some((m) => m.ruleId === 'no-restricted-imports'));
  }
  console.log(JSON.stringify(out));
})();`;

const forbidden: [string, string][] = [
  ['runtime/durable/probe.ts', '../../shared/storage/reinstatementRepository'],
  ['runtime/probe.ts', '../functions/index'],
  ['runtime/probe.ts', '../sandbox/sandboxCloud'],
  ['shared/workflow/probe.ts', '../../functions/index'],
  ['shared/probe.ts', '../runtime/functionHost'],
  ['shared/probe.ts', '../sandbox/state'],
  ['functions/probe.ts', '../runtime/clock'],
  ['functions/http/probe.ts', '../../sandbox/state'],
  ['sandbox/probe.ts', '../shared/model/scopes'],
  ['lib/probe.ts', '../shared/model/scopes'],
  ['lib/tables/probe.ts', '../../runtime/clock'],
];
const allowed: [string, string][] = [
  ['runtime/durable/probe.ts', '../../lib/tables/tableErrors'],
  ['shared/workflow/probe.ts', '../instructions/customerScripts'],
  ['functions/http/probe.ts', '../../shared/api/problem'],
  ['sandbox/probe.ts', '../lib/azure/builtInRoles'],
];

it('ESLint refuses every import against the dependency direction and allows the ones along it', () => {
  const cases = [...forbidden, ...allowed];
  const verdicts = JSON.parse(
    execFileSync(process.execPath, ['-e', LINT, JSON.stringify(cases)], { cwd: ROOT }).toString(),
  ) as boolean[];
  const seen = cases.map(([file, from], i) => `${file} -> ${from}: ${verdicts[i] ? 'refused' : 'allowed'}`);
  expect(seen).toEqual([
    ...forbidden.map(([file, from]) => `${file} -> ${from}: refused`),
    ...allowed.map(([file, from]) => `${file} -> ${from}: allowed`),
  ]);
});
