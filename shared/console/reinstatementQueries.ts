import { isReinstatementState, ReinstatementStates, type ReinstatementState } from '../model/states';
import type { ReinstatementSummary } from '../storage/reinstatementEntity';
import { safeCsv } from '../text/csvCells';
import { stateLabel } from '../model/stateWords';

/** The way a reinstatement goes when it goes well, and how far each one got. */
export const FUNNEL = [
  { label: 'Invited', reached: (r: ReinstatementSummary) => Boolean(r.invitationSentAt) },
  { label: 'Accepted', reached: (r: ReinstatementSummary) => Boolean(r.acceptedAt) },
  { label: 'Awaiting assignment', reached: (r: ReinstatementSummary) => Boolean(r.instructionsSentAt) },
  { label: 'Reinstated', reached: (r: ReinstatementSummary) => r.state === 'Reinstated' },
] as const;

/** How long each step took, from when it could start to when it was done. */
const STEPS: {
  label: string;
  from: (r: ReinstatementSummary) => string | undefined;
  to: (r: ReinstatementSummary) => string | undefined;
}[] = [
  { label: 'Request to invitation sent', from: (r) => r.createdAt, to: (r) => r.invitationSentAt },
  { label: 'Invitation to acceptance', from: (r) => r.invitationSentAt, to: (r) => r.acceptedAt },
  { label: 'Acceptance to instructions sent', from: (r) => r.acceptedAt, to: (r) => r.instructionsSentAt },
  {
    label: 'Instructions to reinstated',
    from: (r) => r.instructionsSentAt,
    to: (r) => (r.state === 'Reinstated' ? r.stateChangedAt : undefined),
  },
];

export interface StepTiming {
  label: string;
  count: number;
  medianMs?: number;
  slowestMs?: number;
  /** The reinstatement that took longest, to look at. */
  slowestId?: string;
}

export interface Overview {
  total: number;
  byState: Record<ReinstatementState, number>;
  funnel: { label: string; reached: number }[];
  steps: StepTiming[];
}

export function overviewOf(rows: readonly ReinstatementSummary[]): Overview {
  const byState = Object.fromEntries(ReinstatementStates.map((s) => [s, 0])) as Record<
    ReinstatementState,
    number
  >;
  for (const r of rows) byState[r.state]++;
  const steps = STEPS.map((step): StepTiming => {
    const took = rows
      .map((r) => {
        const from = step.from(r);
        const to = step.to(r);
        return from && to ? { id: r.id, ms: Date.parse(to) - Date.parse(from) } : undefined;
      })
      .filter((t): t is { id: string; ms: number } => t !== undefined && Number.isFinite(t.ms))
      .sort((a, b) => a.ms - b.ms);
    if (took.length === 0) return { label: step.label, count: 0 };
    const middle = took.length / 2;
    const median = Number.isInteger(middle)
      ? ((took[middle - 1]?.ms ?? 0) + (took[middle]?.ms ?? 0)) / 2
      : (took[Math.floor(middle)]?.ms ?? 0);
    const slowest = took[took.length - 1] as { id: string; ms: number };
    return {
      label: step.label,
      count: took.length,
      medianMs: median,
      slowestMs: slowest.ms,
      slowestId: slowest.id,
    };
  });
  return {
    total: rows.length,
    byState,
    funnel: FUNNEL.map((f) => ({ label: f.label, reached: rows.filter(f.reached).length })),
    steps,
  };
}

export const SORT_KEYS = {
  updated: (r: ReinstatementSummary) => r.updatedAt,
  created: (r: ReinstatementSummary) => r.createdAt,
  customer: (r: ReinstatementSummary) => r.customerName.toLowerCase(),
  state: (r: ReinstatementSummary) => String(ReinstatementStates.indexOf(r.state)).padStart(2, '0'),
} as const;
export type SortKey = keyof typeof SORT_KEYS;
/** A sort named in the address: one of the table's own keys, never an inherited member. */
const isSortKey = (value: string): value is SortKey => Object.hasOwn(SORT_KEYS, value);

export interface TableQuery {
  /** Part of a customer's name, or of its tenant id. */
  search: string;
  state?: ReinstatementState;
  sort: SortKey;
  descending: boolean;
  page: number;
  pageSize: number;
}

export const PAGE_SIZES = [25, 50, 100, 200] as const;

/** The table's query from the page's address; anything unrecognised falls back to the default. */
export function tableQueryFrom(query: URLSearchParams): TableQuery {
  const state = query.get('state') ?? '';
  const sort = query.get('sort') ?? '';
  const page = Number(query.get('page') ?? '1');
  const pageSize = Number(query.get('pageSize') ?? '50');
  return {
    search: (query.get('q') ?? '').trim().slice(0, 200),
    ...(isReinstatementState(state) ? { state } : {}),
    sort: isSortKey(sort) ? sort : 'updated',
    descending: query.get('dir')
      ? query.get('dir') !== 'asc'
      : !isSortKey(sort) || sort === 'updated' || sort === 'created',
    page: Number.isInteger(page) && page >= 1 ? page : 1,
    pageSize: (PAGE_SIZES as readonly number[]).includes(pageSize) ? pageSize : 50,
  };
}

/** The query as address parameters (for links that change one thing and keep the rest). */
export function tableQueryParams(query: TableQuery, change: Partial<TableQuery> = {}): string {
  const q = { ...query, ...change };
  const params = new URLSearchParams();
  if (q.search) params.set('q', q.search);
  if (q.state) params.set('state', q.state);
  params.set('sort', q.sort);
  params.set('dir', q.descending ? 'desc' : 'asc');
  if (q.page > 1) params.set('page', String(q.page));
  if (q.pageSize !== 50) params.set('pageSize', String(q.pageSize));
  return params.toString();
}

/** Whether a row's customer matches a search (lower case): its name or tenant id contains it. */
export function matchesCustomer(
  row: { customerName: string; customerTenantId: string },
  needle: string,
): boolean {
  return (
    !needle ||
    row.customerName.toLowerCase().includes(needle) ||
    row.customerTenantId.toLowerCase().includes(needle)
  );
}

/** The rows the filter keeps, sorted (all of them: the export takes them all). */
export function filtered(rows: readonly ReinstatementSummary[], query: TableQuery): ReinstatementSummary[] {
  const needle = query.search.toLowerCase();
  const key = SORT_KEYS[query.sort];
  return rows
    .filter((r) => !query.state || r.state === query.state)
    .filter((r) => matchesCustomer(r, needle))
    .sort((a, b) => {
      const order = key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : a.id < b.id ? -1 : 1;
      return query.descending ? -order : order;
    });
}

export function pageOf<T>(
  rows: readonly T[],
  query: TableQuery,
): { items: T[]; page: number; pages: number } {
  const pages = Math.max(1, Math.ceil(rows.length / query.pageSize));
  const page = Math.min(query.page, pages);
  return { items: rows.slice((page - 1) * query.pageSize, page * query.pageSize), page, pages };
}

/** The export's columns, headed as the console names them; the state in words too. */
export const EXPORT_COLUMNS = {
  id: 'Reinstatement ID',
  customerName: 'Customer name',
  customerTenantId: 'Customer tenant ID',
  state: 'State',
  createdAt: 'Requested (UTC)',
  invitationSentAt: 'Invitation sent (UTC)',
  acceptedAt: 'Accepted (UTC)',
  instructionsSentAt: 'Instructions sent (UTC)',
  stateChangedAt: 'State since (UTC)',
} as const satisfies Partial<Record<keyof ReinstatementSummary, string>>;

/** The filtered rows as CSV, every cell safe to open in a spreadsheet. */
export function exportCsv(rows: readonly ReinstatementSummary[]): string {
  const keys = Object.keys(EXPORT_COLUMNS) as (keyof typeof EXPORT_COLUMNS)[];
  const cell = (r: ReinstatementSummary, key: keyof typeof EXPORT_COLUMNS) =>
    key === 'state' ? stateLabel(r.state) : (r[key] ?? '');
  return safeCsv([Object.values(EXPORT_COLUMNS), ...rows.map((r) => keys.map((key) => cell(r, key)))]);
}
