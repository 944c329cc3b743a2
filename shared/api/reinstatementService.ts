import { createHash, randomUUID } from 'node:crypto';
import type { Container } from '../app/container';
import { activeKey } from '../model/activeKey';
import { renderScope } from '../model/scopes';
import { isReinstatementId } from '../model/identifiers';
import { parseReinstatementRequest } from '../model/request';
import { isFinalState, isReinstatementState, type ReinstatementState } from '../model/states';
import { ValidationError } from '../model/validationError';
import { buildInvitationLink } from '../links/invitationLink';
import { verifyCustomerToken, type TokenPurpose } from '../links/customerTokens';
import { parsePartnerCenterEvent } from '../adapters/partnerCenter/webhookEvents';
import { verifyScopes, type VerificationSummary } from '../workflow/verification';
import { allPages } from '../storage/reinstatementRepository';
import { Events, type AcceptedEvent, type WorkflowInput } from '../workflow/workflowTypes';
import type { Reinstatement } from '../model/reinstatement';

export const ORCHESTRATOR = 'reinstatement';

/** The durable client operations this service needs (df.getClient in the functions layer). */
export interface WorkflowClient {
  /** Starts the orchestration; a no-op when that instance is already running. */
  start(instanceId: string, input: WorkflowInput): Promise<void>;
  raise(instanceId: string, event: string, data: unknown): Promise<void>;
}

export type StartResult = { kind: 'started' | 'existing'; reinstatement: Reinstatement };

/**
 * What the partner, the customer and Partner Center can ask of the product. Validation happens
 * before anything is written; every change goes through the repository (state machine + audit).
 */
export class ReinstatementService {
  constructor(
    private readonly c: Container,
    private readonly workflow: WorkflowClient,
  ) {}

  private input(id: string): WorkflowInput {
    const s = this.c.config.schedule;
    return {
      reinstatementId: id,
      schedule: {
        invitationReminderDays: s.invitationReminderDays,
        invitationExpiryDays: s.invitationExpiryDays,
        roleAssignmentReminderDays: s.roleAssignmentReminderDays,
        roleAssignmentDeadlineDays: s.roleAssignmentDeadlineDays,
      },
    };
  }

  /** Starts one; the same customer and scopes while one is running returns that one. */
  async start(body: unknown, requestedBy: string): Promise<StartResult> {
    const request = parseReinstatementRequest(body, {
      delegatedAdmin: this.c.config.partner.delegatedAdminDefault,
    });
    const id = `r-${randomUUID().replace(/-/g, '')}`;
    const holder = await this.c.repository.claimActive(
      activeKey(request.customerTenantId, request.scopes.map(renderScope)),
      id,
      async (other) => {
        const existing = await this.c.repository.get(other);
        return existing !== undefined && !isFinalState(existing.state);
      },
    );
    if (holder !== id) {
      const existing = await this.c.repository.require(holder);
      // A start that crashed between recording and starting is completed here (starting twice is a no-op).
      if (existing.state === 'Requested') await this.workflow.start(existing.id, this.input(existing.id));
      return { kind: 'existing', reinstatement: existing };
    }
    const created = await this.c.repository.create(id, request, {
      actor: 'partner',
      details: { by: requestedBy },
    });
    await this.workflow.start(id, this.input(id));
    return { kind: 'started', reinstatement: created };
  }

  async get(id: string) {
    if (!isReinstatementId(id)) throw ValidationError.single('id', 'must be a reinstatement id');
    const reinstatement = await this.c.repository.require(id);
    const audit = [];
    for await (const items of allPages((page) => this.c.repository.listAudit(id, page), 500))
      audit.push(...items);
    return { ...reinstatement, audit };
  }

  async list(query: {
    state?: string | null;
    customer?: string | null;
    pageSize?: string | null;
    continuationToken?: string | null;
  }) {
    const pageSize = query.pageSize ? Number(query.pageSize) : 50;
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 500)
      throw ValidationError.single('pageSize', 'must be a whole number from 1 to 500');
    const page = {
      pageSize,
      ...(query.continuationToken ? { continuationToken: query.continuationToken } : {}),
    };
    if (query.state && query.customer)
      throw ValidationError.single('state', 'filter by state or by customer, not both');
    if (query.state) {
      if (!isReinstatementState(query.state))
        throw ValidationError.single('state', 'must be a reinstatement state, e.g. InvitationSent');
      return this.c.repository.listByState(query.state, page);
    }
    if (query.customer) return this.c.repository.listByCustomer(query.customer.toLowerCase(), page);
    return this.c.repository.listAll(page);
  }

  private async requireIn(id: string, states: ReinstatementState[]): Promise<Reinstatement> {
    if (!isReinstatementId(id)) throw ValidationError.single('id', 'must be a reinstatement id');
    const r = await this.c.repository.require(id);
    if (!states.includes(r.state))
      throw new ValidationError([
        { field: 'state', rule: `is ${r.state}; this needs ${states.join(' or ')}` },
      ]);
    return r;
  }

  /** The partner confirms the customer accepted (they saw it in Partner Center). */
  async confirmAcceptance(id: string): Promise<void> {
    await this.requireIn(id, ['Requested', 'InvitationSent']);
    await this.workflow.raise(id, Events.Accepted, {
      via: 'partner',
      eventId: randomUUID(),
    } satisfies AcceptedEvent);
  }

  async cancel(id: string): Promise<void> {
    const r = await this.requireIn(id, ['Requested', 'InvitationSent', 'Accepted', 'AwaitingRoleAssignment']);
    await this.workflow.raise(r.id, Events.Cancel, { by: 'partner' });
  }

  /** Sends the current step's mail again, now. */
  async resend(id: string): Promise<void> {
    const r = await this.requireIn(id, ['InvitationSent', 'AwaitingRoleAssignment']);
    const sequence = 100 + r.counters.remindersSent + r.auditCount;
    const result =
      r.state === 'InvitationSent'
        ? await this.c.activities.sendInvitation({ reinstatementId: id, sequence })
        : await this.c.activities.sendInstructions({ reinstatementId: id, sequence });
    if (!result.ok) throw new ValidationError([{ field: 'email', rule: result.reason }]);
  }

  /** Checks the pending scopes of these reinstatements now and moves their orchestrations on. */
  async verify(
    reinstatements: Reinstatement[],
    actor: 'partner' | 'customer-link' | 'timer',
  ): Promise<VerificationSummary> {
    const summary = await verifyScopes(
      { repository: this.c.repository, verifier: this.c.verifier, now: this.c.now },
      reinstatements,
      this.c.config.schedule.verifyConcurrency,
      actor,
    );
    for (const id of summary.advanced) await this.workflow.raise(id, Events.ScopeVerified, { by: actor });
    return summary;
  }

  async verifyOne(id: string, actor: 'partner' | 'customer-link'): Promise<VerificationSummary> {
    return this.verify([await this.requireIn(id, ['AwaitingRoleAssignment'])], actor);
  }

  /** Every reinstatement awaiting a role assignment, a page at a time. */
  async verifyAllPending(): Promise<VerificationSummary> {
    const total: VerificationSummary = {
      checked: 0,
      verified: 0,
      stillPending: 0,
      throttled: 0,
      failed: 0,
      durationMs: 0,
      advanced: [],
    };
    for await (const items of allPages((page) =>
      this.c.repository.listByState('AwaitingRoleAssignment', page),
    )) {
      const s = await this.verify(items, 'timer');
      for (const k of ['checked', 'verified', 'stillPending', 'throttled', 'failed'] as const)
        total[k] += s[k];
      total.advanced.push(...s.advanced);
      if (s.backOffMs !== undefined) {
        total.backOffMs = s.backOffMs;
        break;
      }
    }
    return total;
  }

  /** Asks Partner Center about customers still awaiting acceptance (a missed webhook is caught here). */
  async reconcileAcceptances(): Promise<number> {
    if (!this.c.config.cloud.partnerCenterCheck) return 0;
    let moved = 0;
    for await (const items of allPages((page) => this.c.repository.listByState('InvitationSent', page))) {
      for (const r of items) {
        const check = await this.c.partnerCenter.customerRelationship(r.customerTenantId);
        if (check.kind === 'related') {
          await this.workflow.raise(r.id, Events.Accepted, {
            via: 'reconciliation',
            eventId: `reconciliation-${r.id}`,
          } satisfies AcceptedEvent);
          moved++;
        }
      }
    }
    return moved;
  }

  /**
   * A Partner Center webhook call: verified, parsed, mapped to the customer's reinstatements waiting
   * for acceptance. Duplicates and unknown customers change nothing.
   */
  async partnerCenterWebhook(
    headers: Record<string, string | undefined>,
    rawBody: Buffer,
  ): Promise<{ status: number; matched: number; reason?: string }> {
    const verified = await this.c.webhookVerifier.verify(headers, rawBody);
    if (!verified.ok) return { status: 401, matched: 0, reason: verified.reason };
    const parsed = parsePartnerCenterEvent(rawBody.toString('utf8'));
    if (!parsed.ok) return { status: 200, matched: 0, reason: parsed.reason };
    const event = parsed.event;
    if (!event.customerTenantId) return { status: 200, matched: 0, reason: 'validation event' };
    const eventId = createHash('sha256').update(rawBody).digest('hex').slice(0, 32);
    let matched = 0;
    for await (const items of allPages((page) =>
      this.c.repository.listByCustomer(event.customerTenantId as string, page),
    )) {
      // Requested too: the acceptance can beat the invitation's own bookkeeping; the orchestration
      // keeps the event until it waits for it.
      for (const r of items.filter((x) => x.state === 'Requested' || x.state === 'InvitationSent')) {
        await this.c.repository.record(r.id, {
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

  /** A customer's link: the reinstatement it is for, or undefined for any invalid token. */
  async fromToken(token: string, purpose: TokenPurpose): Promise<Reinstatement | undefined> {
    const check = verifyCustomerToken(this.c.config.links.signingKeys, token, purpose, this.c.now());
    if (!check.valid) return undefined;
    return this.c.repository.get(check.claims.reinstatementId);
  }

  /** Records the click and answers where to send the customer (Microsoft's invitation). */
  async invitationClicked(r: Reinstatement): Promise<string> {
    await this.c.repository.record(
      r.id,
      { what: 'link-clicked', actor: 'customer-link' },
      (x) => x.counters.linkClicks++,
    );
    return buildInvitationLink({
      partnerTenantId: this.c.config.partner.tenantId,
      msppId: this.c.config.partner.msppId,
      delegatedAdmin: r.delegatedAdmin,
    });
  }
}
