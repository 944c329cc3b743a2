import { LANGUAGES, type Language } from '../model/languages';

/**
 * The supported languages a browser's `Accept-Language` header asks for, most wanted first (RFC 9110
 * §12.5.4: weights `q` from 0 to 1, 0 meaning "not this"; a tag matches our language when they are
 * equal or ours is a prefix of it: `de-AT` finds `de`, `pt` finds `pt-BR`). Anything malformed is
 * skipped; at most 20 entries of at most 1,000 characters are read.
 */
export function acceptedLanguages(header: string | null | undefined): Language[] {
  if (!header) return [];
  const wanted: { language: Language; q: number; order: number }[] = [];
  header
    .slice(0, 1000)
    .split(',')
    .slice(0, 20)
    .forEach((entry, order) => {
      const [tag = '', ...params] = entry.trim().split(';');
      if (!/^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$/.test(tag.trim())) return;
      const qParam = params.map((p) => p.trim()).find((p) => /^q=/i.test(p));
      const q = qParam === undefined ? 1 : Number(qParam.slice(2));
      if (!Number.isFinite(q) || q <= 0 || q > 1) return;
      const language = matchLanguage(tag.trim());
      if (language) wanted.push({ language, q, order });
    });
  wanted.sort((a, b) => b.q - a.q || a.order - b.order);
  return [...new Set(wanted.map((w) => w.language))];
}

function matchLanguage(tag: string): Language | undefined {
  const lower = tag.toLowerCase();
  const exact = LANGUAGES.find((l) => l.toLowerCase() === lower);
  if (exact) return exact;
  const primary = lower.split('-')[0];
  return LANGUAGES.find((l) => l.toLowerCase().split('-')[0] === primary);
}
