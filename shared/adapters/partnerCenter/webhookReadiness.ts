import type { TableClient } from '@azure/data-tables';
import { randomUUID } from 'node:crypto';
import { claim, readClaim, release } from '../../../lib/tables/claims';
import { isNotFound } from '../../../lib/tables/tableErrors';
import type { PartnerCenterClient } from './partnerCenterClient';

/** The claim naming the registration in progress (one at a time, across app instances). */
const ENSURE_CLAIM = 'webhook-ensure';

/** The events this product needs Partner Center to send it. */
export const REQUIRED_EVENTS = [
  'reseller-relationship-accepted-by-customer',
  'dap-admin-relationship-approved',
  'test-created',
];

export interface Readiness {
  checkedAt: string;
  registered: boolean;
  /** The registration points at this product's callback URL. */
  urlCurrent: boolean;
  eventsPresent: boolean;
  missingEvents: string[];
  /** Another tool's registration: reported, never replaced. */
  conflict?: { registeredUrl: string; registeredEvents: string[] };
  lastValidation?: {
    result: 'delivered' | 'failed' | 'pending' | 'not-run';
    at: string;
    correlationId?: string;
  };
  error?: string;
}

/**
 * Makes sure Partner Center will deliver acceptances, and records whether it does, so nobody has
 * to guess. Partner Center keeps one webhook registration per partner (as integrators report), so
 * the existing one is read first: ours is created or completed; anyone else's is left alone and
 * reported as a conflict.
 */
export class WebhookReadiness {
  constructor(
    private readonly partnerCenter: PartnerCenterClient,
    private readonly table: TableClient,
    private readonly now: () => Date = () => new Date(),
    private readonly sleep: (ms: number) => Promise<void> = (ms) =>
      new Promise((resolve) => setTimeout(resolve, ms)),
  ) {}

  /** What Partner Center says now (nothing registered, nothing sent), with the last validation known. */
  check(callbackUrl: string): Promise<Readiness> {
    return this.ensure(callbackUrl, { validate: false, register: false });
  }

  /**
   * Registers (or completes) the webhook and sends the test event, once at a time across every app
   * instance: a claim in Table storage names the registration in progress, and a request that finds
   * one waits for it and answers what it found (one registration, one test event, however many ask
   * at once). A check that changes nothing (`register: false`, no validation) runs at once.
   */
  async ensure(
    callbackUrl: string,
    options: { validate: boolean; waitMs?: number; register?: boolean } = { validate: true },
  ): Promise<Readiness> {
    if (options.register === false && !options.validate) return this.run(callbackUrl, options);
    const leaseMs = (options.waitMs ?? 30_000) + 60_000;
    const ticket = randomUUID();
    const claimedAt = this.now();
    const outcome = await claim(
      this.table,
      ENSURE_CLAIM,
      { holder: ticket, claimedAt: claimedAt.toISOString() },
      async (held) => claimedAt.getTime() - Date.parse(held.claimedAt) < leaseMs,
    );
    if (!outcome.won) return this.afterTheOneRunning(callbackUrl, outcome.claim.holder, leaseMs);
    try {
      return await this.run(callbackUrl, options);
    } finally {
      await release(this.table, ENSURE_CLAIM, ticket);
    }
  }

  /** Waits for the registration in progress to end, then answers what it recorded. */
  private async afterTheOneRunning(callbackUrl: string, holder: string, leaseMs: number): Promise<Readiness> {
    const until = Date.now() + leaseMs;
    while (Date.now() < until && (await readClaim(this.table, ENSURE_CLAIM))?.holder === holder)
      await this.sleep(100);
    return (await this.read()) ?? this.check(callbackUrl);
  }

  private async run(
    callbackUrl: string,
    options: { validate: boolean; waitMs?: number; register?: boolean },
  ): Promise<Readiness> {
    const checkedAt = this.now().toISOString();
    const base: Readiness = {
      checkedAt,
      registered: false,
      urlCurrent: false,
      eventsPresent: false,
      missingEvents: REQUIRED_EVENTS,
    };
    const current = await this.partnerCenter.registration();
    let readiness: Readiness;
    if (current.kind === 'failed') {
      readiness = {
        ...base,
        error:
          current.failure.kind === 'permanent'
            ? current.failure.message
            : current.failure.kind === 'throttled'
              ? `Partner Center's request budget is used up for now; try again in ${Math.ceil(current.failure.retryAfterMs / 1000)} s`
              : `Partner Center unavailable (${current.failure.kind})`,
      };
    } else if (current.kind === 'none' && options.register === false) {
      readiness = base;
    } else if (current.kind === 'none') {
      const created = await this.partnerCenter.register(
        { WebhookUrl: callbackUrl, WebhookEvents: REQUIRED_EVENTS },
        false,
      );
      readiness = created.ok
        ? { ...base, registered: true, urlCurrent: true, eventsPresent: true, missingEvents: [] }
        : { ...base, error: `registration failed: ${created.failure.kind}` };
    } else if (current.registration.WebhookUrl !== callbackUrl) {
      const { WebhookUrl, WebhookEvents } = current.registration;
      readiness = {
        ...base,
        registered: true,
        missingEvents: REQUIRED_EVENTS.filter((e) => !WebhookEvents.includes(e)),
        conflict: { registeredUrl: WebhookUrl, registeredEvents: WebhookEvents },
      };
      readiness.eventsPresent = readiness.missingEvents.length === 0;
    } else {
      const missing = REQUIRED_EVENTS.filter((e) => !current.registration.WebhookEvents.includes(e));
      if (missing.length && options.register === false) {
        readiness = { ...base, registered: true, urlCurrent: true, missingEvents: missing };
      } else if (missing.length) {
        const updated = await this.partnerCenter.register(
          { WebhookUrl: callbackUrl, WebhookEvents: [...current.registration.WebhookEvents, ...missing] },
          true,
        );
        readiness = updated.ok
          ? { ...base, registered: true, urlCurrent: true, eventsPresent: true, missingEvents: [] }
          : {
              ...base,
              registered: true,
              urlCurrent: true,
              missingEvents: missing,
              error: `adding events failed: ${updated.failure.kind}`,
            };
      } else {
        readiness = { ...base, registered: true, urlCurrent: true, eventsPresent: true, missingEvents: [] };
      }
    }
    if (options.validate && readiness.urlCurrent && readiness.eventsPresent)
      readiness.lastValidation = await this.validate(options.waitMs ?? 30_000);
    else
      readiness.lastValidation = (await this.read())?.lastValidation ?? { result: 'not-run', at: checkedAt };
    await this.table.upsertEntity(
      { partitionKey: 'webhook', rowKey: 'readiness', json: JSON.stringify(readiness) },
      'Replace',
    );
    return readiness;
  }

  async read(): Promise<Readiness | undefined> {
    try {
      const row = await this.table.getEntity<{ json: string }>('webhook', 'readiness');
      return JSON.parse(row.json) as Readiness;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** Asks Partner Center for its test event and waits for its delivery result. */
  private async validate(waitMs: number): Promise<NonNullable<Readiness['lastValidation']>> {
    const sent = await this.partnerCenter.sendValidationEvent();
    const at = () => this.now().toISOString();
    if (!sent.ok || !sent.data?.correlationId) return { result: 'failed', at: at() };
    const correlationId = sent.data.correlationId;
    const deadline = Date.now() + waitMs;
    while (Date.now() < deadline) {
      const status = await this.partnerCenter.validationEvent(correlationId);
      if (status.ok && status.data?.status === 'completed')
        return { result: 'delivered', at: at(), correlationId };
      if (status.ok && status.data?.status === 'failed') return { result: 'failed', at: at(), correlationId };
      await this.sleep(250);
    }
    return { result: 'pending', at: at(), correlationId };
  }
}
