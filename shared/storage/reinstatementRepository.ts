import { odata, type TableClient, type TransactionAction } from '@azure/data-tables';
import { tableClient } from '../../lib/tables/tableClient';
import type { AuditEntry, AuditEntryInput } from '../model/audit';
import { isReinstatementId } from '../model/identifiers';
import { newReinstatement, type Reinstatement } from '../model/reinstatement';
import type { ReinstatementRequest } from '../model/request';
import { assertMove, isFinalState, type ReinstatementState } from '../model/states';
import { ValidationError } from '../model/validationError';
import { recordStateMove } from '../telemetry/metrics';
import { noteCustomerTenant } from '../telemetry/reinstatementTrace';
import {
  AUDIT_ROW_PREFIX,
  fromAuditEntity,
  fromRecordEntity,
  RECORD_ROW,
  SUMMARY_COLUMNS,
  toAuditEntity,
  toRecordEntity,
  toSummary,
  type ReinstatementSummary,
} from './reinstatementEntity';
import { isConflict, isNotFound, isPreconditionFailed } from '../../lib/tables/tableErrors';
import { assertSafeTableKey } from '../../lib/tables/tableKeys';

export interface Page<T> {
  items: T[];
  /** Opaque; pass back to get the next page. Absent on the last page. */
  continuationToken?: string;
}

export interface PageRequest {
  pageSize?: number;
  continuationToken?: string;
}

/** Every page of a listing, following its continuation tokens: for loops that must see everything. */
export async function* allPages<T>(
  list: (page: PageRequest) => Promise<Page<T>>,
  pageSize = 100,
): AsyncGenerator<T[]> {
  let token: string | undefined;
  do {
    const page = await list({ pageSize, ...(token ? { continuationToken: token } : {}) });
    yield page.items;
    token = page.continuationToken;
  } while (token);
}

/** What a change to a reinstatement wants written, decided from the current record. */
export interface Change {
  /** The whole next record (a modified copy of the current one, in the same state). */
  next: Reinstatement;
  /** The audit row to append; only a change that moves no state may go without one. */
  audit?: AuditEntryInput;
}

/** A move of a reinstatement's state (see ReinstatementRepository.transition). */
export interface Move {
  /** The states it moves from; in any other, nothing is written (it moved already, or further). */
  from: readonly ReinstatementState[];
  to: ReinstatementState;
  audit: AuditEntryInput;
  /** What else changes with the move (a timestamp, the state a failure happened in). */
  amend?: (record: Reinstatement) => void;
}

interface StateMove {
  to: ReinstatementState;
  kind: 'forward' | 'reopen';
}

/** A change (or none) and what it answers the caller, decided together from one read of the record. */
export interface Decision<T> {
  change: Change | null;
  answer: T;
}

export class ReinstatementNotFoundError extends Error {
  constructor(readonly id: string) {
    super(`No reinstatement with id ${id}`);
    this.name = 'ReinstatementNotFoundError';
  }
}

export class ReinstatementExistsError extends Error {
  constructor(readonly id: string) {
    super(`A reinstatement with id ${id} already exists`);
    this.name = 'ReinstatementExistsError';
  }
}

/** Every attempt met a newer version written by someone else; the change was not applied. */
export class ConcurrencyError extends Error {
  constructor(
    readonly id: string,
    attempts: number,
  ) {
    super(`Reinstatement ${id} kept changing underneath this update; gave up after ${attempts} attempts`);
    this.name = 'ConcurrencyError';
  }
}

export interface RepositoryOptions {
  clock?: () => Date;
  /**
   * How many times a change is re-applied to fresh state after a conflicting write. A write only
   * loses to another write that succeeded, so with N concurrent writers none needs more than N tries.
   */
  maxAttempts?: number;
}

const MAX_PAGE = 1000;

/**
 * Reinstatements and their audit trail in Azure Table storage. Every write is optimistic: it names
 * the ETag it read, and a conflicting write makes it re-read and re-decide, so no one's change is
 * silently overwritten.
 */
export class ReinstatementRepository {
  private readonly clock: () => Date;
  private readonly maxAttempts: number;

  constructor(
    private readonly table: TableClient,
    options: RepositoryOptions = {},
  ) {
    this.clock = options.clock ?? (() => new Date());
    this.maxAttempts = options.maxAttempts ?? 16;
  }

  static fromConnectionString(
    connectionString: string,
    tableName: string,
    options: RepositoryOptions = {},
  ): ReinstatementRepository {
    return new ReinstatementRepository(tableClient(connectionString, tableName), options);
  }

  async ensureTable(): Promise<void> {
    await this.table.createTable();
  }

  /** Records a new reinstatement in state Requested, with its first audit entry, atomically. */
  async create(
    id: string,
    request: ReinstatementRequest,
    audit: Omit<AuditEntryInput, 'what'>,
  ): Promise<Reinstatement> {
    this.checkId(id);
    const record = newReinstatement(id, request, this.clock());
    const entry = this.auditEntry(record, { what: 'requested', ...audit }, undefined, 'Requested');
    record.auditCount = entry.sequence;
    try {
      await this.table.submitTransaction([
        ['create', toRecordEntity(record)],
        ['create', toAuditEntity(entry)],
      ]);
    } catch (error) {
      if (isConflict(error)) throw new ReinstatementExistsError(id);
      throw error;
    }
    recordStateMove(undefined, record.state, undefined);
    return record;
  }

  async get(id: string): Promise<Reinstatement | undefined> {
    return (await this.read(id))?.record;
  }

  async require(id: string): Promise<Reinstatement> {
    const record = await this.get(id);
    if (!record) throw new ReinstatementNotFoundError(id);
    return record;
  }

  /**
   * Applies a change decided from the current record. When another writer got there first, the
   * change is decided again from the fresh record (so both intents survive), up to `maxAttempts`.
   * `decide` may return null to write nothing (the change is already in place), or throw to refuse.
   * It never changes the state: states move only through `transition` and `reopen`.
   */
  update(id: string, decide: (current: Reinstatement) => Change | null): Promise<Reinstatement> {
    return this.apply(id, (current) => {
      const change = decide(current);
      return change && { ...change, move: undefined };
    });
  }

  /**
   * Moves the reinstatement's state, with its audit row, in one write. Only its orchestration's
   * activities call this, so each move has one owner; the state machine's table is consulted here
   * and nowhere else. Replayed (the record is no longer in one of `from`): nothing is written.
   */
  transition(id: string, move: Move): Promise<Reinstatement> {
    return this.apply(id, (current) => {
      if (!move.from.includes(current.state)) return null;
      move.amend?.(current);
      return { next: current, audit: move.audit, move: { to: move.to, kind: 'forward' } };
    });
  }

  /** An operator's retry: a Failed reinstatement goes back into `to`, the state it failed in. */
  reopen(id: string, to: ReinstatementState, audit: AuditEntryInput, amend: (record: Reinstatement) => void) {
    return this.apply(id, (current) => {
      if (current.state !== 'Failed') return null;
      amend(current);
      return { next: current, audit, move: { to, kind: 'reopen' } };
    });
  }

  private async apply(
    id: string,
    decide: (current: Reinstatement) => (Change & { move: StateMove | undefined }) | null,
  ): Promise<Reinstatement> {
    this.checkId(id);
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      const current = await this.read(id);
      if (!current) throw new ReinstatementNotFoundError(id);
      const change = decide(structuredClone(current.record));
      if (!change) return current.record;
      const next = this.prepare(current.record, change);
      try {
        await this.table.submitTransaction([
          ['update', toRecordEntity(next.record), 'Replace', { etag: current.etag }],
          ...(next.entry ? [['create', toAuditEntity(next.entry)] as TransactionAction] : []),
        ]);
        if (next.record.state !== current.record.state)
          recordStateMove(
            current.record.state,
            next.record.state,
            (Date.parse(next.record.stateChangedAt) - Date.parse(current.record.stateChangedAt)) / 1000,
          );
        return next.record;
      } catch (error) {
        // 412: the record changed since we read it. 409: someone appended the same audit row,
        // which also means the record changed. Either way, decide again from fresh state.
        if (!isPreconditionFailed(error) && !isConflict(error)) throw error;
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * attempt));
      }
    }
    throw new ConcurrencyError(id, this.maxAttempts);
  }

  /**
   * Like `update`, and answers what the decision that counted said: the one whose change was written,
   * or the last one when there was nothing to write. Anything a caller limits or counts (a check at
   * most once a minute, one audit row an hour) is decided here and read from `answer`, never from a
   * variable the callback sets now and then: a decision made on an attempt that lost to another
   * writer is replaced by the next attempt's, so only the one made on the state written stands.
   */
  async updateDeciding<T>(
    id: string,
    decide: (current: Reinstatement) => Decision<T>,
  ): Promise<{ record: Reinstatement; answer: T }> {
    let last: { answer: T } | undefined;
    const record = await this.update(id, (current) => {
      const decision = decide(current);
      last = { answer: decision.answer };
      return decision.change;
    });
    if (!last) throw new Error('update answered without deciding');
    return { record, answer: last.answer };
  }

  /** Appends an audit entry without other changes (a click, a reminder, a check). */
  record(
    id: string,
    audit: AuditEntryInput,
    amend: (record: Reinstatement) => void = () => {},
  ): Promise<Reinstatement> {
    return this.update(id, (current) => {
      amend(current);
      return { next: current, audit };
    });
  }

  /** The audit trail in the order it was written. */
  async listAudit(id: string, page: PageRequest = {}): Promise<Page<AuditEntry>> {
    this.checkId(id);
    const filter = odata`PartitionKey eq ${id} and RowKey gt ${AUDIT_ROW_PREFIX} and RowKey lt ${`${AUDIT_ROW_PREFIX}~`}`;
    return this.page(filter, page, fromAuditEntity);
  }

  listByState(state: ReinstatementState, page: PageRequest = {}): Promise<Page<Reinstatement>> {
    return this.page(odata`RowKey eq ${RECORD_ROW} and state eq ${state}`, page, fromRecordEntity);
  }

  listByCustomer(customerTenantId: string, page: PageRequest = {}): Promise<Page<Reinstatement>> {
    return this.page(
      odata`RowKey eq ${RECORD_ROW} and customerTenantId eq ${customerTenantId}`,
      page,
      fromRecordEntity,
    );
  }

  listAll(page: PageRequest = {}): Promise<Page<Reinstatement>> {
    return this.page(odata`RowKey eq ${RECORD_ROW}`, page, fromRecordEntity);
  }

  /**
   * Every reinstatement's summary (no scopes, no audit): the few columns the console counts, sorts
   * and searches by, read with `$select` in pages of 1,000 so thousands of rows come in a few calls.
   */
  async listSummaries(): Promise<ReinstatementSummary[]> {
    const out: ReinstatementSummary[] = [];
    const entities = this.table.listEntities<Record<string, unknown>>({
      queryOptions: { filter: odata`RowKey eq ${RECORD_ROW}`, select: [...SUMMARY_COLUMNS] },
    });
    for await (const page of entities.byPage({ maxPageSize: 1000 }))
      for (const entity of page) out.push(toSummary(entity));
    return out;
  }

  /**
   * Claims the "one running reinstatement per customer and scopes" lock for `id`. Answers the id
   * that holds it: `id` itself when claimed (or already held), or the running one that did. A lock
   * is taken over only when its holder has ended, or when its holder's record never appeared within
   * `startGraceMs` of the claim (the start that claimed it died before recording anything).
   */
  async claimActive(key: string, id: string, startGraceMs = 120_000): Promise<string> {
    const partitionKey = `active-${assertSafeTableKey(key, 'lock key')}`;
    for (let attempt = 0; attempt < this.maxAttempts; attempt++) {
      const claimedAt = this.clock().toISOString();
      try {
        await this.table.createEntity({ partitionKey, rowKey: 'lock', reinstatementId: id, claimedAt });
        return id;
      } catch (error) {
        if (!isConflict(error)) throw error;
      }
      let lock;
      try {
        lock = await this.table.getEntity<{ reinstatementId: string; claimedAt?: string }>(
          partitionKey,
          'lock',
        );
      } catch (error) {
        if (isNotFound(error)) continue;
        throw error;
      }
      if (lock.reinstatementId === id) return id;
      const holder = await this.get(lock.reinstatementId);
      const starting =
        !holder && this.clock().getTime() - Date.parse(lock.claimedAt ?? '1970-01-01') < startGraceMs;
      if (starting || (holder && !isFinalState(holder.state))) return lock.reinstatementId;
      try {
        await this.table.updateEntity(
          { partitionKey, rowKey: 'lock', reinstatementId: id, claimedAt },
          'Replace',
          { etag: lock.etag },
        );
        return id;
      } catch (error) {
        if (!isPreconditionFailed(error)) throw error;
      }
    }
    throw new ConcurrencyError(key, this.maxAttempts);
  }

  /** Releases the lock if `id` still holds it. */
  async releaseActive(key: string, id: string): Promise<void> {
    const partitionKey = `active-${assertSafeTableKey(key, 'lock key')}`;
    try {
      const lock = await this.table.getEntity<{ reinstatementId: string }>(partitionKey, 'lock');
      if (lock.reinstatementId === id)
        await this.table.deleteEntity(partitionKey, 'lock', { etag: lock.etag });
    } catch (error) {
      if (!isNotFound(error) && !isPreconditionFailed(error)) throw error;
    }
  }

  private prepare(
    current: Reinstatement,
    change: Change & { move: StateMove | undefined },
  ): { record: Reinstatement; entry?: AuditEntry } {
    const next = change.next;
    if (next.id !== current.id) throw new Error('a change must not alter the reinstatement id');
    if (next.state !== current.state) throw new Error('a state moves only through transition or reopen');
    const changedState = change.move !== undefined;
    if (change.move) {
      assertMove(current.state, change.move.to, change.move.kind);
      next.state = change.move.to;
      next.stateChangedAt = this.clock().toISOString();
    }
    next.updatedAt = this.clock().toISOString();
    if (!change.audit) {
      if (changedState) throw new Error('a change of state must be audited');
      return { record: next };
    }
    const entry = this.auditEntry(
      current,
      change.audit,
      changedState ? current.state : undefined,
      changedState ? next.state : undefined,
    );
    next.auditCount = entry.sequence;
    return { record: next, entry };
  }

  private auditEntry(
    current: Reinstatement,
    input: AuditEntryInput,
    fromState: ReinstatementState | undefined,
    toState: ReinstatementState | undefined,
  ): AuditEntry {
    const entry: AuditEntry = {
      reinstatementId: current.id,
      sequence: current.auditCount + 1,
      at: this.clock().toISOString(),
      what: input.what,
      actor: input.actor,
      details: input.details ?? {},
    };
    if (fromState) entry.fromState = fromState;
    if (toState) entry.toState = toState;
    return entry;
  }

  private async read(id: string): Promise<{ record: Reinstatement; etag: string } | undefined> {
    this.checkId(id);
    try {
      const entity = await this.table.getEntity<Record<string, unknown>>(id, RECORD_ROW);
      const record = fromRecordEntity(entity);
      noteCustomerTenant(record.id, record.customerTenantId);
      return { record, etag: entity.etag };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /**
   * One page of a server-side filtered query. Table storage may answer a filtered query with an
   * empty page and a continuation token; those are skipped so a caller never sees an empty page
   * that is not the last.
   */
  private async page<T>(
    filter: string,
    request: PageRequest,
    map: (entity: Record<string, unknown>) => T,
  ): Promise<Page<T>> {
    const pageSize = Math.min(Math.max(1, request.pageSize ?? 100), MAX_PAGE);
    let token = request.continuationToken;
    if (token !== undefined) checkContinuationToken(token);
    for (;;) {
      const iterator = this.table
        .listEntities<Record<string, unknown>>({ queryOptions: { filter } })
        .byPage({ maxPageSize: pageSize, ...(token ? { continuationToken: token } : {}) });
      const result = await iterator.next();
      const page = result.done ? [] : result.value;
      token = page.continuationToken;
      if (page.length > 0 || !token) {
        return { items: page.map(map), ...(token ? { continuationToken: token } : {}) };
      }
    }
  }

  private checkId(id: string): void {
    if (!isReinstatementId(id)) throw ValidationError.single('id', 'must be 1-64 letters, digits, - or _');
    assertSafeTableKey(id, 'reinstatement id');
  }
}

/** A continuation token is the SDK's base64 JSON of the next keys; anything else is refused up front. */
function checkContinuationToken(token: string): void {
  const rule = 'must be a continuation token returned by a previous page';
  if (token.length > 2048 || !/^[A-Za-z0-9+/]+={0,2}$/.test(token))
    throw ValidationError.single('continuationToken', rule);
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as Record<string, unknown>;
    if (typeof parsed.nextPartitionKey !== 'string') throw new Error();
    if (parsed.nextRowKey !== undefined && typeof parsed.nextRowKey !== 'string') throw new Error();
  } catch {
    throw ValidationError.single('continuationToken', rule);
  }
}
