import type { AppConfig } from '../config/appConfig';
import type { RoleAssignmentVerifier } from '../adapters/arm/roleAssignmentVerifier';
import type { EmailOutbox } from '../adapters/email/emailOutbox';
import type { SendPacer } from '../adapters/email/sendPacer';
import type { PartnerGroupLookup } from '../adapters/graph/adminAgentsLookup';
import { ServiceError } from '../adapters/outcomes';
import { buildInvitationLink } from '../links/invitationLink';
import { signCustomerToken } from '../links/customerTokens';
import { activeKey } from '../model/activeKey';
import type { AuditActor } from '../model/audit';
import type { Reinstatement } from '../model/reinstatement';
import { isFinalState, type ReinstatementState } from '../model/states';
import type { ReinstatementRepository } from '../storage/reinstatementRepository';
import { composeInvitation } from '../email/templates/invitation';
import { composeInstructions, composePartnerNotice, composeThanks } from '../email/templates/workflowMails';
import { customerScriptsFor } from '../instructions/customerScripts';
import type { FinalOutcome, StepResult } from './workflowTypes';

export interface ActivityDeps {
  config: AppConfig;
  repository: ReinstatementRepository;
  outbox: EmailOutbox;
  pacer: SendPacer;
  groupLookup: PartnerGroupLookup;
  verifier: RoleAssignmentVerifier;
  now: () => Date;
}

const DAY = 86_400_000;

/**
 * Everything the orchestration does to the world, built from its dependencies so tests hand it
 * simulators. Each activity is idempotent: a retried or replayed call finds its work done (state
 * already moved, mail already recorded as sent) and does not do it twice.
 */
export function createActivities(deps: ActivityDeps) {
  const { config, repository, outbox } = deps;

  const links = (r: Reinstatement, purpose: 'invitation' | 'instructions', days: number) => {
    const token = signCustomerToken(config.links.signingKeys, {
      reinstatementId: r.id,
      purpose,
      expiresAt: new Date(deps.now().getTime() + days * DAY),
    });
    return `${config.links.publicBaseUrl}/api/c/${token}${purpose === 'instructions' ? '/instructions' : ''}`;
  };

  /** Sends one mail of a reinstatement; throws on transient failure so the orchestrator retries. */
  const send = async (
    r: Reinstatement,
    kind: string,
    sequence: number,
    mail: { to: string; subject: string; text: string; html: string },
  ) => {
    const outcome = await outbox.send({ stream: r.id, kind, sequence }, mail);
    if (outcome.kind === 'failed') {
      if (outcome.failure.kind === 'permanent')
        return { ok: false as const, reason: `email could not be sent: ${outcome.failure.message}` };
      throw new ServiceError(outcome.failure, 'ACS Email');
    }
    return { ok: true as const, fresh: outcome.kind === 'sent' };
  };

  /**
   * Sends a step's mail to the customer. The first one moves the state on (with its audit row);
   * later ones (reminders, resends) are counted, once, when actually sent.
   */
  const sendStep = async (
    r: Reinstatement,
    step: {
      kind: 'invitation' | 'instructions';
      sequence: number;
      from: ReinstatementState;
      to: ReinstatementState;
      details: Record<string, unknown>;
    },
    mail: { subject: string; text: string; html: string },
  ): Promise<StepResult> => {
    const sent = await send(r, step.kind, step.sequence, { to: r.contact.email, ...mail });
    if (!sent.ok) return { ok: false, permanent: true, reason: sent.reason };
    if (step.sequence === 0 && r.state === step.from) {
      await repository.transition(r.id, step.to, {
        what: `${step.kind}-sent`,
        actor: 'system',
        details: step.details,
      });
    } else if (sent.fresh && step.sequence > 0) {
      await repository.record(
        r.id,
        { what: `${step.kind}-reminder-sent`, actor: 'system', details: { sequence: step.sequence } },
        (x) => x.counters.remindersSent++,
      );
    }
    return { ok: true, value: undefined };
  };

  return {
    /** How long until this mail may go, by the shared pace (the orchestrator waits on a timer). */
    async reserveEmailSlot(): Promise<number> {
      return Math.max(0, (await deps.pacer.reserve()).getTime() - deps.now().getTime());
    },

    async sendInvitation(input: { reinstatementId: string; sequence: number }): Promise<StepResult> {
      const r = await repository.require(input.reinstatementId);
      if (isFinalState(r.state)) return { ok: true, value: undefined };
      const mail = composeInvitation({
        partnerName:
          config.partner.groupName === 'AdminAgents' ? 'Your Microsoft partner' : config.partner.groupName,
        customerName: r.customerName,
        contactName: r.contact.name,
        ...(r.note ? { note: r.note } : {}),
        invitationLink: buildInvitationLink({
          partnerTenantId: config.partner.tenantId,
          msppId: config.partner.msppId,
          delegatedAdmin: r.delegatedAdmin,
        }),
        trackedLink: links(r, 'invitation', config.schedule.invitationExpiryDays),
        delegatedAdmin: r.delegatedAdmin,
        expiresAt: new Date(Date.parse(r.createdAt) + config.schedule.invitationExpiryDays * DAY),
        reminder: input.sequence,
      });
      return sendStep(
        r,
        {
          kind: 'invitation',
          sequence: input.sequence,
          from: 'Requested',
          to: 'InvitationSent',
          details: { to: r.contact.email },
        },
        mail,
      );
    },

    async recordAcceptance(input: {
      reinstatementId: string;
      via: AuditActor;
      eventId: string;
    }): Promise<void> {
      const r = await repository.require(input.reinstatementId);
      if (r.state !== 'InvitationSent') return;
      await repository.transition(r.id, 'Accepted', {
        what: 'accepted',
        actor: input.via,
        details: { eventId: input.eventId },
      });
    },

    async lookupPartnerGroup(input: { reinstatementId: string }): Promise<StepResult<string>> {
      const found = await deps.groupLookup.lookup();
      if (found.kind === 'found') {
        await repository.update(input.reinstatementId, (r) => {
          if (r.partnerGroupObjectId === found.groupId) return null;
          r.partnerGroupObjectId = found.groupId;
          return {
            next: r,
            audit: {
              what: 'partner-group-found',
              actor: 'system',
              details: { groupId: found.groupId, cached: found.cached },
            },
          };
        });
        return { ok: true, value: found.groupId };
      }
      if (found.kind === 'failed' && found.failure.kind !== 'permanent')
        throw new ServiceError(found.failure, 'Microsoft Graph');
      const reason =
        found.kind === 'notFound'
          ? `no group named ${found.displayName} in the partner tenant`
          : found.kind === 'ambiguous'
            ? `${found.count} groups are named ${found.displayName}; exactly one is expected`
            : `Microsoft Graph refused the lookup: ${found.failure.kind === 'permanent' ? found.failure.message : ''}`;
      return { ok: false, permanent: true, reason };
    },

    async sendInstructions(input: { reinstatementId: string; sequence: number }): Promise<StepResult> {
      const r = await repository.require(input.reinstatementId);
      if (isFinalState(r.state) || !r.partnerGroupObjectId) return { ok: true, value: undefined };
      const scripts = customerScriptsFor(
        { ...r, partnerGroupObjectId: r.partnerGroupObjectId },
        config.partner.groupName,
      );
      const mail = composeInstructions({
        customerName: r.customerName,
        contactName: r.contact.name,
        pageLink: links(r, 'instructions', config.schedule.roleAssignmentDeadlineDays + 1),
        scripts,
        reminder: input.sequence,
      });
      return sendStep(
        r,
        {
          kind: 'instructions',
          sequence: input.sequence,
          from: 'Accepted',
          to: 'AwaitingRoleAssignment',
          details: { scopes: r.scopes.length },
        },
        mail,
      );
    },

    async scopeProgress(input: { reinstatementId: string }): Promise<{ verified: number; total: number }> {
      const r = await repository.require(input.reinstatementId);
      return { verified: r.scopes.filter((s) => s.status === 'Verified').length, total: r.scopes.length };
    },

    /** Ends the reinstatement: final state with its reason, then the partner's notice (and thanks). */
    async finish(input: { reinstatementId: string; outcome: FinalOutcome; reason?: string }): Promise<void> {
      let r = await repository.require(input.reinstatementId);
      if (!isFinalState(r.state)) {
        r = await repository.transition(
          r.id,
          input.outcome,
          {
            what: input.outcome.toLowerCase(),
            actor: 'system',
            details: input.reason ? { reason: input.reason } : {},
          },
          (x) => {
            if (input.reason) x.stateReason = input.reason;
          },
        );
      }
      await repository.releaseActive(activeKey(r.customerTenantId, r.scopes), r.id);
      const notice = composePartnerNotice(r);
      await send(r, `partner-${r.state.toLowerCase()}`, 0, { to: config.partner.opsEmail, ...notice });
      if (r.state === 'Reinstated') await send(r, 'thanks', 0, { to: r.contact.email, ...composeThanks(r) });
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
