import type { ReinstatementRequest } from './request';
import { renderScope, type ScopeKind } from './scopes';
import type { ReinstatementState } from './states';

export type ScopeVerification = 'Pending' | 'Verified';

/** Where one requested scope stands. */
export interface ScopeStatus {
  /** Canonical ARM id. */
  scope: string;
  kind: ScopeKind;
  status: ScopeVerification;
  verifiedAt?: string;
  lastCheckedAt?: string;
  /** The last check's outcome in a word (`not-yet`, `throttled`, `error: ...`), for operators. */
  lastOutcome?: string;
}

export interface ReinstatementCounters {
  remindersSent: number;
  verificationChecks: number;
  linkClicks: number;
}

/** The stored record of one reinstatement: what was asked, where it stands, and when it got there. */
export interface Reinstatement {
  id: string;
  customerTenantId: string;
  customerName: string;
  contact: { name: string; email: string };
  delegatedAdmin: boolean;
  note?: string;
  scopes: ScopeStatus[];
  state: ReinstatementState;
  /** Why the state was entered, for Failed, Expired and Cancelled. */
  stateReason?: string;
  /** Object id of the partner's AdminAgents group, once looked up. */
  partnerGroupObjectId?: string;
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
    scopes: request.scopes.map((s) => ({ scope: renderScope(s), kind: s.kind, status: 'Pending' })),
    state: 'Requested',
    createdAt: at,
    updatedAt: at,
    stateChangedAt: at,
    counters: { remindersSent: 0, verificationChecks: 0, linkClicks: 0 },
    auditCount: 0,
  };
  if (request.note) record.note = request.note;
  return record;
}
