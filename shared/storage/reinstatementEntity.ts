import type { TableEntity } from '@azure/data-tables';
import type { AuditEntry } from '../model/audit';
import { parseLanguage } from '../model/languages';
import type { Reinstatement, ScopeStatus, Trouble } from '../model/reinstatement';
import { isReinstatementState, type ReinstatementState } from '../model/states';
import { readChunks, writeChunks } from '../../lib/tables/chunkedProperty';
import { sequenceKey } from '../../lib/tables/tableKeys';

/**
 * One partition per reinstatement: the record itself under RowKey `record`, its audit trail under
 * `audit-0000000001`, `audit-0000000002`, ... Keeping both in one partition lets a state change and
 * its audit row commit in one entity-group transaction, so they can never disagree.
 */
export const RECORD_ROW = 'record';
export const AUDIT_ROW_PREFIX = 'audit-';
export const auditRowKey = (sequence: number) => sequenceKey(AUDIT_ROW_PREFIX, sequence);

type Entity = TableEntity<Record<string, unknown>>;

export function toRecordEntity(r: Reinstatement): Entity {
  return {
    partitionKey: r.id,
    rowKey: RECORD_ROW,
    customerTenantId: r.customerTenantId,
    customerName: r.customerName,
    contactName: r.contact.name,
    contactEmail: r.contact.email,
    delegatedAdmin: r.delegatedAdmin,
    ...(r.note !== undefined ? { note: r.note } : {}),
    ...(r.language !== undefined ? { language: r.language } : {}),
    ...writeChunks('scopes', JSON.stringify(r.scopes)),
    state: r.state,
    ...(r.stateReason !== undefined ? { stateReason: r.stateReason } : {}),
    ...(r.partnerGroupObjectId !== undefined ? { partnerGroupObjectId: r.partnerGroupObjectId } : {}),
    ...optional(r, [
      'invitationSentAt',
      'instructionsSentAt',
      'acceptedAt',
      'failedIn',
      'lastCustomerCheckAt',
    ]),
    ...(r.trouble ? { trouble: JSON.stringify(r.trouble) } : {}),
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    stateChangedAt: r.stateChangedAt,
    remindersSent: r.counters.remindersSent,
    resends: r.counters.resends,
    verificationChecks: r.counters.verificationChecks,
    linkClicks: r.counters.linkClicks,
    auditCount: r.auditCount,
  };
}

const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

/** The named optional string properties that are set, as entity properties. */
function optional<K extends keyof Reinstatement>(r: Reinstatement, keys: K[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of keys) {
    const value = r[key];
    if (typeof value === 'string') out[key] = value;
  }
  return out;
}
const num = (v: unknown) => (typeof v === 'number' ? v : Number(v ?? 0));

export function fromRecordEntity(e: Record<string, unknown>): Reinstatement {
  const state = e.state;
  if (!isReinstatementState(state))
    throw new Error(`stored reinstatement ${String(e.partitionKey)} has an unknown state`);
  const r: Reinstatement = {
    id: String(e.partitionKey),
    customerTenantId: String(e.customerTenantId),
    customerName: String(e.customerName),
    contact: { name: String(e.contactName), email: String(e.contactEmail) },
    delegatedAdmin: e.delegatedAdmin === true,
    scopes: JSON.parse(readChunks('scopes', e)) as ScopeStatus[],
    state,
    createdAt: String(e.createdAt),
    updatedAt: String(e.updatedAt),
    stateChangedAt: String(e.stateChangedAt),
    counters: {
      remindersSent: num(e.remindersSent),
      resends: num(e.resends),
      verificationChecks: num(e.verificationChecks),
      linkClicks: num(e.linkClicks),
    },
    auditCount: num(e.auditCount),
  };
  const note = str(e.note);
  if (note !== undefined) r.note = note;
  const language = parseLanguage(e.language);
  if (language !== undefined) r.language = language;
  const reason = str(e.stateReason);
  if (reason !== undefined) r.stateReason = reason;
  const group = str(e.partnerGroupObjectId);
  if (group !== undefined) r.partnerGroupObjectId = group;
  for (const key of [
    'invitationSentAt',
    'instructionsSentAt',
    'acceptedAt',
    'lastCustomerCheckAt',
  ] as const) {
    const value = str(e[key]);
    if (value !== undefined) r[key] = value;
  }
  if (isReinstatementState(e.failedIn)) r.failedIn = e.failedIn;
  const trouble = str(e.trouble);
  if (trouble) r.trouble = JSON.parse(trouble) as Trouble;
  return r;
}

export function toAuditEntity(entry: AuditEntry): Entity {
  return {
    partitionKey: entry.reinstatementId,
    rowKey: auditRowKey(entry.sequence),
    at: entry.at,
    what: entry.what,
    actor: entry.actor,
    details: JSON.stringify(entry.details ?? {}),
    ...(entry.fromState ? { fromState: entry.fromState } : {}),
    ...(entry.toState ? { toState: entry.toState } : {}),
  };
}

export function fromAuditEntity(e: Record<string, unknown>): AuditEntry {
  const entry: AuditEntry = {
    reinstatementId: String(e.partitionKey),
    sequence: Number(String(e.rowKey).slice(AUDIT_ROW_PREFIX.length)),
    at: String(e.at),
    what: String(e.what),
    actor: String(e.actor) as AuditEntry['actor'],
    details: JSON.parse(String(e.details ?? '{}')) as Record<string, unknown>,
  };
  if (isReinstatementState(e.fromState)) entry.fromState = e.fromState;
  if (isReinstatementState(e.toState)) entry.toState = e.toState;
  return entry;
}

/** A reinstatement as the console lists it: who, where it stands, and when each step happened. */
export interface ReinstatementSummary {
  id: string;
  customerTenantId: string;
  customerName: string;
  state: ReinstatementState;
  createdAt: string;
  updatedAt: string;
  stateChangedAt: string;
  invitationSentAt?: string;
  acceptedAt?: string;
  instructionsSentAt?: string;
}

/** The record's columns a summary reads (`$select`). */
export const SUMMARY_COLUMNS = [
  'PartitionKey',
  'customerTenantId',
  'customerName',
  'state',
  'createdAt',
  'updatedAt',
  'stateChangedAt',
  'invitationSentAt',
  'acceptedAt',
  'instructionsSentAt',
] as const;

export function toSummary(e: Record<string, unknown>): ReinstatementSummary {
  const state = e.state;
  if (!isReinstatementState(state))
    throw new Error(`stored reinstatement ${String(e.partitionKey)} has an unknown state`);
  const at = (name: 'invitationSentAt' | 'acceptedAt' | 'instructionsSentAt') =>
    typeof e[name] === 'string' ? { [name]: e[name] } : {};
  return {
    id: String(e.partitionKey),
    customerTenantId: String(e.customerTenantId),
    customerName: String(e.customerName),
    state,
    createdAt: String(e.createdAt),
    updatedAt: String(e.updatedAt),
    stateChangedAt: String(e.stateChangedAt),
    ...at('invitationSentAt'),
    ...at('acceptedAt'),
    ...at('instructionsSentAt'),
  };
}
