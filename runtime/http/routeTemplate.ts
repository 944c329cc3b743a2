/**
 * ASP.NET-style route templates as Azure Functions HTTP triggers use them: literal segments
 * (case-insensitive), `{name}`, optional `{name?}`, catch-all `{*name}`, and the common inline
 * constraints `{id:int}`, `{id:guid}`, `{id:alpha}`, `{id:bool}`, `{id:length(n)}`.
 */
type Segment =
  | { kind: 'literal'; text: string }
  | { kind: 'param'; name: string; optional: boolean; catchAll: boolean; constraint?: string };

export interface CompiledRoute {
  template: string;
  segments: Segment[];
  /** Literal segments rank first when two templates match one path. */
  specificity: number;
}

const CONSTRAINTS: Record<string, (v: string, arg?: string) => boolean> = {
  int: (v) => /^-?\d+$/.test(v),
  long: (v) => /^-?\d+$/.test(v),
  guid: (v) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v),
  alpha: (v) => /^[A-Za-z]+$/.test(v),
  bool: (v) => /^(true|false)$/i.test(v),
  length: (v, arg) => v.length === Number(arg),
  minlength: (v, arg) => v.length >= Number(arg),
  maxlength: (v, arg) => v.length <= Number(arg),
};

export function compileRoute(template: string): CompiledRoute {
  const segments: Segment[] = template
    .replace(/^\/+|\/+$/g, '')
    .split('/')
    .filter((s) => s.length > 0)
    .map((raw) => {
      const param = /^\{(\*)?([A-Za-z_][A-Za-z0-9_]*)(?::([A-Za-z]+(?:\([^)]*\))?))?(\?)?\}$/.exec(raw);
      if (!param) {
        if (/[{}]/.test(raw)) throw new Error(`Unsupported route segment "${raw}" in "${template}"`);
        return { kind: 'literal', text: raw.toLowerCase() };
      }
      return {
        kind: 'param',
        name: param[2] ?? '',
        catchAll: param[1] === '*',
        optional: param[4] === '?' || param[1] === '*',
        ...(param[3] ? { constraint: param[3] } : {}),
      };
    });
  return { template, segments, specificity: segments.filter((s) => s.kind === 'literal').length };
}

function satisfies(constraint: string | undefined, value: string): boolean {
  if (!constraint) return true;
  const m = /^([A-Za-z]+)(?:\(([^)]*)\))?$/.exec(constraint);
  const check = m ? CONSTRAINTS[(m[1] ?? '').toLowerCase()] : undefined;
  return check ? check(value, m?.[2]) : true;
}

/** Route parameters when the path matches the template, otherwise undefined. */
export function matchRoute(route: CompiledRoute, pathSegments: string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  let i = 0;
  for (const segment of route.segments) {
    if (segment.kind === 'literal') {
      if (pathSegments[i]?.toLowerCase() !== segment.text) return undefined;
      i++;
      continue;
    }
    if (segment.catchAll) {
      const rest = pathSegments.slice(i).join('/');
      if (rest) params[segment.name] = rest;
      i = pathSegments.length;
      continue;
    }
    const value = pathSegments[i];
    if (value === undefined) {
      if (segment.optional) continue;
      return undefined;
    }
    if (!satisfies(segment.constraint, value)) return undefined;
    params[segment.name] = value;
    i++;
  }
  return i === pathSegments.length ? params : undefined;
}
