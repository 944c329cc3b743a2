import type { IncomingMessage, ServerResponse } from 'node:http';

export interface SimRequest {
  req: IncomingMessage;
  res: ServerResponse;
  method: string;
  /** Path with repeated slashes collapsed (the ARM SDK sends `//subscriptions/...`). */
  path: string;
  url: URL;
  body: Buffer;
  origin: string;
}

export function json(
  res: ServerResponse,
  status: number,
  body?: unknown,
  headers: Record<string, string> = {},
): void {
  if (body === undefined) {
    res.writeHead(status, headers).end();
    return;
  }
  res
    .writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...headers })
    .end(JSON.stringify(body));
}

/** ARM's error body: `{ "error": { "code", "message" } }`. */
export function armError(res: ServerResponse, status: number, code: string, message: string): void {
  json(res, status, { error: { code, message } });
}

export function bearer(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization ?? '';
  return /^Bearer (.+)$/i.exec(header)?.[1];
}

export function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

export const escapeHtml = (s: string): string =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

/** A page of the sandbox's own (not Microsoft's): plain, readable on a phone, no script. */
export function htmlPage(res: ServerResponse, status: number, title: string, body: string): void {
  res
    .writeHead(status, {
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Security-Policy':
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': 'no-store',
    })
    .end(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title><meta name="viewport" content="width=device-width,initial-scale=1"></head><body style="font-family:Segoe UI,Arial,sans-serif;max-width:60rem;margin:0 auto;padding:1rem;line-height:1.45"><header style="background:#5c2d91;color:#fff;padding:.6rem 1rem">Sandbox cloud (simulated Microsoft) · <a style="color:#fff" href="/sandbox/">Home</a> · <a style="color:#fff" href="/sandbox/outbox.html">Outbox</a> · <a style="color:#fff" href="/sandbox/alerts.html">Alerts received</a></header><main>${body}</main></body></html>`,
    );
}
