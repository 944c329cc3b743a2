import { createHash } from 'node:crypto';
import type { Container } from '../app/container';
import type { AppConfig } from '../config/appConfig';
import { parsePartnerCenterEvent, type PartnerCenterEvent } from '../adapters/partnerCenter/webhookEvents';
import type { EventReceipt } from '../storage/partnerCenterEvents';
import { allPages } from '../storage/reinstatementRepository';
import { Events, type AcceptedEvent, type WorkflowClient } from '../workflow/contract';

/** Where Partner Center is asked to send this app's events. */
export const webhookCallbackUrl = (config: AppConfig): string =>
  `${config.links.publicBaseUrl}/api/webhooks/partner-center`;

export type WebhookAnswer =
  | { status: 200; matched: number; reason?: string }
  | { status: 401; reason: string }
  /** The same event is being handled by another delivery right now: Partner Center sends it again. */
  | { status: 409; reason: string };

const DAY_MS = 86_400_000;
/**
 * Partner Center's clock and ours may differ a little: an event stamped up to this much before a
 * reinstatement was created still counts as after it (no customer accepts within a minute of the
 * reinstatement's start: the invitation has to be mailed and read first).
 */
const CLOCK_SKEW_MS = 60_000;
/** How long a delivery waits for another delivery of the same event that is being handled. */
const IN_HAND_WAIT_MS = 5_000;

/**
 * How long event ids are remembered, and the age beyond which an event is not acted on at all: the
 * time a reinstatement waits for acceptance (the invitation's expiry) and a day. Refusing older
 * events by their age is what lets their ids be forgotten without letting a replay through. A
 * genuine event delivered that late (Partner Center parks an event after ten failed deliveries) is
 * not lost either: the acceptance check (PARTNER_CENTER_CHECK_ENABLED) or the partner's confirmation
 * moves a reinstatement on without it.
 */
export const eventRetentionMs = (config: AppConfig): number =>
  (config.schedule.invitationExpiryDays + 1) * DAY_MS;

/**
 * What Partner Center tells the product: its signed webhook calls, and (when enabled) the answers to
 * our own question whether a customer accepted, which catches a webhook that never came.
 */
export class PartnerCenterInbox {
  constructor(
    private readonly app: Container,
    private readonly workflow: WorkflowClient,
  ) {}

  /**
   * A webhook call: verified, parsed, mapped to the customer's reinstatements waiting for acceptance
   * that were created before the event happened. Each event (by the SHA-256 of its signed body) is
   * acted on once: a redelivery or a replay changes nothing, and deliveries at the same moment handle
   * it once between them. Unknown customers change nothing.
   */
  async webhook(headers: Record<string, string | undefined>, rawBody: Buffer): Promise<WebhookAnswer> {
    const verified = await this.app.webhookVerifier.verify(headers, rawBody);
    if (!verified.ok) return { status: 401, reason: verified.reason };
    const parsed = parsePartnerCenterEvent(rawBody.toString('utf8'));
    if (!parsed.ok) return { status: 200, matched: 0, reason: parsed.reason };
    const event = parsed.event;
    const customer = event.customerTenantId;
    if (!customer) return { status: 200, matched: 0, reason: 'validation event' };
    const now = this.app.now();
    const retention = eventRetentionMs(this.app.config);
    if (now.getTime() - Date.parse(event.changedAt) > retention)
      return {
        status: 200,
        matched: 0,
        reason: `event of ${event.changedAt} is older than any reinstatement it could accept`,
      };
    const eventId = createHash('sha256').update(rawBody).digest('hex').slice(0, 32);
    const receipt = await this.receive(eventId, now);
    if (receipt.kind === 'handled')
      return { status: 200, matched: 0, reason: `event ${eventId} was received before` };
    if (receipt.kind === 'in-hand')
      return { status: 409, reason: `event ${eventId} is being handled by another delivery` };
    let matched: number;
    try {
      matched = await this.accept(customer, event, eventId);
      await this.app.partnerCenterEvents.handled(eventId);
    } catch (error) {
      await this.app.partnerCenterEvents.failed(eventId, receipt.ticket).catch(() => undefined);
      throw error;
    }
    // Ids older than the window are forgotten now and then: an event that old is refused by its age.
    await this.app.partnerCenterEvents.prune(new Date(now.getTime() - retention)).catch(() => undefined);
    return {
      status: 200,
      matched,
      ...(matched ? {} : { reason: 'no reinstatement created before the event waits for this customer' }),
    };
  }

  /** The event's receipt; a delivery that finds it in hand waits a moment for it to be handled. */
  private async receive(eventId: string, now: Date): Promise<EventReceipt> {
    const until = Date.now() + IN_HAND_WAIT_MS;
    for (;;) {
      const receipt = await this.app.partnerCenterEvents.receive(eventId, now);
      if (receipt.kind !== 'in-hand' || Date.now() > until) return receipt;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Tells the customer's reinstatements that wait for acceptance, and began before the event. */
  private async accept(customer: string, event: PartnerCenterEvent, eventId: string): Promise<number> {
    const happened = Date.parse(event.changedAt);
    let matched = 0;
    for await (const items of allPages((page) => this.app.repository.listByCustomer(customer, page))) {
      // Requested too: the acceptance can beat the invitation's own bookkeeping; the orchestration
      // keeps the event until it waits for it.
      const waiting = items.filter(
        (x) =>
          (x.state === 'Requested' || x.state === 'InvitationSent') &&
          Date.parse(x.createdAt) - CLOCK_SKEW_MS <= happened,
      );
      for (const r of waiting) {
        await this.app.repository.record(r.id, {
          what: 'webhook-received',
          actor: 'webhook',
          details: { event: event.eventName, eventId, changedAt: event.changedAt },
        });
        await this.workflow.raise(r.id, Events.Accepted, { via: 'webhook', eventId } satisfies AcceptedEvent);
        matched++;
      }
    }
    return matched;
  }

  /**
   * Asks Partner Center about customers still awaiting acceptance; answers how many had accepted.
   * When Partner Center's request budget is used up (or Partner Center throttles), the rest wait for
   * the timer's next run.
   */
  async reconcile(): Promise<number> {
    if (!this.app.config.cloud.partnerCenterCheck) return 0;
    let moved = 0;
    for await (const items of allPages((page) => this.app.repository.listByState('InvitationSent', page))) {
      for (const r of items) {
        const check = await this.app.partnerCenter.customerRelationship(r.customerTenantId);
        if (check.kind === 'failed' && check.failure.kind === 'throttled') return moved;
        if (check.kind !== 'related') continue;
        await this.workflow.raise(r.id, Events.Accepted, {
          via: 'reconciliation',
          eventId: `reconciliation-${r.id}`,
        } satisfies AcceptedEvent);
        moved++;
      }
    }
    return moved;
  }
}
