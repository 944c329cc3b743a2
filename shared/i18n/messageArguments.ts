import { parse, type SelectCase, type Token } from '@messageformat/parser';

/** One argument a message takes, and how it uses it: as text, to choose a plural form, or a variant. */
export interface MessageArgument {
  name: string;
  kind: 'argument' | 'function' | 'plural' | 'select' | 'selectordinal';
}

/**
 * Every argument of an ICU message, once each (a name used both plainly and in a plural counts as the
 * plural), sorted by name: what a translation must keep, and what the default mail templates turn
 * into `{{placeholders}}`.
 */
export function messageArguments(message: string): MessageArgument[] {
  const found = new Map<string, MessageArgument['kind']>();
  const visit = (tokens: readonly (Token | SelectCase)[]) => {
    for (const token of tokens) {
      if ('key' in token && 'tokens' in token) {
        visit(token.tokens);
        continue;
      }
      if (token.type === 'content' || token.type === 'octothorpe') continue;
      const kind = token.type;
      const known = found.get(token.arg);
      if (!known || known === 'argument') found.set(token.arg, kind);
      if (token.type === 'plural' || token.type === 'select' || token.type === 'selectordinal')
        visit(token.cases);
    }
  };
  visit(parse(message));
  return [...found].map(([name, kind]) => ({ name, kind })).sort((a, b) => a.name.localeCompare(b.name));
}
