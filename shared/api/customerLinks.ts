import type { Container } from '../app/container';
import { customerScriptsFor, type CustomerScripts } from '../instructions/customerScripts';
import { grantTemplate } from '../instructions/grantTemplates';
import { buildInvitationLink } from '../links/invitationLink';
import { verifyCustomerToken, type TokenPurpose } from '../links/customerTokens';
import type { Reinstatement } from '../model/reinstatement';
import type { WorkflowClient } from '../workflow/contract';
import { ConcurrencyError } from '../storage/reinstatementRepository';
import { ReinstatementService } from './reinstatementService';

/** The customer may ask for a check at most this often (per reinstatement, across app instances). */
const CHECK_INTERVAL_MS = 60_000;

export type CheckAnswer =
  | { kind: 'checked'; reinstatement: Reinstatement }
  | { kind: 'nothingToCheck'; reinstatement: Reinstatement }
  | { kind: 'tooSoon'; reinstatement: Reinstatement; retryAfterSeconds: number };

/**
 * What a customer's links can do. Each link carries a signed, expiring, purpose-bound token; any
 * invalid token answers undefined, and the caller shows the same page whatever was wrong with it.
 */
export class CustomerLinks {
  constructor(
    private readonly app: Container,
    private readonly workflow: WorkflowClient,
  ) {}

  /** The emailed invitation link: counts the click and answers Microsoft's invitation to go on to. */
  async openInvitation(token: string): Promise<string | undefined> {
    const reinstatement = await this.fromToken(token, 'invitation');
    if (!reinstatement) return undefined;
    await this.countClick(reinstatement.id);
    return buildInvitationLink({
      partnerTenantId: this.app.config.partner.tenantId,
      msppId: this.app.config.partner.msppId,
      delegatedAdmin: reinstatement.delegatedAdmin,
    });
  }

  /**
   * Every click is counted; the first of each hour also writes the audit row, so a mail scanner that
   * fetches the link fifty times leaves one row, not fifty. The record's count is brought up to the
   * counter's total inside the record's own update (the highest total seen wins, so clicks that
   * arrive together need not all write). Counting never stands between the customer and the link.
   */
  private async countClick(id: string): Promise<void> {
    const hour = this.app.now().toISOString().slice(0, 13);
    let firstOfHour = false;
    try {
      const total = await this.app.linkClicks.add(id);
      firstOfHour = await this.app.linkClicks.claimHour(id, hour);
      await this.app.repository.update(id, (current) => {
        const counted = Math.max(current.counters.linkClicks, total);
        if (!firstOfHour && counted === current.counters.linkClicks) return null;
        current.counters.linkClicks = counted;
        return {
          next: current,
          ...(firstOfHour
            ? { audit: { what: 'link-clicked', actor: 'customer-link', details: { clicksSoFar: counted } } }
            : {}),
        };
      });
    } catch (error) {
      if (firstOfHour) await this.app.linkClicks.releaseHour(id, hour).catch(() => undefined);
      if (!(error instanceof ConcurrencyError)) throw error;
    }
  }

  /** The instructions page's content: the reinstatement and its commands, once the group is known. */
  async instructions(
    token: string,
  ): Promise<{ reinstatement: Reinstatement; scripts: CustomerScripts } | undefined> {
    const reinstatement = await this.fromToken(token, 'instructions');
    if (!reinstatement?.partnerGroupObjectId) return undefined;
    const scripts = customerScriptsFor(
      { ...reinstatement, partnerGroupObjectId: reinstatement.partnerGroupObjectId },
      this.app.config.partner.groupName,
    );
    return { reinstatement, scripts };
  }

  /**
   * The one-click grant for the reinstatement's `n`-th scope (from 1): the ARM template with the
   * partner's group and name filled in, for a subscription or a resource group (a single resource has
   * the commands only). Undefined for an invalid token, an unknown scope, or before the group is known.
   */
  async grantTemplate(token: string, n: number): Promise<Record<string, unknown> | undefined> {
    const reinstatement = await this.fromToken(token, 'instructions');
    const entry = reinstatement?.scopes[n - 1];
    if (!reinstatement?.partnerGroupObjectId || !entry || entry.kind === 'resource') return undefined;
    return grantTemplate(entry.kind, {
      partnerGroupObjectId: reinstatement.partnerGroupObjectId,
      partnerName: this.app.config.partner.displayName,
    });
  }

  /** "I've done it": checks the role assignments now, at most once a minute per reinstatement. */
  async checkNow(token: string): Promise<CheckAnswer | undefined> {
    const reinstatement = await this.fromToken(token, 'instructions');
    if (!reinstatement) return undefined;
    if (reinstatement.state !== 'AwaitingRoleAssignment') return { kind: 'nothingToCheck', reinstatement };
    const now = this.app.now();
    // Decided on the record that is written: of many requests at once, one finds the minute free.
    const { record: updated, answer: allowed } = await this.app.repository.updateDeciding(
      reinstatement.id,
      (current) => {
        const last = Date.parse(current.lastCustomerCheckAt ?? '1970-01-01');
        if (now.getTime() - last < CHECK_INTERVAL_MS) return { change: null, answer: false };
        current.lastCustomerCheckAt = now.toISOString();
        return { change: { next: current }, answer: true };
      },
    );
    if (!allowed) {
      const waited = now.getTime() - Date.parse(updated.lastCustomerCheckAt ?? now.toISOString());
      return {
        kind: 'tooSoon',
        reinstatement: updated,
        retryAfterSeconds: Math.max(1, Math.ceil((CHECK_INTERVAL_MS - waited) / 1000)),
      };
    }
    await new ReinstatementService(this.app, this.workflow).verifyOne(reinstatement.id, 'customer-link');
    return { kind: 'checked', reinstatement: await this.app.repository.require(reinstatement.id) };
  }

  private async fromToken(token: string, purpose: TokenPurpose): Promise<Reinstatement | undefined> {
    const check = verifyCustomerToken(this.app.config.links.signingKeys, token, purpose, this.app.now());
    if (!check.valid) return undefined;
    return this.app.repository.get(check.claims.reinstatementId);
  }
}
