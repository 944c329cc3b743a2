/**
 * Where the sign-in emulation may send a browser after sign-in or sign-out
 * (`post_login_redirect_uri`, `post_logout_redirect_uri`): only to a page of this app. The value is
 * parsed as a browser parses a Location (the WHATWG URL parser, against the app's public base), and
 * accepted only when the result keeps the app's origin. A browser drops tabs and newlines while
 * parsing (`/\t/evil.example` becomes `//evil.example`, another site) and Node refuses CR/LF in a
 * header, so any control, format or whitespace character, raw or percent-encoded, refuses the value.
 */
export type RedirectCheck = { ok: true; location: string } | { ok: false; rule: string };

/** Controls (C0, DEL, C1), invisible format characters (bidi overrides, BOM) and every kind of space. */
const HOSTILE = /[\p{Cc}\p{Cf}\p{Z}\s]/u;

/** Decodes every %XX run; a run that is not UTF-8 is read byte by byte (`%85` is U+0085, a control). */
function percentDecoded(value: string): string {
  return value.replace(/(?:%[0-9a-f]{2})+/gi, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return Buffer.from(run.replace(/%/g, ''), 'hex').toString('latin1');
    }
  });
}

/** True when the value, or any percent-decoding of it (double-encoding included), holds a hostile character. */
function holdsHostileCharacter(value: string): boolean {
  let current = value;
  for (let round = 0; round < 4; round++) {
    if (HOSTILE.test(current)) return true;
    const decoded = percentDecoded(current);
    if (decoded === current) return false;
    current = decoded;
  }
  return true;
}

/**
 * Checks a redirect target against the app's public base (`https://app.example` or
 * `http://127.0.0.1:7071`). An absent or empty value means the app's root. The location returned is
 * absolute, as the parser resolved it: the browser reads it exactly so.
 */
export function sameSiteRedirect(value: string | null, publicBase: string): RedirectCheck {
  const root = `${publicBase.replace(/\/+$/, '')}/`;
  if (value === null || value === '') return { ok: true, location: root };
  if (value.length > 2048) return { ok: false, rule: 'must be at most 2048 characters' };
  if (holdsHostileCharacter(value))
    return { ok: false, rule: 'must not contain control or whitespace characters, raw or percent-encoded' };
  let url: URL;
  try {
    url = new URL(value, root);
  } catch {
    return { ok: false, rule: 'must be a URL' };
  }
  if (url.origin !== new URL(root).origin || url.username || url.password)
    return { ok: false, rule: `must be a page of this app (${new URL(root).origin})` };
  return { ok: true, location: url.href };
}
