import { createHash } from 'node:crypto';

/**
 * Enough of ARM's template language to evaluate the customer's grant templates offline: `[...]`
 * expressions with string literals, function calls and property access, for the functions those
 * templates use. https://learn.microsoft.com/azure/azure-resource-manager/templates/template-functions
 * (guid() here is a deterministic name-based UUID like ARM's; its exact bytes do not matter to a test.)
 */
export interface ArmContext {
  parameters: Record<string, unknown>;
  variables: Record<string, unknown>;
  subscriptionId: string;
  resourceGroup?: string;
}

type Value = unknown;

export function evaluate(expression: string, context: ArmContext): Value {
  if (!expression.startsWith('[') || !expression.endsWith(']') || expression.startsWith('[['))
    return expression;
  const source = expression.slice(1, -1);
  let at = 0;
  const skip = () => {
    while (source[at] === ' ') at++;
  };
  const expect = (c: string) => {
    skip();
    if (source[at] !== c) throw new Error(`expected ${c} at ${at} in ${source}`);
    at++;
  };
  const parse = (): Value => {
    skip();
    let value: Value;
    if (source[at] === "'") {
      const end = source.indexOf("'", at + 1);
      value = source.slice(at + 1, end);
      at = end + 1;
    } else {
      const name = /^[A-Za-z]+/.exec(source.slice(at))?.[0];
      if (!name) throw new Error(`unexpected ${source.slice(at)}`);
      at += name.length;
      expect('(');
      const args: Value[] = [];
      skip();
      while (source[at] !== ')') {
        args.push(parse());
        skip();
        if (source[at] === ',') at++;
        skip();
      }
      at++;
      value = call(name, args, context);
    }
    while (source[at] === '.') {
      at++;
      const prop = /^[A-Za-z]+/.exec(source.slice(at))?.[0] ?? '';
      at += prop.length;
      value = (value as Record<string, unknown>)[prop];
    }
    return value;
  };
  const result = parse();
  skip();
  if (at !== source.length) throw new Error(`trailing ${source.slice(at)}`);
  return result;
}

function call(name: string, args: Value[], context: ArmContext): Value {
  const s = args.map(String);
  switch (name) {
    case 'parameters':
      return context.parameters[s[0] as string];
    case 'variables':
      return context.variables[s[0] as string];
    case 'subscription':
      return { id: `/subscriptions/${context.subscriptionId}`, subscriptionId: context.subscriptionId };
    case 'resourceGroup':
      if (!context.resourceGroup) throw new Error('resourceGroup() outside a resource group deployment');
      return {
        id: `/subscriptions/${context.subscriptionId}/resourceGroups/${context.resourceGroup}`,
        name: context.resourceGroup,
      };
    case 'concat':
      return s.join('');
    case 'guid': {
      const hash = createHash('sha1').update(s.join('-')).digest();
      hash[6] = ((hash[6] as number) & 0x0f) | 0x50;
      hash[8] = ((hash[8] as number) & 0x3f) | 0x80;
      const h = hash.subarray(0, 16).toString('hex');
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
    }
    case 'subscriptionResourceId':
      return `/subscriptions/${context.subscriptionId}/providers/${s[0]}/${s.slice(1).join('/')}`;
    case 'extensionResourceId':
      return `${s[0]}/providers/${s[1]}/${s.slice(2).join('/')}`;
    default:
      throw new Error(`the test's ARM evaluator does not know ${name}()`);
  }
}

/** Every `[...]` string in a JSON value, evaluated. */
export function evaluateAll<T>(value: T, context: ArmContext): T {
  if (typeof value === 'string') return evaluate(value, context) as T;
  if (Array.isArray(value)) return value.map((v) => evaluateAll(v, context)) as T;
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, evaluateAll(v, context)])) as T;
  return value;
}
