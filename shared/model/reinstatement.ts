import type { Language } from './languages';
import type { ReinstatementRequest } from './request';
import { renderScope, type ScopeKind } from './scopes';
import type { ReinstatementState } from './states';

export type ScopeVerification = 'Pending' | 'Verified';

/**
 * What a check of one scope found, in the terms a customer can act on:
 * - verified: Owner for the partner group as ForeignGroup at this scope or above it;
 * - no-access: Azure shows the partner nothing there yet (no assignment, or not yet replicated);
 * - narrower-scope: Owner is granted, but only below the requested scope (a resource group of it);
 * - wrong-role: the partner group holds a role there, but not Owner;
 * - other-principal: Owner is granted there, but to another principal than the partner group;
 * - not-found: the subscription or scope does not exist (or is not in the customer's tenant);
 * - could-not-check: Azure did not answer (throttling, an outage); it is checked again later;
 * - partner-identity: the partner's verification identity could not sign in to the customer's
 *   tenant (not consented there, no GDAP relationship, a lapsed sign-in): the partner must act.
 */
export type ScopeFinding =
  | 'verified'
  | 'no-access'
  | 'narrower-scope'
  | 'wrong-role'
  | 'other-principal'
  | 'not-found'
  | 'could-not-check'
  | 'partner-identity';

export interface ScopeCheckResult {
  at: string;
  finding: ScopeFinding;
  /** One sentence for the customer and the operator, e.g. "the role assigned is Reader; Owner is needed". */
  explanation: string;
}

/** Where one requested scope stands. */
export interface ScopeStatus {
  /** Canonical ARM id. */
  scope: string;
  kind: ScopeKind;
  status: ScopeVerification;
  verifiedAt?: string;
  /** The last check of this scope and what it found. */
  lastCheck?: ScopeCheckResult;
}

export interface ReinstatementCounters {
  remindersSent: number;
  resends: number;
  verificationChecks: number;
  linkClicks: number;
}

/** A step that keeps failing for now (throttling, an outage) and is being retried. */
export interface Trouble {
  step: string;
  reason: string;
  attempts: number;
  since: string;
  nextAttemptAt: string;
}

/** The stored record of one reinstatement: what was asked, where it stands, and when it got there. */
export interface Reinstatement {
  id: string;
  customerTenantId: string;
  customerName: string;
  contact: { name: string; email: string };
  delegatedAdmin: boolean;
  note?: string;
  /**
   * The customer's language. Records made before languages existed have none: they read as the
   * partner's default language (DEFAULT_LANGUAGE).
   */
  language?: Language;
  scopes: ScopeStatus[];
  state: ReinstatementState;
  /** Why the state was entered, for Failed, Expired and Cancelled. */
  stateReason?: string;
  /** Object id of the partner's AdminAgents group, once looked up. */
  partnerGroupObjectId?: string;
  /** When the invitation and the instructions went out: the customer's waits count from these. */
  invitationSentAt?: string;
  instructionsSentAt?: string;
  acceptedAt?: string;
  /** For Failed: the state it failed in, where a retry resumes. */
  failedIn?: ReinstatementState;
  /** Set while a step is being retried; gone once it succeeds. */
  trouble?: Trouble;
  /** The customer's last "I've done it" check (at most one a minute, across every app instance). */
  lastCustomerCheckAt?: string;
  createdAt: string;
  updatedAt: string;
  stateChangedAt: string;
  counters: ReinstatementCounters;
  /** How many audit entries exist; the next one gets this number plus one. */
  auditCount: number;
}

export function newReinstatement(id: string, request: ReinstatementRequest, now: Date): Reinstatement {
  const at = now.toISOString();
  const record: Reinstatement = {
    id,
    customerTenantId: request.customerTenantId,
    customerName: request.customerName,
    contact: { ...request.contact },
    delegatedAdmin: request.delegatedAdmin,
    language: request.language,
    scopes: request.scopes.map((s) => ({ scope: renderScope(s), kind: s.kind, status: 'Pending' })),
    state: 'Requested',
    createdAt: at,
    updatedAt: at,
    stateChangedAt: at,
    counters: { remindersSent: 0, resends: 0, verificationChecks: 0, linkClicks: 0 },
    auditCount: 0,
  };
  if (request.note) record.note = request.note;
  return record;
}
