import type { MailState } from '../email/outbox';
import { randomUUID } from 'node:crypto';
import type { Container } from '../app/container';
import { activeKey } from '../model/activeKey';
import type { AuditEntry } from '../model/audit';
import { isReinstatementId } from '../model/identifiers';
import type { Reinstatement } from '../model/reinstatement';
import { parseReinstatementRequest } from '../model/request';
import {
  isFinalState,
  isReinstatementState,
  RESUMABLE_STATES,
  type ReinstatementState,
} from '../model/states';
import { ValidationError } from '../model/validationError';
import { allPages } from '../storage/reinstatementRepository';
import {
  Events,
  Orchestrations,
  type AcceptedEvent,
  isRunning,
  type ActorEvent,
  type ResendEvent,
  type WorkflowClient,
} from '../workflow/contract';
import {
  endThroughOrchestration,
  reinstatementInput,
  startReinstatement,
  type StartResult,
} from '../workflow/starting';
import { verifyScopes, type VerificationSummary } from '../workflow/verification';
import { CheckUnavailableError, StateConflictError } from './errors';
import { checkWithPartnerCenter } from '../workflow/startCheck';

/** One mail of a reinstatement, as the API shows it. */
export interface MailView {
  kind: string;
  sequence: number;
  state: MailState;
  to: string;
  subject: string;
  queuedAt: string;
  sentAt?: string;
  failure?: string;
}

export interface ReinstatementView extends Reinstatement {
  /** What the orchestration is doing now (its custom status), when it runs. */
  step?: unknown;
  audit: AuditEntry[];
  mails: MailView[];
}

const RUNNING_STATES = RESUMABLE_STATES;

/** The states in which each of the partner's actions is possible (the console offers it only then). */
export const ACTION_STATES = {
  acceptance: ['Requested', 'InvitationSent'],
  resend: ['InvitationSent', 'AwaitingRoleAssignment'],
  verify: ['AwaitingRoleAssignment'],
  cancel: RUNNING_STATES,
  retry: ['Failed'],
} as const satisfies Record<string, readonly ReinstatementState[]>;

/**
 * What the partner's people and tools can ask of the product. Input is validated before anything is
 * written; every change goes through the repository (state machine + audit) or through the
 * reinstatement's own orchestration; an action the current state does not allow is refused (409).
 */
export class ReinstatementService {
  constructor(
    private readonly app: Container,
    private readonly workflow: WorkflowClient,
  ) {}

  /** Starts one; the same customer and scopes while one is running answers that one. */
  async start(body: unknown, by: string): Promise<StartResult> {
    const request = parseReinstatementRequest(body, {
      delegatedAdmin: this.app.config.partner.delegatedAdminDefault,
      language: this.app.config.partner.defaultLanguage,
    });
    if (this.app.config.partner.checkBeforeStart) {
      const check = await checkWithPartnerCenter(this.app.partnerCenter, request);
      if (check.kind === 'refused') throw new ValidationError(check.issues);
      if (check.kind === 'unanswered')
        throw new CheckUnavailableError(
          `${check.explanation}; nothing was started. Try again in a little while.`,
          check.failure.kind === 'throttled' ? Math.max(1, Math.ceil(check.failure.retryAfterMs / 1000)) : 30,
        );
    }
    // A person's single start: its invitation goes ahead of bulk jobs' in the mail queue.
    return startReinstatement(this.deps, request, `r-${randomUUID().replace(/-/g, '')}`, by, 'people');
  }

  async get(id: string): Promise<ReinstatementView> {
    const reinstatement = await this.require(id);
    const audit: AuditEntry[] = [];
    for await (const items of allPages((page) => this.app.repository.listAudit(id, page), 500))
      audit.push(...items);
    const mails = (await this.app.outbox.listStream(id)).map((m): MailView => ({
      kind: m.key.kind,
      sequence: m.key.sequence,
      state: m.state,
      to: m.to,
      subject: m.subject,
      queuedAt: m.queuedAt,
      ...(m.sentAt ? { sentAt: m.sentAt } : {}),
      ...(m.failure ? { failure: m.failure } : {}),
    }));
    const step = isFinalState(reinstatement.state)
      ? undefined
      : (await this.workflow.status(id))?.customStatus;
    return { ...reinstatement, ...(step !== undefined ? { step } : {}), audit, mails };
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
      return this.app.repository.listByState(query.state, page);
    }
    if (query.customer) return this.app.repository.listByCustomer(query.customer.toLowerCase(), page);
    return this.app.repository.listAll(page);
  }

  /** The partner confirms the customer accepted (they saw it in Partner Center). */
  async confirmAcceptance(id: string, by: string): Promise<void> {
    await this.requireRunning(id, 'confirming acceptance', ACTION_STATES.acceptance);
    await this.app.repository.record(id, { what: 'acceptance-confirmed', actor: 'partner', details: { by } });
    await this.workflow.raise(id, Events.Accepted, {
      via: 'partner',
      eventId: randomUUID(),
    } satisfies AcceptedEvent);
  }

  /** Sends the current step's mail again, in people's lane, through the orchestration and the pace. */
  async resend(id: string, by: string): Promise<{ mail: 'invitation' | 'instructions'; sequence: number }> {
    const reinstatement = await this.requireRunning(id, 'a resend', ACTION_STATES.resend);
    const sequence = reinstatement.counters.resends + 1;
    await this.app.repository.record(id, {
      what: 'resend-requested',
      actor: 'partner',
      details: { by, sequence },
    });
    await this.workflow.raise(id, Events.Resend, { by, sequence } satisfies ResendEvent);
    return { mail: reinstatement.state === 'InvitationSent' ? 'invitation' : 'instructions', sequence };
  }

  /**
   * Cancels whatever the orchestration is doing, and answers the state reached. When no orchestration
   * runs for it (it failed, was terminated or never started) the record itself is cancelled.
   */
  async cancel(id: string, by: string): Promise<{ state: ReinstatementState }> {
    const reinstatement = await this.require(id);
    if (isFinalState(reinstatement.state))
      throw new StateConflictError('cancelling', reinstatement.state, RUNNING_STATES);
    await this.app.repository.record(id, { what: 'cancel-requested', actor: 'partner', details: { by } });
    // Its orchestration ends it: the running one on the Cancel event, or (when none runs: it failed,
    // was terminated, or never started) a fresh one that only records the end.
    const end = { outcome: 'Cancelled', reason: `cancelled by ${by}`, actor: 'partner' } as const;
    if (
      isRunning(await this.workflow.status(id)) ||
      !(await endThroughOrchestration({ config: this.app.config, workflow: this.workflow }, id, end))
    )
      await this.workflow.raise(id, Events.Cancel, { by } satisfies ActorEvent);
    return { state: (await this.finalState(id, 10_000)) ?? (await this.require(id)).state };
  }

  /** Starts a Failed reinstatement again from the step that failed; mails already sent are not sent again. */
  async retry(id: string, by: string): Promise<{ state: ReinstatementState }> {
    const reinstatement = await this.require(id);
    if (!(ACTION_STATES.retry as readonly ReinstatementState[]).includes(reinstatement.state))
      throw new StateConflictError('a retry', reinstatement.state, ACTION_STATES.retry);
    if (isRunning(await this.workflow.status(id)))
      throw new StateConflictError(
        'a retry while its orchestration is still finishing',
        reinstatement.state,
        ACTION_STATES.retry,
      );
    const holder = await this.app.repository.claimActive(
      activeKey(reinstatement.customerTenantId, reinstatement.scopes),
      id,
    );
    if (holder !== id)
      throw ValidationError.single(
        'id',
        `reinstatement ${holder} is already running for the same customer and scopes`,
      );
    const resumeIn = reinstatement.failedIn ?? 'Requested';
    // The one move of a reinstatement's state that is not its orchestration's: the operator reopens it.
    await this.app.repository.reopen(
      id,
      resumeIn,
      { what: 'retried', actor: 'partner', details: { by, resumeIn } },
      (current) => {
        delete current.failedIn;
        delete current.stateReason;
      },
    );
    await this.workflow.start(
      Orchestrations.reinstatement,
      id,
      reinstatementInput(this.app.config, id, 'retry'),
    );
    return { state: resumeIn };
  }

  async verifyOne(id: string, actor: 'partner' | 'customer-link', by?: string): Promise<VerificationSummary> {
    const reinstatement = await this.require(id);
    if (!(ACTION_STATES.verify as readonly ReinstatementState[]).includes(reinstatement.state))
      throw new StateConflictError('verification', reinstatement.state, ACTION_STATES.verify);
    // A check a person asked for is on the record even when it finds nothing new.
    if (by) await this.app.repository.record(id, { what: 'verify-requested', actor, details: { by } });
    return this.verify([reinstatement], actor, by);
  }

  /** Checks the pending scopes of these reinstatements now and moves their orchestrations on. */
  async verify(
    reinstatements: Reinstatement[],
    actor: 'partner' | 'customer-link' | 'timer',
    by?: string,
  ): Promise<VerificationSummary> {
    const summary = await verifyScopes(
      this.app,
      reinstatements,
      this.app.config.schedule.verifyConcurrency,
      actor,
      by,
    );
    // Every scope verified and still waiting: the orchestration may have missed the event (the app
    // stopped between recording and telling it), so those are told again; an event too many only
    // makes it look at its scopes once more.
    const complete = reinstatements
      .filter(
        (reinstatement) =>
          reinstatement.state === 'AwaitingRoleAssignment' &&
          reinstatement.scopes.every((scope) => scope.status === 'Verified'),
      )
      .map((reinstatement) => reinstatement.id);
    for (const id of new Set([...summary.advanced, ...complete]))
      await this.workflow.raise(id, Events.ScopeVerified, { by: actor } satisfies ActorEvent);
    return summary;
  }

  /** Every reinstatement awaiting a role assignment, a page at a time. */
  async verifyAllPending(): Promise<Omit<VerificationSummary, 'scopes'>> {
    const started = Date.now();
    const total = {
      checked: 0,
      verified: 0,
      stillPending: 0,
      throttled: 0,
      failed: 0,
      durationMs: 0,
      advanced: [] as string[],
    };
    let backOffMs: number | undefined;
    for await (const items of allPages((page) =>
      this.app.repository.listByState('AwaitingRoleAssignment', page),
    )) {
      const s = await this.verify(items, 'timer');
      for (const k of ['checked', 'verified', 'stillPending', 'throttled', 'failed'] as const)
        total[k] += s[k];
      total.advanced.push(...s.advanced);
      if (s.backOffMs !== undefined) backOffMs = Math.max(backOffMs ?? 0, s.backOffMs);
    }
    return { ...total, durationMs: Date.now() - started, ...(backOffMs !== undefined ? { backOffMs } : {}) };
  }

  private get deps() {
    return { config: this.app.config, repository: this.app.repository, workflow: this.workflow };
  }

  private async require(id: string): Promise<Reinstatement> {
    if (!isReinstatementId(id)) throw ValidationError.single('id', 'must be a reinstatement id');
    return this.app.repository.require(id);
  }

  /** The reinstatement, in one of `states`, with its orchestration running to act on the request. */
  private async requireRunning(
    id: string,
    action: string,
    states: readonly ReinstatementState[],
  ): Promise<Reinstatement> {
    const reinstatement = await this.require(id);
    if (!states.includes(reinstatement.state))
      throw new StateConflictError(action, reinstatement.state, states);
    if (!isRunning(await this.workflow.status(id)))
      throw new StateConflictError(
        `${action} (its orchestration is not running: cancel it, or wait for the watchdog to repair it)`,
        reinstatement.state,
        states,
      );
    return reinstatement;
  }

  /** Waits (briefly) until the record is final; its final state, or undefined when it is not yet. */
  private async finalState(id: string, withinMs: number): Promise<ReinstatementState | undefined> {
    const until = Date.now() + withinMs;
    for (;;) {
      const reinstatement = await this.app.repository.require(id);
      if (isFinalState(reinstatement.state)) return reinstatement.state;
      if (Date.now() > until) return undefined;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
