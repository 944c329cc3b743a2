import { createHash } from 'node:crypto';
import type { Container } from '../app/container';
import type { AppConfig } from '../config/appConfig';
import { parsePartnerCenterEvent } from '../adapters/partnerCenter/webhookEvents';
import { allPages } from '../storage/reinstatementRepository';
import { Events, type AcceptedEvent, type WorkflowClient } from '../workflow/contract';

/** Where Partner Center is asked to send this app's events. */
export const webhookCallbackUrl = (config: AppConfig): string =>
  `${config.links.publicBaseUrl}/api/webhooks/partner-center`;

export type WebhookAnswer =
  { status: 200; matched: number; reason?: string } | { status: 401; reason: string };

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
   * A webhook call: verified, parsed, mapped to the customer's reinstatements waiting for acceptance.
   * Duplicates and unknown customers change nothing.
   */
  async webhook(headers: Record<string, string | undefined>, rawBody: Buffer): Promise<WebhookAnswer> {
    const verified = await this.app.webhookVerifier.verify(headers, rawBody);
    if (!verified.ok) return { status: 401, reason: verified.reason };
    const parsed = parsePartnerCenterEvent(rawBody.toString('utf8'));
    if (!parsed.ok) return { status: 200, matched: 0, reason: parsed.reason };
    const event = parsed.event;
    const customer = event.customerTenantId;
    if (!customer) return { status: 200, matched: 0, reason: 'validation event' };
    const eventId = createHash('sha256').update(rawBody).digest('hex').slice(0, 32);
    let matched = 0;
    for await (const items of allPages((page) => this.app.repository.listByCustomer(customer, page))) {
      // Requested too: the acceptance can beat the invitation's own bookkeeping; the orchestration
      // keeps the event until it waits for it.
      for (const r of items.filter((x) => x.state === 'Requested' || x.state === 'InvitationSent')) {
        await this.app.repository.record(r.id, {
          what: 'webhook-received',
          actor: 'webhook',
          details: { event: event.eventName, eventId, changedAt: event.changedAt },
        });
        await this.workflow.raise(r.id, Events.Accepted, { via: 'webhook', eventId } satisfies AcceptedEvent);
        matched++;
      }
    }
    return {
      status: 200,
      matched,
      ...(matched ? {} : { reason: 'no reinstatement waits for this customer' }),
    };
  }

  /** Asks Partner Center about customers still awaiting acceptance; answers how many had accepted. */
  async reconcile(): Promise<number> {
    if (!this.app.config.cloud.partnerCenterCheck) return 0;
    let moved = 0;
    for await (const items of allPages((page) => this.app.repository.listByState('InvitationSent', page))) {
      for (const r of items) {
        const check = await this.app.partnerCenter.customerRelationship(r.customerTenantId);
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
