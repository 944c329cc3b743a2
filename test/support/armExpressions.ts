import { createHash } from 'node:crypto';

/**
 * Enough of ARM's template language to evaluate the templates' expressions offline: `[...]`
 * expressions with string, integer and boolean values, function calls, property access (`.name`,
 * `['name']`, `[0]`), lambdas, and `if` evaluating only the branch it takes, as ARM does
 * (https://learn.microsoft.com/azure/azure-resource-manager/templates/template-functions-logical#if),
 * for the functions the templates use
 * (https://learn.microsoft.com/azure/azure-resource-manager/templates/template-functions).
 * guid() and uniqueString() are deterministic hashes of their arguments like ARM's, in ARM's shapes
 * (a UUID; 13 characters of a-z and 2-7); their exact bytes do not matter to a test.
 */
export interface ArmContext {
  parameters: Record<string, unknown>;
  variables: Record<string, unknown>;
  subscriptionId: string;
  resourceGroup?: string;
  /** What `reference(<resource id>, ...)` answers, by the id's text. */
  references?: (resourceId: string) => unknown;
}

type Node =
  | { kind: 'value'; value: unknown }
  | { kind: 'call'; name: string; args: Node[] }
  | { kind: 'property'; target: Node; key: Node };

type Value = unknown;

export class ArmEvaluationError extends Error {}

function parseExpression(source: string): Node {
  let at = 0;
  const skip = () => {
    while (source[at] === ' ') at++;
  };
  const expect = (c: string) => {
    skip();
    if (source[at] !== c) throw new Error(`expected ${c} at ${at} in ${source}`);
    at++;
  };
  const parse = (): Node => {
    skip();
    let node: Node;
    if (source[at] === "'") {
      let text = '';
      at++;
      for (;;) {
        const end = source.indexOf("'", at);
        if (end < 0) throw new Error(`unterminated string in ${source}`);
        text += source.slice(at, end);
        at = end + 1;
        // '' inside a string is one quote.
        if (source[at] !== "'") break;
        text += "'";
        at++;
      }
      node = { kind: 'value', value: text };
    } else if (/[-0-9]/.test(source[at] ?? '')) {
      const digits = /^-?\d+/.exec(source.slice(at))?.[0] ?? '';
      at += digits.length;
      node = { kind: 'value', value: Number(digits) };
    } else {
      const name = /^[A-Za-z]+/.exec(source.slice(at))?.[0];
      if (!name) throw new Error(`unexpected ${source.slice(at)}`);
      at += name.length;
      expect('(');
      const args: Node[] = [];
      skip();
      while (source[at] !== ')') {
        args.push(parse());
        skip();
        if (source[at] === ',') at++;
        skip();
      }
      at++;
      node = { kind: 'call', name, args };
    }
    for (;;) {
      if (source[at] === '.') {
        at++;
        const prop = /^[A-Za-z0-9_$]+/.exec(source.slice(at))?.[0] ?? '';
        at += prop.length;
        node = { kind: 'property', target: node, key: { kind: 'value', value: prop } };
      } else if (source[at] === '[') {
        at++;
        const key = parse();
        expect(']');
        node = { kind: 'property', target: node, key };
      } else return node;
    }
  };
  const node = parse();
  skip();
  if (at !== source.length) throw new Error(`trailing ${source.slice(at)}`);
  return node;
}

export function evaluate(expression: string, context: ArmContext): Value {
  if (!expression.startsWith('[') || !expression.endsWith(']') || expression.startsWith('[['))
    return expression;
  return run(parseExpression(expression.slice(1, -1)), context, {});
}

function run(node: Node, context: ArmContext, scope: Record<string, Value>): Value {
  if (node.kind === 'value') return node.value;
  if (node.kind === 'property') {
    const target = run(node.target, context, scope) as Record<string, unknown> | unknown[];
    const key = run(node.key, context, scope);
    const found =
      Array.isArray(target) && typeof key === 'number'
        ? target[key]
        : Object.prototype.hasOwnProperty.call(target, String(key))
          ? (target as Record<string, unknown>)[String(key)]
          : undefined;
    if (found === undefined)
      throw new ArmEvaluationError(
        `The language expression property '${String(key)}' doesn't exist, available properties are '${Object.keys(target).join(', ')}'.`,
      );
    return found;
  }
  const arg = (i: number) => run(node.args[i] as Node, context, scope);
  const args = () => node.args.map((_, i) => arg(i));
  const lambdaOf = (n: Node | undefined) => {
    if (n?.kind !== 'call' || n.name !== 'lambda') throw new Error('expected a lambda');
    const names = n.args.slice(0, -1).map((a) => String(run(a, context, scope)));
    const body = n.args[n.args.length - 1] as Node;
    return (...values: Value[]) =>
      run(body, context, { ...scope, ...Object.fromEntries(names.map((name, i) => [name, values[i]])) });
  };
  const s = () => args().map(String);
  switch (node.name) {
    case 'if':
      return arg(0) ? arg(1) : arg(2);
    case 'lambdaVariables':
      return scope[String(arg(0))];
    case 'map':
      return (arg(0) as Value[]).map((v, i) => lambdaOf(node.args[1])(v, i));
    case 'filter':
      return (arg(0) as Value[]).filter((v) => lambdaOf(node.args[1])(v));
    case 'parameters': {
      const name = String(arg(0));
      if (!(name in context.parameters))
        throw new ArmEvaluationError(`The template parameter '${name}' is not found.`);
      return context.parameters[name];
    }
    case 'variables': {
      const name = String(arg(0));
      const value = context.variables[name];
      if (value === undefined) throw new ArmEvaluationError(`The template variable '${name}' is not found.`);
      return evaluateAll(value, context);
    }
    case 'subscription':
      return { id: `/subscriptions/${context.subscriptionId}`, subscriptionId: context.subscriptionId };
    case 'resourceGroup':
      if (!context.resourceGroup) throw new Error('resourceGroup() outside a resource group deployment');
      return {
        id: `/subscriptions/${context.subscriptionId}/resourceGroups/${context.resourceGroup}`,
        name: context.resourceGroup,
      };
    case 'concat': {
      const values = args();
      return values.every(Array.isArray) ? values.flat() : values.map(String).join('');
    }
    case 'guid': {
      const hash = createHash('sha1').update(s().join('-')).digest();
      hash[6] = ((hash[6] as number) & 0x0f) | 0x50;
      hash[8] = ((hash[8] as number) & 0x3f) | 0x80;
      const h = hash.subarray(0, 16).toString('hex');
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
    }
    case 'uniqueString': {
      const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
      const hash = createHash('sha256').update(s().join('-')).digest();
      return [...hash.subarray(0, 13)].map((b) => alphabet[b % 32]).join('');
    }
    case 'resourceId': {
      const parts = s();
      const type = parts[0] as string;
      const names = parts.slice(1);
      const [namespace, ...types] = type.split('/');
      const segments = types.flatMap((t, i) => [t, names[i]]).join('/');
      return `/subscriptions/${context.subscriptionId}/resourceGroups/${context.resourceGroup}/providers/${namespace}/${segments}`;
    }
    case 'subscriptionResourceId':
      return `/subscriptions/${context.subscriptionId}/providers/${s()[0]}/${s().slice(1).join('/')}`;
    case 'extensionResourceId':
      return `${s()[0]}/providers/${s()[1]}/${s().slice(2).join('/')}`;
    case 'reference': {
      if (!context.references) throw new Error('reference() needs the deployment: give the test references');
      return context.references(String(arg(0)));
    }
    case 'toLower':
      return String(arg(0)).toLowerCase();
    case 'take': {
      const value = arg(0);
      const n = Number(arg(1));
      return Array.isArray(value) ? value.slice(0, n) : String(value).slice(0, n);
    }
    case 'sub':
      return Number(arg(0)) - Number(arg(1));
    case 'length': {
      const value = arg(0);
      return Array.isArray(value)
        ? value.length
        : typeof value === 'string'
          ? value.length
          : Object.keys(value as object).length;
    }
    case 'range':
      return Array.from({ length: Number(arg(1)) }, (_, i) => Number(arg(0)) + i);
    case 'substring':
      return String(arg(0)).substring(Number(arg(1)), Number(arg(1)) + Number(arg(2)));
    case 'first': {
      const value = arg(0);
      return Array.isArray(value) ? value[0] : String(value).charAt(0);
    }
    case 'contains': {
      const container = arg(0);
      const item = arg(1);
      if (typeof container === 'string') return container.includes(String(item));
      if (Array.isArray(container)) return container.includes(item);
      return Object.prototype.hasOwnProperty.call(container, String(item));
    }
    case 'empty': {
      const value = arg(0);
      if (value === null || value === undefined || value === '') return true;
      if (Array.isArray(value)) return value.length === 0;
      return typeof value === 'object' && Object.keys(value).length === 0;
    }
    case 'and':
      return node.args.every((_, i) => arg(i) === true);
    case 'or':
      return node.args.some((_, i) => arg(i) === true);
    case 'not':
      return !arg(0);
    case 'equals':
      return JSON.stringify(arg(0)) === JSON.stringify(arg(1));
    case 'createObject': {
      const values = args();
      return Object.fromEntries(
        Array.from({ length: values.length / 2 }, (_, i) => [String(values[2 * i]), values[2 * i + 1]]),
      );
    }
    case 'string': {
      const value = arg(0);
      return typeof value === 'string' ? value : JSON.stringify(value);
    }
    case 'lambda':
      throw new Error('a lambda is only an argument of map() or filter()');
    default:
      throw new Error(`the test's ARM evaluator does not know ${node.name}()`);
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
