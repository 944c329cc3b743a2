import type { PartnerGroupLookup } from '../adapters/graph/partnerGroupLookup';
import type { AlertDispatch } from '../alerts/alertDispatch';
import { endingAlert } from '../alerts/happenings';
import type { MailDispatch } from '../email/dispatch';
import type { Outbox } from '../email/outbox';
import { activeKey } from '../model/activeKey';
import type { Reinstatement, ScopeFinding } from '../model/reinstatement';
import { isFinalState, RESUMABLE_STATES } from '../model/states';
import type { ReinstatementRepository } from '../storage/reinstatementRepository';
import { done, type ReinstatementActivities, type ScopeProgress } from './contract';
import { composeReinstatementMail, isMailKind, type ReinstatementMailSettings } from './reinstatementMails';
import { failureStep } from './stepOutcomes';
import { verifyScopes, type VerificationDeps } from './verification';
import { wakeMailDispatcher } from './wakeMailDispatcher';

export interface ReinstatementActivityDeps extends VerificationDeps {
  config: ReinstatementMailSettings;
  repository: ReinstatementRepository;
  mail: MailDispatch;
  outbox: Pick<Outbox, 'get'>;
  groupLookup: PartnerGroupLookup;
  alerts: Pick<AlertDispatch, 'record'>;
  now: () => Date;
}

/**
 * What a reinstatement's orchestration does to the world, built from its dependencies so tests hand
 * them simulators. Each is idempotent (a retried or replayed call finds its work done and does not
 * do it twice) and answers outages as `retry` instead of throwing, so the orchestration waits them
 * out. These are the only code that moves a reinstatement's state (through repository.transition):
 * its flow owns it.
 */
export function createReinstatementActivities(deps: ReinstatementActivityDeps): ReinstatementActivities {
  const { config, repository } = deps;

  return {
    async loadProgress({ reinstatementId }) {
      const reinstatement = await repository.get(reinstatementId);
      if (!reinstatement)
        return { kind: 'failed', reason: `reinstatement ${reinstatementId} is not recorded` };
      return done({
        state: reinstatement.state,
        ...(reinstatement.invitationSentAt ? { invitationSentAt: reinstatement.invitationSentAt } : {}),
        ...(reinstatement.instructionsSentAt ? { instructionsSentAt: reinstatement.instructionsSentAt } : {}),
      });
    },

    async queueMail(input, env) {
      if (!isMailKind(input.kind))
        return { kind: 'failed', reason: `${input.kind} is not a mail of a reinstatement` };
      const reinstatement = await repository.require(input.reinstatementId);
      const { mail, wake } = await deps.mail.enqueue({
        key: { stream: reinstatement.id, kind: input.kind, sequence: input.sequence },
        lane: input.lane,
        ...composeReinstatementMail(config, reinstatement, input.kind, input.sequence, deps.now()),
        ...(input.waiting ? { owner: reinstatement.id } : {}),
      });
      if (wake) await wakeMailDispatcher(env.workflow);
      return done({
        state: mail.state,
        queuedAt: mail.queuedAt,
        ...(mail.sentAt ? { sentAt: mail.sentAt } : {}),
        ...(mail.failure ? { failure: mail.failure } : {}),
      });
    },

    async recordMailSent({ reinstatementId, kind, at }) {
      const mail = await deps.outbox.get({ stream: reinstatementId, kind, sequence: 0 });
      const details = { to: mail?.to, operationId: mail?.operationId };
      await repository.transition(
        reinstatementId,
        kind === 'invitation'
          ? {
              from: ['Requested'],
              to: 'InvitationSent',
              audit: { what: 'invitation-sent', actor: 'system', details },
              amend: (r) => (r.invitationSentAt = at),
            }
          : {
              from: ['Accepted'],
              to: 'AwaitingRoleAssignment',
              audit: { what: 'instructions-sent', actor: 'system', details },
              amend: (r) => (r.instructionsSentAt = at),
            },
      );
      return done(null);
    },

    async recordAcceptance({ reinstatementId, via, eventId }) {
      await repository.transition(reinstatementId, {
        from: ['InvitationSent'],
        to: 'Accepted',
        audit: { what: 'accepted', actor: via, details: { eventId } },
        amend: (r) => (r.acceptedAt = deps.now().toISOString()),
      });
      return done(null);
    },

    async lookupPartnerGroup({ reinstatementId }) {
      const found = await deps.groupLookup.lookup();
      if (found.kind === 'failed') return failureStep(found.failure, 'Microsoft Graph');
      if (found.kind === 'notFound')
        return { kind: 'failed', reason: `no group named ${found.displayName} in the partner tenant` };
      if (found.kind === 'ambiguous')
        return {
          kind: 'failed',
          reason: `${found.count} groups are named ${found.displayName}; exactly one is expected`,
        };
      await repository.update(reinstatementId, (reinstatement) => {
        if (reinstatement.partnerGroupObjectId === found.groupId) return null;
        reinstatement.partnerGroupObjectId = found.groupId;
        return {
          next: reinstatement,
          audit: {
            what: 'partner-group-found',
            actor: 'system',
            details: { groupId: found.groupId, cached: found.cached },
          },
        };
      });
      return done(found.groupId);
    },

    async checkScopesNow({ reinstatementId }) {
      const reinstatement = await repository.require(reinstatementId);
      await verifyScopes(deps, [reinstatement], config.schedule.verifyConcurrency, 'system');
      return done(progressOf(await repository.require(reinstatementId)));
    },

    async scopeProgress({ reinstatementId }) {
      return done(progressOf(await repository.require(reinstatementId)));
    },

    async noteTrouble(input) {
      await repository.update(input.reinstatementId, (reinstatement) => {
        if ('clear' in input) {
          if (!reinstatement.trouble) return null;
          delete reinstatement.trouble;
          return {
            next: reinstatement,
            audit: { what: 'step-recovered', actor: 'system', details: { step: input.step } },
          };
        }
        const previous = reinstatement.trouble?.step === input.step ? reinstatement.trouble : undefined;
        reinstatement.trouble = {
          step: input.step,
          reason: input.reason,
          attempts: input.attempt,
          since: previous?.since ?? deps.now().toISOString(),
          nextAttemptAt: input.nextAttemptAt,
        };
        // The first failure of a step is audited; later attempts only update what the record shows.
        if (previous) return { next: reinstatement };
        return {
          next: reinstatement,
          audit: {
            what: 'step-retrying',
            actor: 'system',
            details: { step: input.step, reason: input.reason },
          },
        };
      });
      return done(null);
    },

    /**
     * Ends the reinstatement: the final state with its reason (Failed remembers the state it failed
     * in, where a retry resumes), the claim on customer and scopes released, an alert recorded for the
     * partner's digest, and, when reinstated, the customer's thanks queued in people's lane. Mails still queued for
     * it are withdrawn by the dispatcher when it reaches them. A record already final keeps its state.
     */
    async finish({ reinstatementId, outcome, reason, actor = 'system' }, env) {
      const reinstatement = await repository.transition(reinstatementId, {
        from: RESUMABLE_STATES,
        to: outcome,
        audit: { what: outcome.toLowerCase(), actor, details: reason ? { reason } : {} },
        amend: (current) => {
          if (outcome === 'Failed') current.failedIn = current.state;
          delete current.trouble;
          if (reason) current.stateReason = reason;
        },
      });
      if (!isFinalState(reinstatement.state))
        throw new Error(`reinstatement ${reinstatementId} did not end (${reinstatement.state})`);
      await repository.releaseActive(
        activeKey(reinstatement.customerTenantId, reinstatement.scopes),
        reinstatement.id,
      );
      // The partner's team hears of it in the next digest (one mail a day, not one per reinstatement).
      const alert = endingAlert(reinstatement);
      if (alert) await deps.alerts.record(alert);
      if (reinstatement.state === 'Reinstated') {
        const queued = await deps.mail.enqueue({
          key: { stream: reinstatement.id, kind: 'thanks', sequence: 0 },
          lane: 'people',
          ...composeReinstatementMail(config, reinstatement, 'thanks', 0, deps.now()),
        });
        if (queued.wake) await wakeMailDispatcher(env.workflow);
      }
      return done(reinstatement.state);
    },
  };
}

/** How many scopes are verified, and in words what the others are waiting for. */
function progressOf(reinstatement: Reinstatement): ScopeProgress {
  const pending = reinstatement.scopes.filter((scope) => scope.status !== 'Verified');
  const findings = new Map<string, number>();
  for (const s of pending) {
    const words = FINDING_WORDS[s.lastCheck?.finding ?? 'never-checked'];
    findings.set(words, (findings.get(words) ?? 0) + 1);
  }
  const total = reinstatement.scopes.length;
  const verified = total - pending.length;
  const waiting = [...findings].map(([words, n]) => `${n} ${words}`).join(', ');
  return {
    verified,
    total,
    pendingSummary: `${verified} of ${total} scopes verified${waiting ? `; ${waiting}` : ''}`,
  };
}

/** Findings in the words of a reason ("2 of 3 scopes verified; 1 with no access yet"). */
const FINDING_WORDS: Record<ScopeFinding | 'never-checked', string> = {
  verified: 'verified',
  'no-access': 'with no access yet',
  'narrower-scope': 'with Owner only on a narrower scope',
  'wrong-role': 'with a role other than Owner',
  'other-principal': 'with Owner granted to another principal',
  'not-found': 'not found',
  'could-not-check': 'that could not be checked',
  'partner-identity': "that the partner's identity could not check",
  'never-checked': 'not checked yet',
};
