import { mapWithConcurrency } from '../../lib/concurrency';
import { nextRetry, RetryPolicies } from '../../lib/retryPolicy';
import type { PostOutcome, WebhookPost } from '../adapters/alerts/webhookSender';
import type { AppConfig } from '../config/appConfig';
import type { MailDispatch } from '../email/dispatch';
import { senderOf } from '../email/templates/composeMail';
import type { Alert } from '../model/alerts';
import { URGENT, type AlertRepository, type Channel, type Delivery } from '../storage/alertRepository';
import { composeDigestMail, digestHeadline, jsonMessage, teamsMessage } from './alertMessages';

/** How long one try holds a delivery: a try that died with its process is taken up again after it. */
const DELIVERY_LEASE_MS = 2 * 60_000;
/** A digest claimed this long ago and not finished lost its claimant: the next caller finishes it. */
const DIGEST_LEASE_MS = 2 * 60_000;
/** Alerts per JSON post (a ticketing tool takes a part at a time). */
const JSON_ALERTS_PER_POST = 100;

export interface AlertDeps {
  config: Pick<AppConfig, 'alerts' | 'links' | 'partner'>;
  alerts: AlertRepository;
  mail: Pick<MailDispatch, 'enqueue'>;
  webhooks: { post(post: WebhookPost): Promise<PostOutcome> };
  now: () => Date;
}

export type DigestOutcome =
  | { state: 'sent'; digestId: string; alerts: number; headline: string; wake: boolean }
  | { state: 'in-progress'; digestId: string }
  | { state: 'nothing-new' };

export interface DeliveryReport {
  delivered: number;
  retrying: number;
  refused: number;
  gaveUp: number;
}

/**
 * Tells the partner's team what needs it, once: alerts are recorded as things happen, and go out
 * together in a digest (one mail to PARTNER_OPS_EMAIL, one Teams card, the signed JSON posts) on
 * DIGEST_SCHEDULE or on request; urgent ones go to the webhooks at once (their mail is their own).
 * Any number of callers at once send one digest; a digest whose sender stopped midway is finished
 * by the next caller; a webhook that fails is tried again for a day.
 */
export class AlertDispatch {
  constructor(private readonly deps: AlertDeps) {}

  /** Records an alert for the next digest; false when it was already recorded. */
  record(alert: Alert): Promise<boolean> {
    return this.deps.alerts.record(alert);
  }

  /** Records an urgent alert and posts it to the webhooks now (not in the digest). */
  async recordUrgent(alert: Alert): Promise<boolean> {
    if (!(await this.deps.alerts.record(alert, URGENT))) return false;
    await this.addDeliveries(alert.id, [alert], true);
    await this.deliverDue();
    return true;
  }

  async sendDigest(): Promise<DigestOutcome> {
    const now = this.deps.now();
    let finished: DigestOutcome | undefined;
    for (const stale of await this.deps.alerts.unfinishedDigests())
      if (
        now.getTime() - Date.parse(stale.claimedAt) >= DIGEST_LEASE_MS &&
        (await this.deps.alerts.reclaimDigest(stale, now.toISOString()))
      )
        finished = await this.complete(stale.id, now, stale.state === 'collected');
    if (!(await this.deps.alerts.undigested()).length) return finished ?? { state: 'nothing-new' };
    // One digest a minute; a later one in the same minute (new alerts since) takes the next suffix.
    const minute = now.toISOString().slice(0, 16);
    for (let n = 0; n < 60; n++) {
      const id = n ? `${minute}~${n}` : minute;
      const claimed = await this.deps.alerts.claimDigest(id, now.toISOString());
      if (claimed === 'won') return this.complete(id, now);
      if (claimed.state === 'collecting' || claimed.state === 'collected')
        return { state: 'in-progress', digestId: id };
    }
    throw new Error(`too many digests in the minute ${minute}`);
  }

  /** Posts every delivery whose time has come: delivered, retried later, or refused for good. */
  async deliverDue(): Promise<DeliveryReport> {
    const report: DeliveryReport = { delivered: 0, retrying: 0, refused: 0, gaveUp: 0 };
    const start = this.deps.now().getTime();
    for (const due of await this.deps.alerts.dueDeliveries(start)) {
      const now = this.deps.now().getTime();
      const taken = await this.deps.alerts.take(due, now + DELIVERY_LEASE_MS);
      if (!taken) continue;
      const target = this.target(taken.channel);
      if (!target) {
        await this.deps.alerts.settle(taken, {
          state: 'refused',
          lastError: 'this webhook is no longer set',
        });
        report.refused++;
        continue;
      }
      const outcome = await this.deps.webhooks.post({ ...target, body: taken.body, deliveryId: taken.id });
      await this.settle(taken, outcome, report);
    }
    return report;
  }

  private async settle(delivery: Delivery, outcome: PostOutcome, report: DeliveryReport): Promise<void> {
    const at = this.deps.now();
    if (outcome.kind === 'delivered') {
      await this.deps.alerts.settle(delivery, { state: 'delivered', deliveredAt: at.toISOString() });
      report.delivered++;
      return;
    }
    if (outcome.kind === 'refused') {
      await this.deps.alerts.settle(delivery, { state: 'refused', lastError: outcome.reason });
      report.refused++;
      return;
    }
    const decision = nextRetry(RetryPolicies.webhook, {
      attempt: delivery.attempts,
      firstAttemptAt: Date.parse(delivery.createdAt),
      now: at.getTime(),
      ...(outcome.retryAfterMs !== undefined ? { retryAfterMs: outcome.retryAfterMs } : {}),
      jitter: Math.random(),
    });
    if (decision.kind === 'give-up') {
      await this.deps.alerts.settle(delivery, { state: 'gave-up', lastError: outcome.reason });
      report.gaveUp++;
    } else {
      await this.deps.alerts.settle(delivery, {
        state: 'pending',
        nextAt: decision.until,
        lastError: outcome.reason,
      });
      report.retrying++;
    }
  }

  private target(channel: Channel): Omit<WebhookPost, 'body' | 'deliveryId'> | undefined {
    const { teamsWebhookUrl, jsonWebhook } = this.deps.config.alerts;
    if (channel === 'teams') return teamsWebhookUrl ? { url: teamsWebhookUrl } : undefined;
    return jsonWebhook ? { url: jsonWebhook.url, secret: jsonWebhook.secret } : undefined;
  }

  /**
   * Takes the alerts not yet digested into `id`, then mails and posts them. Every step is safe to
   * repeat: an alert joins one digest only (ETag), the mail's key is the digest's, a delivery's
   * row is created once.
   */
  private async complete(id: string, now: Date, collected = false): Promise<DigestOutcome> {
    if (!collected)
      await mapWithConcurrency(await this.deps.alerts.undigested(), 16, (alert) =>
        this.deps.alerts.takeInto(alert, id),
      );
    const alerts = await this.deps.alerts.ofDigest(id);
    if (!alerts.length) {
      await this.deps.alerts.finishDigest(id, 'empty', now.toISOString(), 0);
      return { state: 'nothing-new' };
    }
    // From here its alerts are fixed: the mail's key is the digest's, so a resumed digest may send
    // it only with the alerts it was first composed from.
    if (!collected) await this.deps.alerts.digestCollected(id, alerts.length);
    const { config } = this.deps;
    const queued = await this.deps.mail.enqueue({
      key: { stream: 'alert-digest', kind: `digest-${id}`, sequence: 0 },
      lane: 'people',
      to: config.partner.opsEmail,
      ...composeDigestMail(alerts, id.slice(0, 10), config.links.publicBaseUrl, senderOf(config)),
    });
    await this.addDeliveries(id, alerts, false);
    await this.deps.alerts.finishDigest(id, 'sent', now.toISOString(), alerts.length);
    await this.deliverDue();
    return {
      state: 'sent',
      digestId: id,
      alerts: alerts.length,
      headline: digestHeadline(alerts),
      wake: queued.wake,
    };
  }

  private async addDeliveries(id: string, alerts: Alert[], urgent: boolean): Promise<void> {
    const { alerts: settings, links } = this.deps.config;
    const createdAt = this.deps.now();
    const base = { createdAt: createdAt.toISOString(), nextAt: createdAt.getTime() };
    if (settings.teamsWebhookUrl) {
      const title = urgent
        ? 'Admin rights: needs attention now'
        : `Admin rights digest for ${id.slice(0, 10)}`;
      await this.deps.alerts.addDelivery({
        ...base,
        id: `${id}-teams`,
        channel: 'teams',
        body: JSON.stringify(teamsMessage(title, alerts, links.publicBaseUrl)),
      });
    }
    if (settings.jsonWebhook) {
      const parts = Math.ceil(alerts.length / JSON_ALERTS_PER_POST);
      for (let part = 1; part <= parts; part++)
        await this.deps.alerts.addDelivery({
          ...base,
          id: `${id}-json-${part}`,
          channel: 'json',
          body: JSON.stringify(
            jsonMessage(
              { id, part, parts, urgent },
              alerts.slice((part - 1) * JSON_ALERTS_PER_POST, part * JSON_ALERTS_PER_POST),
              links.publicBaseUrl,
            ),
          ),
        });
    }
  }
}
