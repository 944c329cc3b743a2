import type { Container } from '../app/container';
import { isFinalState } from '../model/states';
import { isWatchChange, WATCH_CHANGES, type WatchChange } from '../model/watch';
import type { ReinstatementSummary } from '../storage/reinstatementEntity';
import type { ScanRecord, ScanStanding } from '../storage/scanRepository';
import { countOf, dayInWords } from '../text/words';
import { CHANGE_WORDS, OUTCOME_WORDS } from '../vocabulary/watch';
import { html, type Html } from '../web/html';
import { CONSOLE, dataTable, when } from './layout';
import { matchesCustomer } from './reinstatementQueries';

/** Rows a page of the Access table shows: 5,000 customers' subscriptions render a page at a time. */
export const ACCESS_PAGE_SIZE = 100;

/** The Access page's query, from its address. */
export interface AccessQuery {
  /** Part of a customer's name, or of its tenant id. */
  search: string;
  change?: WatchChange;
  /** A change the address asked for that the page does not know: said back as text, never used. */
  unknownChange?: string;
  page: number;
}

/** The query from the page's address: a change it does not know is kept aside to say so. */
export function accessQueryFrom(query: URLSearchParams): AccessQuery {
  const change = query.get('change') ?? '';
  const page = Number(query.get('page') ?? '1');
  return {
    search: (query.get('q') ?? '').trim().slice(0, 200),
    ...(isWatchChange(change) ? { change } : change ? { unknownChange: change.slice(0, 100) } : {}),
    page: Number.isInteger(page) && page >= 1 ? page : 1,
  };
}

/** The query as address parameters (for links that change one thing and keep the rest). */
export function accessQueryParams(query: AccessQuery, change: Partial<AccessQuery> = {}): string {
  const q = { ...query, ...change };
  const params = new URLSearchParams();
  if (q.search) params.set('q', q.search);
  if (q.change) params.set('change', q.change);
  if (q.page > 1) params.set('page', String(q.page));
  return params.toString();
}

/** One row of the table: a subscription's standing, with the customer's reinstatements now. */
export interface AccessRow {
  standing: ScanStanding;
  /** The customer's reinstatement that is running now (the one covering this subscription first). */
  running?: string;
  /** How many reinstatements the customer has had, running or ended. */
  reinstatements: number;
}

/**
 * The rows the query keeps, by customer name, tenant and subscription, each with its customer's
 * reinstatements as they stand now (the scan's mark may be a day old).
 */
export function accessRowsOf(
  standings: readonly ScanStanding[],
  summaries: readonly ReinstatementSummary[],
  query: AccessQuery,
): AccessRow[] {
  const byCustomer = new Map<string, ReinstatementSummary[]>();
  for (const s of summaries) {
    const key = s.customerTenantId.toLowerCase();
    byCustomer.set(key, [...(byCustomer.get(key) ?? []), s]);
  }
  const needle = query.search.toLowerCase();
  return standings
    .filter((s) => !query.change || s.change === query.change)
    .filter((s) => matchesCustomer(s, needle))
    .sort(
      (a, b) =>
        compare(a.customerName.toLowerCase(), b.customerName.toLowerCase()) ||
        compare(a.customerTenantId, b.customerTenantId) ||
        compare(a.subscriptionId ?? '', b.subscriptionId ?? ''),
    )
    .map((standing) => {
      const theirs = byCustomer.get(standing.customerTenantId.toLowerCase()) ?? [];
      const running = theirs
        .filter((r) => !isFinalState(r.state))
        .sort((a, b) => compare(b.createdAt, a.createdAt));
      const covering = running.find((r) => r.id === standing.inReinstatement) ?? running[0];
      return { standing, reinstatements: theirs.length, ...(covering ? { running: covering.id } : {}) };
    });
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export function accessPageOf(
  rows: readonly AccessRow[],
  query: AccessQuery,
): { items: AccessRow[]; page: number; pages: number } {
  const pages = Math.max(1, Math.ceil(rows.length / ACCESS_PAGE_SIZE));
  const page = Math.min(query.page, pages);
  return { items: rows.slice((page - 1) * ACCESS_PAGE_SIZE, page * ACCESS_PAGE_SIZE), page, pages };
}

/** The start form, filled in for one subscription of a customer. */
export const startLinkFor = (customerTenantId: string, subscriptionId: string): string =>
  `${CONSOLE}/start?${new URLSearchParams({ customerTenantId, subscriptionId }).toString()}`;

/** What the page shows: the latest finished scan's rows, or why there are none. */
export type AccessView =
  | { kind: 'no-scan'; running: boolean }
  | {
      kind: 'scan';
      scan: ScanRecord;
      /** Every row the query keeps (counted), of which the page shows one page. */
      rows: AccessRow[];
      counts: { subscriptions: number; lost: number; newlyLost: number };
    };

/** Reads the latest finished scan and the reinstatements, and keeps the rows the query asks for. */
export async function accessView(
  app: Pick<Container, 'scans' | 'repository'>,
  query: AccessQuery,
): Promise<AccessView> {
  const scanId = await app.scans.latestFinished();
  const scan = scanId ? await app.scans.get(scanId) : undefined;
  if (!scanId || !scan) return { kind: 'no-scan', running: (await app.scans.running()).length > 0 };
  const [standings, summaries] = await Promise.all([
    app.scans.standings(scanId),
    app.repository.listSummaries(),
  ]);
  const listed = standings.filter((s) => s.change !== 'gone' && s.subscriptionId);
  return {
    kind: 'scan',
    scan,
    rows: accessRowsOf(standings, summaries, query),
    counts: {
      subscriptions: listed.length,
      lost: listed.filter((s) => s.outcome === 'lost-access').length,
      newlyLost: listed.filter((s) => s.change === 'newly-lost').length,
    },
  };
}

/** Since when it has stood as it does: a day in words, the exact time in UTC on hover. */
function since(s: ScanStanding): Html {
  const day = (at: string, words = '') =>
    html`<span title="${at.replace('T', ' ').slice(0, 16)} UTC">${words}${dayInWords(at)}</span>`;
  if (s.outcome === 'has-access' && s.change !== 'gone')
    return s.accessSince ? day(s.accessSince) : html`<span class="muted">—</span>`;
  if (s.lastAccessAt) return day(s.lastAccessAt, 'Last had them ');
  return html`<span class="muted">Not seen with them</span>`;
}

/** The words of a watch fact, its explanation beside them for screen readers and on hover. */
const words = (w: { label: string; explanation: string }, className: string): Html =>
  html`<span class="${className}" title="${w.explanation}">${w.label}</span>`;

function historyCell(row: AccessRow): Html {
  const tenant = row.standing.customerTenantId;
  const link = `${CONSOLE}/reinstatements?${new URLSearchParams({ q: tenant }).toString()}`;
  if (row.reinstatements === 0) return html`<span class="muted">No reinstatement yet</span>`;
  return html`<a href="${link}">${countOf(row.reinstatements, 'reinstatement')}</a>${
      row.running ? html`, one running` : ''
    }`;
}

function actionCell(row: AccessRow, mayOperate: boolean): Html {
  const s = row.standing;
  if (row.running) return html`<a href="${CONSOLE}/reinstatements/${row.running}">Being reinstated</a>`;
  if (s.outcome !== 'lost-access' || s.change === 'gone' || !s.subscriptionId) return html``;
  return mayOperate
    ? html`<a href="${startLinkFor(s.customerTenantId, s.subscriptionId)}">Start reinstatement</a>`
    : html`<span class="muted">To reinstate</span>`;
}

/** The Access page: every customer's Azure subscriptions from the latest finished scan. */
export function accessBody(view: AccessView, query: AccessQuery, options: { mayOperate: boolean }): Html {
  if (view.kind === 'no-scan')
    return html`<h1>Access</h1>
      <p role="status">
        No scan has finished yet, so there is no customer to show.
        ${
          view.running
            ? 'A scan is running now; this page fills in when it finishes.'
            : html`A scan runs by itself every day (the app setting <code>SCAN_SCHEDULE</code>, 05:30 UTC
                unless set otherwise); to run one now, partner tooling posts to <code>/api/scans</code> with
                the function key.`
        }
      </p>`;
  const shown = accessPageOf(view.rows, query);
  const link = (change: Partial<AccessQuery>) => `${CONSOLE}/access?${accessQueryParams(query, change)}`;
  const c = view.counts;
  return html`<h1>Access</h1>
    <p>
      From the scan that finished ${when(view.scan.finishedAt)}:
      ${countOf(c.subscriptions, 'Azure subscription')} of ${countOf(view.scan.customersListed, 'customer')};
      ${c.lost} without admin rights, ${c.newlyLost} newly lost since the scan before.
    </p>
    ${
      query.unknownChange !== undefined
        ? html`<p class="notice bad" role="alert">
            “${query.unknownChange}” is not a change this page knows; showing every change. Choose one of:
            ${WATCH_CHANGES.map((w) => CHANGE_WORDS[w].label).join(', ')}.
          </p>`
        : ''
    }
    <form class="filters" method="get" action="${CONSOLE}/access" role="search">
      <div class="field">
        <label for="q">Customer name or tenant id</label><input id="q" name="q" value="${query.search}" />
      </div>
      <div class="field">
        <label for="change">Change since the previous scan</label
        ><select id="change" name="change">
          <option value="">Any change</option>
          ${WATCH_CHANGES.map(
            (w) =>
              html`<option value="${w}" ${query.change === w ? html` selected` : ''}>
                ${CHANGE_WORDS[w].label}
              </option>`,
          )}
        </select>
      </div>
      <button type="submit">Show</button>
    </form>
    <p role="status">
      ${countOf(view.rows.length, 'match', 'matches')}; page ${shown.page} of ${shown.pages}.
    </p>
    ${dataTable(
      [
        'Customer',
        'Azure subscription',
        'Admin rights',
        'Since',
        'Change since the previous scan',
        'History',
        'Action',
      ],
      shown.items.map((row) => {
        const s = row.standing;
        return [
          html`${s.customerName}<br /><code>${s.customerTenantId}</code>`,
          s.subscriptionId
            ? html`<code>${s.subscriptionId}</code>`
            : html`<span class="muted">Its subscriptions could not be listed</span>`,
          words(OUTCOME_WORDS[s.outcome], `outcome outcome-${s.outcome}`),
          since(s),
          s.change ? words(CHANGE_WORDS[s.change], 'change') : html`<span class="muted">—</span>`,
          historyCell(row),
          actionCell(row, options.mayOperate),
        ];
      }),
      { id: 'access' },
    )}
    ${view.rows.length === 0 ? html`<p>Nothing matches. <a href="${CONSOLE}/access">Show all</a></p>` : ''}
    <nav class="pager" aria-label="Pages">
      ${
        shown.page > 1 ? html`<a href="${link({ page: shown.page - 1 })}" rel="prev">Previous page</a>` : ''
      }${shown.page < shown.pages ? html`<a href="${link({ page: shown.page + 1 })}" rel="next">Next page</a>` : ''}
    </nav>`;
}
