import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { METRIC_NAMES, RECORDED_ATTRIBUTE_KEYS } from '../../shared/telemetry/names';
import { ALERT_RULES, WORKBOOK_QUERIES } from '../../shared/telemetry/operationsQueries';
import { kustoReferences } from '../support/kustoReferences';

/**
 * docs/OPERATIONS.md is what the operations team reads when an alert mails them: it must explain the
 * rules the template deploys, with the queries they run, and query nothing the code does not record.
 */
const ROOT = join(__dirname, '..', '..');
const guide = readFileSync(join(ROOT, 'docs', 'OPERATIONS.md'), 'utf8');
/** Each kusto block, without the indentation of a block inside a list item. */
const kustoBlocks = [...guide.matchAll(/^([ \t]*)```kusto\n([\s\S]*?)\n[ \t]*```$/gm)].map((m) =>
  (m[2] ?? '')
    .split('\n')
    .map((line) => line.slice((m[1] ?? '').length))
    .join('\n'),
);

describe('docs/OPERATIONS.md', () => {
  it('explains every alert the template deploys, under its name, with the query it runs', () => {
    const headings = [...guide.matchAll(/^### (.+?)(?: \(severity (\d)\))?$/gm)].map((m) => ({
      title: m[1],
      severity: m[2],
    }));
    for (const rule of ALERT_RULES) {
      expect(headings).toContainEqual({ title: rule.displayName, severity: String(rule.severity) });
      expect(kustoBlocks).toContain(rule.query);
    }
  });

  it("repeats every workbook tile's query", () => {
    for (const tile of WORKBOOK_QUERIES) expect(kustoBlocks).toContain(tile.query);
  });

  it('queries only metrics the code records and dimensions it sets', () => {
    expect(kustoBlocks.length).toBeGreaterThan(ALERT_RULES.length + WORKBOOK_QUERIES.length);
    for (const block of kustoBlocks) {
      const refs = kustoReferences(block);
      expect(refs.metricNames.filter((n) => !METRIC_NAMES.includes(n))).toEqual([]);
      expect(refs.dimensions.filter((d) => !RECORDED_ATTRIBUTE_KEYS.includes(d))).toEqual([]);
    }
  });

  it("is linked from the README's deploy section", () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const deploy = readme.slice(readme.indexOf('## Deploy to Azure'), readme.indexOf('## Development'));
    expect(deploy).toMatch(/\]\(docs\/OPERATIONS\.md\)/);
  });
});
