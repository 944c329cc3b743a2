import { mapWithConcurrency } from '../../lib/concurrency';
import type { AppConfig } from '../config/appConfig';
import type { PartnerGroupLookup } from '../adapters/graph/partnerGroupLookup';
import type { MailDispatch } from '../email/dispatch';
import type { MailState } from '../email/outbox';
import type { Lane } from '../email/pace';
import type { ScopeFinding } from '../model/reinstatement';
import { createScanActivities, type ScanDeps } from '../scan/scanActivities';
import type { ReinstatementState } from '../model/states';
import type { BulkJobRepository, RowResult } from '../storage/bulkJobRepository';
import type { ReinstatementRepository } from '../storage/reinstatementRepository';
import { done, type AcceptedEvent, type ActivityEnv, type FinalOutcome, type StepOutcome } from './contract';
import { composeReinstatementMail, isMailKind, reinstatementMailPurposes } from './reinstatementMails';
import { endReinstatement } from './ending';
import { startReinstatement } from './starting';
import { wakeMailDispatcher } from './wakeMailDispatcher';
import { failureStep } from './stepOutcomes';

export interface ActivityDeps extends ScanDeps {
  config: AppConfig;
  repository: ReinstatementRepository;
  mail: MailDispatch;
  groupLookup: PartnerGroupLookup;
  bulkJobs: BulkJobRepository;
  now: () => Date;
}

/** Where a reinstatement stands, for an orchestration that (re)starts. */
export interface Progress {
  state: ReinstatementState;
  invitationSentAt?: string;
  instructionsSentAt?: string;
}

export interface QueuedMailState {
  state: MailState;
  queuedAt: string;
  sentAt?: string;
  failure?: string;
}

/**
 * Everything the orchestrations do to the world, built from their dependencies so tests hand them
 * simulators. Each is idempotent (a retried or replayed call finds its work done and does not do it
 * twice) and answers outages as `retry` instead of throwing, so the orchestration waits them out.
 */
export function createActivities(deps: ActivityDeps) {
  const { config, repository } = deps;

  return {
    ...createScanActivities(deps),

    async loadProgress(input: { reinstatementId: string }): Promise<StepOutcome<Progress>> {
      const reinstatement = await repository.get(input.reinstatementId);
      if (!reinstatement)
        return { kind: 'failed', reason: `reinstatement ${input.reinstatementId} is not recorded` };
      return done({
        state: reinstatement.state,
        ...(reinstatement.invitationSentAt ? { invitationSentAt: reinstatement.invitationSentAt } : {}),
        ...(reinstatement.instructionsSentAt ? { instructionsSentAt: reinstatement.instructionsSentAt } : {}),
      });
    },

    /** Composes and queues one of the reinstatement's mails; `waiting`: its orchestration waits for it. */
    async queueMail(
      input: { reinstatementId: string; kind: string; sequence: number; lane: Lane; waiting: boolean },
      env: ActivityEnv,
    ): Promise<StepOutcome<QueuedMailState>> {
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

    async recordAcceptance(input: { reinstatementId: string } & AcceptedEvent): Promise<StepOutcome> {
      await repository.update(input.reinstatementId, (reinstatement) => {
        if (reinstatement.state !== 'InvitationSent' && reinstatement.state !== 'Requested') return null;
        reinstatement.state = 'Accepted';
        reinstatement.acceptedAt = deps.now().toISOString();
        return {
          next: reinstatement,
          audit: { what: 'accepted', actor: input.via, details: { eventId: input.eventId } },
        };
      });
      return done(null);
    },

    async lookupPartnerGroup(input: { reinstatementId: string }): Promise<StepOutcome<string>> {
      const found = await deps.groupLookup.lookup();
      if (found.kind === 'failed') return failureStep(found.failure, 'Microsoft Graph');
      if (found.kind === 'notFound')
        return { kind: 'failed', reason: `no group named ${found.displayName} in the partner tenant` };
      if (found.kind === 'ambiguous')
        return {
          kind: 'failed',
          reason: `${found.count} groups are named ${found.displayName}; exactly one is expected`,
        };
      await repository.update(input.reinstatementId, (reinstatement) => {
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

    /** How many scopes are verified, and in words what the others are waiting for. */
    async scopeProgress(input: {
      reinstatementId: string;
    }): Promise<StepOutcome<{ verified: number; total: number; pendingSummary: string }>> {
      const reinstatement = await repository.require(input.reinstatementId);
      const pending = reinstatement.scopes.filter((scope) => scope.status !== 'Verified');
      const findings = new Map<string, number>();
      for (const s of pending) {
        const words = FINDING_WORDS[s.lastCheck?.finding ?? 'never-checked'];
        findings.set(words, (findings.get(words) ?? 0) + 1);
      }
      const verified = reinstatement.scopes.length - pending.length;
      const waiting = [...findings].map(([words, n]) => `${n} ${words}`).join(', ');
      return done({
        verified,
        total: reinstatement.scopes.length,
        pendingSummary: `${verified} of ${reinstatement.scopes.length} scopes verified${waiting ? `; ${waiting}` : ''}`,
      });
    },

    /** Shows operators that a step is being retried, and why; clears it once the step succeeded. */
    async noteTrouble(
      input:
        | { reinstatementId: string; step: string; clear: true }
        | { reinstatementId: string; step: string; attempt: number; reason: string; nextAttemptAt: string },
    ): Promise<StepOutcome> {
      await repository.update(input.reinstatementId, (reinstatement) => {
        if ('clear' in input) {
          if (!reinstatement.trouble) return null;
          delete reinstatement.trouble;
          return {
            next: reinstatement,
            audit: { what: 'step-recovered', actor: 'system', details: { step: input.step } },
          };
        }
        const first = !reinstatement.trouble || reinstatement.trouble.step !== input.step;
        reinstatement.trouble = {
          step: input.step,
          reason: input.reason,
          attempts: input.attempt,
          since: first ? deps.now().toISOString() : (reinstatement.trouble as { since: string }).since,
          nextAttemptAt: input.nextAttemptAt,
        };
        // The first failure of a step is audited; later attempts only update what the record shows.
        return first
          ? {
              next: reinstatement,
              audit: {
                what: 'step-retrying',
                actor: 'system',
                details: { step: input.step, reason: input.reason },
              },
            }
          : { next: reinstatement };
      });
      return done(null);
    },

    /** Ends the reinstatement (see endReinstatement); answers the state the record ended in. */
    async finish(
      input: { reinstatementId: string; outcome: FinalOutcome; reason?: string },
      env: ActivityEnv,
    ): Promise<StepOutcome<FinalOutcome>> {
      return done(
        await endReinstatement(deps, env.workflow, input.reinstatementId, input.outcome, input.reason),
      );
    },

    /** Sends what the pace allows now (see MailDispatch); the dispatcher orchestration calls it. */
    async dispatchMail(_input: Record<string, never>, env: ActivityEnv) {
      return deps.mail.dispatch(
        reinstatementMailPurposes({ repository, workflow: env.workflow, now: deps.now }),
      );
    },

    /** Starts the rows of one page of a bulk job; a retried page starts each row exactly once. */
    async startBulkPage(
      input: { jobId: string; page: number },
      env: ActivityEnv,
    ): Promise<StepOutcome<{ started: number; existing: number; failed: number }>> {
      const page = await deps.bulkJobs.page(input.jobId, input.page);
      if (page.results) return done(countResults(page.results));
      const results = await mapWithConcurrency(page.rows, 8, async ({ row, request }): Promise<RowResult> => {
        const id = bulkRowId(input.jobId, row);
        let last: unknown;
        // A passing fault (storage busy) is tried again at once; a row that still fails is reported.
        for (let attempt = 0; attempt < 3; attempt++) {
          try {
            const started = await startReinstatement(
              { config, repository, workflow: env.workflow },
              request,
              id,
              `bulk ${input.jobId}`,
            );
            return { row, status: started.kind, id: started.id };
          } catch (error) {
            last = error;
            await new Promise((resolve) => setTimeout(resolve, 200 * (attempt + 1)));
          }
        }
        return {
          row,
          status: 'failed',
          error: `could not be started (${last instanceof Error ? last.message.slice(0, 160) : String(last)}); post this row again`,
        };
      });
      await deps.bulkJobs.recordResults(input.jobId, input.page, results);
      return done(countResults(results));
    },
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

/** A bulk row's reinstatement id: fixed by the job and the row, so a retried page cannot twin it. */
export function bulkRowId(jobId: string, row: number): string {
  return `${jobId.replace(/^b-/, 'r-')}-${row}`.slice(0, 64);
}

function countResults(results: RowResult[]) {
  const count = (status: RowResult['status']) =>
    results.filter((reinstatement) => reinstatement.status === status).length;
  return { started: count('started'), existing: count('existing'), failed: count('failed') };
}
