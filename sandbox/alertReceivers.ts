import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { escapeHtml, htmlPage, json, parseJson, type SimRequest } from './httpUtil';

/** What a receiver got: the body, and for the JSON webhook the delivery id and how often it came. */
export interface Received {
  at: string;
  deliveryId?: string;
  body: unknown;
}

/**
 * The far ends of the product's alert webhooks: a Microsoft Teams incoming webhook, and a PSA or
 * ticketing tool's signed JSON webhook, each as strict as the real one.
 *
 * Teams (https://learn.microsoft.com/microsoftteams/platform/webhooks-and-connectors/how-to/add-incoming-webhook):
 * POST to `/webhookb2/{group}@{tenant}/IncomingWebhook/{id}/{user}` with a `message` whose attachment
 * is an Adaptive Card answers 200 with the body `1`; a payload without a card or text answers 400
 * `Summary or Text is required.` (the text Teams gives, OfficeDev/outlook-dev-docs#423); over 28 KB, 413.
 *
 * The JSON tool checks `x-reinstatement-signature` (`t=<unix>,v1=<hex HMAC-SHA256 of "t.body">`) with
 * the shared secret and refuses a time more than five minutes from its clock (a replay), as
 * docs/ALERTS.md tells a receiver to; it counts a delivery id it has seen as a repeat.
 */
export class AlertReceivers {
  readonly teamsPath: string;
  readonly jsonPath = '/psa/alerts';
  readonly secret: string;
  readonly teams: Received[] = [];
  readonly json: Received[] = [];
  /** JSON posts whose delivery id had come before (a retry after a lost answer). */
  repeats = 0;
  /** JSON posts refused, with why (bad signature, stale, malformed). */
  readonly refused: string[] = [];
  /**
   * The next this-many Teams posts are throttled the way Teams does it behind its connector: HTTP 200
   * with the error in the body (as partners report it, e.g. MicrosoftDocs/msteams-docs issues).
   */
  throttleInBody = 0;

  constructor(
    tenantId: string,
    private readonly now: () => number = Date.now,
  ) {
    this.teamsPath = `/webhookb2/${randomUUID()}@${tenantId}/IncomingWebhook/${randomBytes(16).toString('hex')}/${randomUUID()}`;
    this.secret = randomBytes(32).toString('base64');
  }

  appSettings(origin: string): Record<string, string> {
    return {
      ALERT_TEAMS_WEBHOOK_URL: `${origin}${this.teamsPath}`,
      ALERT_WEBHOOK_URL: `${origin}${this.jsonPath}`,
      ALERT_WEBHOOK_SECRET: this.secret,
    };
  }

  isWebhook(sim: SimRequest): boolean {
    return sim.path.startsWith('/webhookb2/') || sim.path === this.jsonPath;
  }

  /** Answers a webhook post or the sandbox's page of what came; false for anything else. */
  handle(sim: SimRequest): boolean {
    if (sim.method === 'GET' && sim.path === '/sandbox/alerts.html') {
      this.page(sim);
      return true;
    }
    if (sim.path.startsWith('/webhookb2/')) {
      if (sim.method !== 'POST' || sim.path !== this.teamsPath) {
        // Teams answers an unknown or removed webhook with 404 (the connector was deleted).
        sim.res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Webhook not found.');
        return true;
      }
      this.teamsPost(sim);
      return true;
    }
    if (sim.path === this.jsonPath) {
      if (sim.method !== 'POST') json(sim.res, 405, { error: 'POST only' });
      else this.jsonPost(sim);
      return true;
    }
    return false;
  }

  private teamsPost(sim: SimRequest): void {
    if (sim.body.length > 28 * 1024) {
      sim.res.writeHead(413, { 'Content-Type': 'text/plain' }).end('Request Entity Too Large');
      return;
    }
    const body = parseJson(sim.body) as
      | {
          type?: string;
          text?: string;
          attachments?: { contentType?: string; content?: { type?: string } }[];
        }
      | undefined;
    const card = body?.attachments?.[0];
    const valid =
      body?.type === 'message' &&
      card?.contentType === 'application/vnd.microsoft.card.adaptive' &&
      card.content?.type === 'AdaptiveCard';
    if (!valid && !body?.text) {
      sim.res.writeHead(400, { 'Content-Type': 'text/plain' }).end('Summary or Text is required.');
      return;
    }
    if (this.throttleInBody > 0) {
      this.throttleInBody--;
      sim.res
        .writeHead(200, { 'Content-Type': 'text/plain' })
        .end(
          'Microsoft Teams endpoint returned HTTP error 429 with ContextId tcid=0,server=msgapi-production-weu-azsc2-4-57,cv=sandbox.0.',
        );
      return;
    }
    this.teams.push({ at: new Date(this.now()).toISOString(), body });
    sim.res.writeHead(200, { 'Content-Type': 'text/plain' }).end('1');
  }

  private jsonPost(sim: SimRequest): void {
    const header = String(sim.req.headers['x-reinstatement-signature'] ?? '');
    const deliveryId = String(sim.req.headers['x-reinstatement-delivery'] ?? '');
    const fields = new Map(
      header.split(',').map((p) => [p.split('=')[0] ?? '', p.slice(p.indexOf('=') + 1)]),
    );
    const t = Number(fields.get('t'));
    const v1 = fields.get('v1') ?? '';
    const refuse = (why: string) => {
      this.refused.push(why);
      json(sim.res, 401, { error: why });
    };
    if (!Number.isInteger(t) || !/^[0-9a-f]{64}$/.test(v1)) return refuse('malformed signature');
    if (Math.abs(this.now() / 1000 - t) > 300) return refuse('stale signature (replayed?)');
    const expected = createHmac('sha256', this.secret).update(`${t}.`).update(sim.body).digest();
    if (!timingSafeEqual(expected, Buffer.from(v1, 'hex'))) return refuse('bad signature');
    if (this.json.some((r) => r.deliveryId === deliveryId)) this.repeats++;
    else this.json.push({ at: new Date(this.now()).toISOString(), deliveryId, body: parseJson(sim.body) });
    sim.res.writeHead(204).end();
  }

  private page(sim: SimRequest): void {
    const cards = this.teams
      .map((r) => {
        const text = JSON.stringify(r.body).match(/"text":"((?:[^"\\]|\\.)*)"/g) ?? [];
        return `<li><b>${escapeHtml(r.at)}</b><ul>${text
          .map((t) => `<li>${escapeHtml(JSON.parse(`{${t}}`).text as string)}</li>`)
          .join('')}</ul></li>`;
      })
      .join('');
    const posts = this.json
      .map(
        (r) =>
          `<li><b>${escapeHtml(r.at)}</b> ${escapeHtml(r.deliveryId ?? '')}<pre>${escapeHtml(JSON.stringify(r.body, null, 2))}</pre></li>`,
      )
      .join('');
    htmlPage(
      sim.res,
      200,
      'Alerts received',
      `<h1>Alerts received</h1><h2>Teams channel (${this.teams.length})</h2><ul>${cards || '<li>None yet.</li>'}</ul><h2>Ticketing tool, signed JSON (${this.json.length}, ${this.repeats} repeats, ${this.refused.length} refused)</h2><ul>${posts || '<li>None yet.</li>'}</ul>`,
    );
  }
}
