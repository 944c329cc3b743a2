/**
 * The path and query a request asks for, from its request target (RFC 9112 section 3.2):
 *  - origin-form `/path?query`, as browsers send it;
 *  - absolute-form `http://host:port/path?query`, as proxies and some clients send it. Section 3.2.2:
 *    a server MUST accept it, and then takes the host from the target, not from the Host header.
 * Anything else (asterisk-form, a relative or a non-http target) is undefined: the caller answers 400.
 */
export function requestTarget(
  target: string | undefined,
): { pathAndQuery: string; host?: string } | undefined {
  if (target === undefined) return undefined;
  if (target.startsWith('/')) return { pathAndQuery: target };
  if (!/^https?:\/\//i.test(target)) return undefined;
  try {
    const url = new URL(target);
    return { pathAndQuery: `${url.pathname}${url.search}`, host: url.host };
  } catch {
    return undefined;
  }
}
