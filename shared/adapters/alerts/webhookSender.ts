import { createHmac, timingSafeEqual } from 'node:crypto';
import {
  createDefaultHttpClient,
  createHttpHeaders,
  createPipelineRequest,
  type HttpClient,
} from '@azure/core-rest-pipeline';
import { parseRetryAfter } from '../../../lib/azure/inCallRetries';
import { errorMessage } from '../../../lib/errors';

/** The header carrying a JSON post's signature, and the one naming the delivery (for de-duplication). */
export const SIGNATURE_HEADER = 'x-reinstatement-signature';
export const DELIVERY_HEADER = 'x-reinstatement-delivery';

/**
 * A post's signature: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, the scheme Stripe and
 * others use, so a receiver checks both that the body is ours and that it is fresh (a captured post
 * replayed later fails the time check).
 */
export function signWebhook(secret: string, body: string, unixSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}

/** A receiver's check, as docs/ALERTS.md shows it: the signature, and a time within the tolerance. */
export function verifyWebhook(
  secret: string,
  body: string,
  header: string | null | undefined,
  nowSeconds: number,
  toleranceSeconds = 300,
): 'valid' | 'malformed' | 'stale' | 'bad-signature' {
  const parts = new Map(
    (header ?? '').split(',').map((p) => [p.slice(0, p.indexOf('=')).trim(), p.slice(p.indexOf('=') + 1)]),
  );
  const t = Number(parts.get('t'));
  const v1 = parts.get('v1') ?? '';
  if (!Number.isInteger(t) || !/^[0-9a-f]{64}$/.test(v1)) return 'malformed';
  if (Math.abs(nowSeconds - t) > toleranceSeconds) return 'stale';
  const expected = Buffer.from(signWebhook(secret, body, t).split('v1=')[1] ?? '', 'hex');
  return timingSafeEqual(expected, Buffer.from(v1, 'hex')) ? 'valid' : 'bad-signature';
}

/** What a post came to: delivered, worth trying again (with the wait asked for), or refused for good. */
export type PostOutcome =
  | { kind: 'delivered' }
  | { kind: 'retry'; reason: string; retryAfterMs?: number }
  | { kind: 'refused'; reason: string };

export interface WebhookPost {
  url: string;
  body: string;
  deliveryId: string;
  /** The JSON webhook's secret: the post is signed. Teams posts are not (their URL is the credential). */
  secret?: string;
}

/**
 * Posts alerts to a webhook. Teams' incoming webhooks answer throttling and some failures with
 * HTTP 200 and the error in the body ("Microsoft Teams endpoint returned HTTP error 429 ..."), and
 * refuse more than four posts a second and messages over 28 KB
 * (https://learn.microsoft.com/microsoftteams/platform/webhooks-and-connectors/how-to/add-incoming-webhook),
 * so a 200 is read before it counts as delivered. Nothing here logs the URL or the body.
 */
export class WebhookSender {
  private readonly http: HttpClient = createDefaultHttpClient();

  constructor(private readonly options: { ca?: string; timeoutMs?: number; now?: () => Date } = {}) {}

  async post(post: WebhookPost): Promise<PostOutcome> {
    const now = this.options.now?.() ?? new Date();
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      [DELIVERY_HEADER]: post.deliveryId,
    };
    if (post.secret)
      headers[SIGNATURE_HEADER] = signWebhook(post.secret, post.body, Math.floor(now.getTime() / 1000));
    const request = createPipelineRequest({
      url: post.url,
      method: 'POST',
      headers: createHttpHeaders(headers),
      body: post.body,
      timeout: this.options.timeoutMs ?? 15_000,
    });
    // Set on the request itself: createPipelineRequest does not copy TLS settings from its options.
    if (this.options.ca) request.tlsSettings = { ca: this.options.ca };
    let status: number;
    let text: string;
    let retryAfter: string | undefined;
    try {
      const response = await this.http.sendRequest(request);
      status = response.status;
      text = response.bodyAsText ?? '';
      retryAfter = response.headers.get('retry-after') ?? undefined;
    } catch (error) {
      return { kind: 'retry', reason: `the webhook could not be reached: ${errorMessage(error)}` };
    }
    const said = text.replace(/\s+/g, ' ').slice(0, 200);
    const embedded = /returned HTTP error (\d{3})/i.exec(text)?.[1];
    const effective = status >= 200 && status < 300 && embedded ? Number(embedded) : status;
    if (effective >= 200 && effective < 300) return { kind: 'delivered' };
    const reason = `the webhook answered HTTP ${effective}${said ? `: ${said}` : ''}`;
    if (effective === 429 || effective === 408 || effective >= 500)
      return {
        kind: 'retry',
        reason,
        ...(retryAfter ? { retryAfterMs: parseRetryAfter(retryAfter, now.getTime()) } : {}),
      };
    return { kind: 'refused', reason };
  }
}
