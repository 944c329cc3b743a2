import { coversScope, parseScope, renderScope, scopeKey } from '../../shared/model/scopes';
import { ValidationError } from '../../shared/model/validationError';
import { SUBSCRIPTION } from '../support/fixtures';

const sub = `/subscriptions/${SUBSCRIPTION}`;

function ruleFor(raw: unknown): string {
  try {
    parseScope(raw, 'scopes[0]');
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    const issue = (e as ValidationError).issues[0];
    expect(issue?.field).toBe('scopes[0]');
    return issue?.rule ?? '';
  }
  throw new Error(`expected ${String(raw)} to be rejected`);
}

describe('parseScope', () => {
  it('parses the three kinds of scope and renders them canonically', () => {
    expect(parseScope(sub)).toEqual({ kind: 'subscription', subscriptionId: SUBSCRIPTION });
    expect(parseScope(`${sub}/resourceGroups/rg-prod.01(eu)`)).toEqual({
      kind: 'resourceGroup',
      subscriptionId: SUBSCRIPTION,
      resourceGroup: 'rg-prod.01(eu)',
    });
    const vm = `${sub}/resourceGroups/rg1/providers/Microsoft.Compute/virtualMachines/vm-1`;
    expect(parseScope(vm)).toEqual({
      kind: 'resource',
      subscriptionId: SUBSCRIPTION,
      resourceGroup: 'rg1',
      providerNamespace: 'Microsoft.Compute',
      path: [{ type: 'virtualMachines', name: 'vm-1' }],
    });
    expect(renderScope(parseScope(vm))).toBe(vm);
  });

  it('parses nested resources', () => {
    const db = `${sub}/resourceGroups/rg1/providers/Microsoft.Sql/servers/s1/databases/db1`;
    const scope = parseScope(db);
    expect(scope.kind === 'resource' && scope.path).toEqual([
      { type: 'servers', name: 's1' },
      { type: 'databases', name: 'db1' },
    ]);
    expect(renderScope(scope)).toBe(db);
  });

  it('accepts ARM casing variations and a trailing slash, and normalises them', () => {
    const messy = `/SUBSCRIPTIONS/${SUBSCRIPTION.toUpperCase()}/resourcegroups/RG1/`;
    expect(renderScope(parseScope(messy))).toBe(`${sub}/resourceGroups/RG1`);
  });

  it('accepts Unicode letters in resource group names, as ARM does', () => {
    expect(parseScope(`${sub}/resourceGroups/données-été`).kind).toBe('resourceGroup');
  });

  it.each([
    [42, 'must be a string'],
    ['', 'must be 1-1024'],
    ['subscriptions/x', "starting with '/subscriptions/'"],
    ['/tenants/abc', "must start with '/subscriptions/"],
    ['/subscriptions/not-a-guid', 'subscription id must be a GUID'],
    [`${sub}//resourceGroups/rg`, 'empty path segments'],
    [`${sub}/resourceGroups`, "only '/resourceGroups/<name>'"],
    [`${sub}/locations/westeurope`, "only '/resourceGroups/<name>'"],
    [`${sub}/resourceGroups/ends.with.dot.`, 'resource group name'],
    [`${sub}/resourceGroups/${'a'.repeat(91)}`, 'resource group name'],
    [`${sub}/resourceGroups/has space`, 'resource group name'],
    [`${sub}/resourceGroups/rg'quote`, 'resource group name'],
    [`${sub}/resourceGroups/rg\u2019smart`, 'resource group name'],
    [`${sub}/resourceGroups/rg$(calc)`, 'resource group name'],
    [`${sub}/resourceGroups/rg\`tick`, 'resource group name'],
    [`${sub}/resourceGroups/rg;rm`, 'resource group name'],
    [`${sub}/resourceGroups/rg\nNew-Line`, 'resource group name'],
    [`${sub}/resourceGroups/rg1/providers/Microsoft.Compute`, "continue '/providers/"],
    [`${sub}/resourceGroups/rg1/providers/compute/virtualMachines/vm`, 'provider namespace'],
    [`${sub}/resourceGroups/rg1/providers/Microsoft.Compute/virtualMachines/vm/extensions`, 'type/name pair'],
    [`${sub}/resourceGroups/rg1/providers/Microsoft.Compute/virtual-machines/vm`, 'resource type'],
    [`${sub}/resourceGroups/rg1/providers/Microsoft.Compute/virtualMachines/vm'x`, 'resource name'],
    [`${sub}/resourceGroups/rg1/providers/Microsoft.Sql/servers/s1/databases`, 'type/name pair'],
    [
      `/subscriptions/${SUBSCRIPTION}/resourceGroups/${'r'.repeat(80)}/providers/Microsoft.Compute/virtualMachines/${'v'.repeat(1000)}`,
      '1-1024',
    ],
  ])('rejects %p with a rule naming the problem', (raw, fragment) => {
    expect(ruleFor(raw)).toContain(fragment);
  });
});

describe('coversScope', () => {
  const rg = `${sub}/resourceGroups/rg1`;
  const vm = `${rg}/providers/Microsoft.Compute/virtualMachines/vm1`;

  it('accepts the scope itself and every ancestor, case-insensitively', () => {
    expect(coversScope(vm, vm)).toBe(true);
    expect(coversScope(rg.toUpperCase(), vm)).toBe(true);
    expect(coversScope(sub, vm)).toBe(true);
    expect(coversScope('/', vm)).toBe(true);
    expect(coversScope('/providers/Microsoft.Management/managementGroups/mg1', sub)).toBe(true);
  });

  it('rejects descendants, siblings and prefixes that stop mid-segment', () => {
    expect(coversScope(rg, sub)).toBe(false);
    expect(coversScope(`${sub}/resourceGroups/rg2`, vm)).toBe(false);
    expect(coversScope(`${sub}/resourceGroups/rg`, vm)).toBe(false);
    expect(coversScope(`/subscriptions/${'0'.repeat(8)}-0000-4000-8000-000000000000`, rg)).toBe(false);
  });

  it('compares keys without trailing slashes', () => {
    expect(scopeKey(`${rg}/`)).toBe(scopeKey(rg));
  });
});
