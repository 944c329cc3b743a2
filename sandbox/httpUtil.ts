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
