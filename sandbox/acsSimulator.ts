import { createHash, createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import type { SandboxState, SentMail } from './state';
import { json, parseJson, type SimRequest } from './httpUtil';

/**
 * Azure Communication Services Email:
 *   POST /emails:send?api-version=...            202 + Operation-Location
 *   GET  /emails/operations/{id}?api-version=... 200 { id, status }
 * https://learn.microsoft.com/rest/api/communication/dataplane/email/send
 * Authentication is HMAC-SHA256 over `VERB\npath?query\nx-ms-date;host;x-ms-content-sha256`
 * (https://learn.microsoft.com/rest/api/communication/authentication). Repeatable requests follow
 * https://learn.microsoft.com/rest/api/communication/repeatable-requests: a tracked id within the
 * 5-minute window returns the first answer; a first-sent time outside it is refused with 412; a
 * reused id with a different body is refused with 400.
 */
export interface AcsLimits {
  perMinute: number;
  perHour: number;
}

const TRACKED_MS = 5 * 60_000;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class AcsSimulator {
  private readonly tracked = new Map<string, { bodyHash: string; firstSent: number; operationId: string }>();
  private readonly operations = new Map<string, { status: 'Running' | 'Succeeded' }>();
  private readonly sendTimes: number[] = [];
  limits: AcsLimits;

  /** Requests answered 429 because the quota was used up (not injected faults). */
  throttled = 0;

  constructor(
    private readonly state: SandboxState,
    private readonly accessKey: Buffer,
    limits: AcsLimits = { perMinute: 1_000_000, perHour: 1_000_000 },
    /** The simulated cloud's clock: tests on simulated time pass theirs. */
    private readonly now: () => number = Date.now,
  ) {
    this.limits = limits;
  }

  /** Picks up where a restarted sandbox left off: its operations, quota windows and tracked ids. */
  restore(mails: SentMail[]): void {
    for (const mail of mails) {
      const at = Date.parse(mail.acceptedAt);
      this.operations.set(mail.operationId, { status: 'Succeeded' });
      if (this.now() - at < 3_600_000) this.sendTimes.push(at);
      if (mail.repeatabilityRequestId)
        this.tracked.set(mail.repeatabilityRequestId, {
          bodyHash: '',
          firstSent: at,
          operationId: mail.operationId,
        });
    }
  }

  handle(sim: SimRequest): boolean {
    const isSend = sim.path === '/emails:send' && sim.method === 'POST';
    const op = /^\/emails\/operations\/([^/]+)$/.exec(sim.path);
    if (!isSend && !(op && sim.method === 'GET')) return false;
    if (!this.authenticated(sim)) {
      json(sim.res, 401, { error: { code: 'Denied', message: 'Denied by the resource provider.' } });
      return true;
    }
    if (!sim.url.searchParams.get('api-version')) {
      json(sim.res, 400, {
        error: {
          code: 'MissingApiVersionParameter',
          message: 'The api-version query parameter is required.',
        },
      });
      return true;
    }
    if (op) {
      const found = this.operations.get(op[1] ?? '');
      if (!found) json(sim.res, 404, { error: { code: 'NotFound', message: 'Operation not found.' } });
      else json(sim.res, 200, { id: op[1], status: found.status, error: null });
      return true;
    }
    this.send(sim);
    return true;
  }

  private authenticated(sim: SimRequest): boolean {
    const auth = String(sim.req.headers.authorization ?? '');
    const m = /^HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=(.+)$/.exec(auth);
    const date = sim.req.headers['x-ms-date'];
    const contentHash = sim.req.headers['x-ms-content-sha256'];
    if (!m || typeof date !== 'string' || typeof contentHash !== 'string') return false;
    if (createHash('sha256').update(sim.body).digest('base64') !== contentHash) return false;
    const host = sim.req.headers.host ?? '';
    const toSign = `${sim.method}\n${sim.url.pathname}${sim.url.search}\n${date};${host};${contentHash}`;
    const expected = createHmac('sha256', this.accessKey).update(toSign, 'utf8').digest();
    const presented = Buffer.from(m[1] ?? '', 'base64');
    return presented.length === expected.length && timingSafeEqual(presented, expected);
  }

  private send(sim: SimRequest): void {
    const body = parseJson(sim.body) as
      | {
          senderAddress?: string;
          recipients?: {
            to?: { address: string }[];
            cc?: { address: string }[];
            bcc?: { address: string }[];
          };
          content?: { subject?: string; plainText?: string; html?: string };
          replyTo?: { address: string }[];
        }
      | undefined;
    const to = body?.recipients?.to ?? [];
    const all = [...to, ...(body?.recipients?.cc ?? []), ...(body?.recipients?.bcc ?? [])];
    if (
      !body?.senderAddress ||
      !body.content?.subject ||
      to.length === 0 ||
      (!body.content.plainText && !body.content.html)
    ) {
      json(sim.res, 400, {
        error: {
          code: 'BadRequest',
          message: 'senderAddress, recipients.to, content.subject and a body are required.',
        },
      });
      return;
    }
    if (all.length > 50) {
      json(sim.res, 400, {
        error: { code: 'BadRequest', message: 'The number of recipients exceeds the limit of 50.' },
      });
      return;
    }

    const requestId = sim.req.headers['repeatability-request-id'];
    const firstSentHeader = sim.req.headers['repeatability-first-sent'];
    const bodyHash = createHash('sha256').update(sim.body).digest('hex');
    if (requestId !== undefined || firstSentHeader !== undefined) {
      const firstSent = Date.parse(String(firstSentHeader));
      if (
        typeof requestId !== 'string' ||
        !GUID.test(requestId) ||
        Number.isNaN(firstSent) ||
        !/GMT$/.test(String(firstSentHeader))
      ) {
        json(sim.res, 400, {
          error: {
            code: 'BadRequest',
            message: 'Repeatability-Request-Id must be a GUID and Repeatability-First-Sent an IMF-fixdate.',
          },
        });
        return;
      }
      if (this.now() - firstSent > TRACKED_MS) {
        json(sim.res, 412, {
          error: {
            code: 'PreconditionFailed',
            message: 'Repeatability-First-Sent header is not within 5 minute window.',
          },
        });
        return;
      }
      const seen = this.tracked.get(requestId.toLowerCase());
      if (seen) {
        if (seen.bodyHash && seen.bodyHash !== bodyHash) {
          json(sim.res, 400, {
            error: {
              code: 'BadRequest',
              message: 'The request does not match the original request with this Repeatability-Request-Id.',
            },
          });
          return;
        }
        this.accepted(sim, seen.operationId);
        return;
      }
    }

    // The quota, as ACS counts it: sends in the last 60 seconds and the last 60 minutes.
    // https://learn.microsoft.com/azure/communication-services/concepts/service-limits#email
    const now = this.now();
    while (this.sendTimes.length && now - (this.sendTimes[0] ?? 0) >= 3_600_000) this.sendTimes.shift();
    const lastMinute = this.sendTimes.filter((t) => now - t < 60_000);
    if (lastMinute.length >= this.limits.perMinute || this.sendTimes.length >= this.limits.perHour) {
      this.throttled++;
      const oldest =
        lastMinute.length >= this.limits.perMinute
          ? (lastMinute[0] ?? 0) + 60_000
          : (this.sendTimes[0] ?? 0) + 3_600_000;
      json(
        sim.res,
        429,
        { error: { code: 'TooManyRequests', message: 'Too many requests.' } },
        { 'Retry-After': String(Math.max(1, Math.ceil((oldest - now) / 1000))) },
      );
      return;
    }
    this.sendTimes.push(now);
    const operationId = randomUUID();
    if (typeof requestId === 'string')
      this.tracked.set(requestId.toLowerCase(), {
        bodyHash,
        firstSent: Date.parse(String(firstSentHeader)),
        operationId,
      });
    this.operations.set(operationId, { status: 'Succeeded' });
    this.state.recordMail({
      operationId,
      ...(typeof requestId === 'string' ? { repeatabilityRequestId: requestId.toLowerCase() } : {}),
      senderAddress: body.senderAddress,
      to: to.map((r) => r.address),
      subject: body.content.subject,
      ...(body.content.plainText ? { plainText: body.content.plainText } : {}),
      ...(body.content.html ? { html: body.content.html } : {}),
      ...(body.replyTo?.length ? { replyTo: body.replyTo.map((r) => r.address) } : {}),
      acceptedAt: new Date(now).toISOString(),
    });
    this.accepted(sim, operationId);
  }

  private accepted(sim: SimRequest, operationId: string): void {
    const apiVersion = sim.url.searchParams.get('api-version');
    json(
      sim.res,
      202,
      { id: operationId, status: 'Running', error: null },
      {
        'Operation-Location': `${sim.origin}/emails/operations/${operationId}?api-version=${apiVersion}`,
        'Retry-After': '0',
      },
    );
  }
}
