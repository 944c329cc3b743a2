/**
 * A reference reader for the PowerShell tokens our scripts use: bare words and single-quoted strings,
 * per about_Quoting_Rules (any of ' ‘ ’ ‚ ‛ opens or closes a single-quoted string; two in a row stand
 * for one literal quote). PowerShell itself is not installable here, so this reads a generated command
 * the way its tokenizer would, to prove no value escapes its argument.
 */
const QUOTES = new Set(["'", '\u2018', '\u2019', '\u201a', '\u201b']);

export function tokenizePowerShell(line: string): string[] {
  const tokens: string[] = [];
  let i = 0;
  while (i < line.length) {
    if (line[i] === ' ') {
      i++;
      continue;
    }
    if (QUOTES.has(line[i] as string)) {
      let value = '';
      i++;
      for (;;) {
        if (i >= line.length) throw new Error('unterminated single-quoted string');
        const c = line[i] as string;
        if (QUOTES.has(c)) {
          if (QUOTES.has(line[i + 1] as string)) {
            value += line[i + 1];
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += c;
        i++;
      }
      if (i < line.length && line[i] !== ' ') throw new Error(`quoted string runs into ${line[i]}`);
      tokens.push(value);
      continue;
    }
    let word = '';
    while (i < line.length && line[i] !== ' ') {
      const c = line[i] as string;
      if (QUOTES.has(c) || '$`;|&(){}"\n'.includes(c))
        throw new Error(`special character ${c} in a bare word`);
      word += c;
      i++;
    }
    tokens.push(word);
  }
  return tokens;
}
