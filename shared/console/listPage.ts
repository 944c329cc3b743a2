import { ReinstatementStates } from '../model/states';
import { stateLabel } from '../model/stateWords';
import type { ReinstatementSummary } from '../storage/reinstatementEntity';
import { CONSOLE, dataTable, stateBadge, when } from './layout';
import { html, type Html } from '../web/html';
import { PAGE_SIZES, tableQueryParams, type SortKey, type TableQuery } from './reinstatementQueries';

const COLUMNS: { key?: SortKey; label: string }[] = [
  { key: 'customer', label: 'Customer' },
  { label: 'Tenant id' },
  { key: 'state', label: 'State' },
  { key: 'created', label: 'Requested' },
  { key: 'updated', label: 'Last change' },
];

/** The reinstatements table: search, filter by state, sort by a column, page, export what is shown. */
export function listBody(
  rows: readonly ReinstatementSummary[],
  query: TableQuery,
  paging: { page: number; pages: number; total: number },
): Html {
  const link = (change: Partial<TableQuery>) =>
    `${CONSOLE}/reinstatements?${tableQueryParams(query, change)}`;
  const header = (c: (typeof COLUMNS)[number]) => {
    if (!c.key) return html`<th scope="col">${c.label}</th>`;
    const current = query.sort === c.key;
    const sort = current ? (query.descending ? 'descending' : 'ascending') : 'none';
    return html`<th scope="col" aria-sort="${sort}">
      <a
        href="${link({ sort: c.key, descending: current ? !query.descending : c.key === 'updated' || c.key === 'created', page: 1 })}"
        >${c.label}${current ? (query.descending ? ' ▼' : ' ▲') : ''}</a
      >
    </th>`;
  };
  return html`<h1>Reinstatements</h1>
    <form class="filters" method="get" action="${CONSOLE}/reinstatements" role="search">
      <div class="field">
        <label for="q">Customer name or tenant id</label><input id="q" name="q" value="${query.search}" />
      </div>
      <div class="field">
        <label for="state">State</label
        ><select id="state" name="state">
          <option value="">Any state</option>
          ${ReinstatementStates.map(
            (s) =>
              html`<option value="${s}" ${query.state === s ? html` selected` : ''}>
                ${stateLabel(s)}
              </option>`,
          )}
        </select>
      </div>
      <div class="field">
        <label for="pageSize">Rows per page</label
        ><select id="pageSize" name="pageSize">
          ${PAGE_SIZES.map((n) => html`<option${query.pageSize === n ? html` selected` : ''}>${n}</option>`)}
        </select>
      </div>
      <input type="hidden" name="sort" value="${query.sort}" /><input
        type="hidden"
        name="dir"
        value="${query.descending ? 'desc' : 'asc'}"
      />
      <button type="submit">Show</button>
      <a class="button secondary" href="${CONSOLE}/reinstatements.csv?${tableQueryParams(query, { page: 1 })}"
        >Export these ${paging.total} as CSV</a
      >
    </form>
    <p role="status">
      ${paging.total} ${paging.total === 1 ? 'match' : 'matches'}; page ${paging.page} of ${paging.pages}.
    </p>
    ${dataTable(
      COLUMNS.map(header),
      rows.map((r) => [
        html`<a href="${CONSOLE}/reinstatements/${r.id}">${r.customerName}</a>`,
        html`<code>${r.customerTenantId}</code>`,
        stateBadge(r.state),
        when(r.createdAt),
        when(r.updatedAt),
      ]),
      { id: 'reinstatements' },
    )}
    ${rows.length === 0 ? html`<p>Nothing matches. <a href="${CONSOLE}/reinstatements">Show all</a></p>` : ''}
    <nav class="pager" aria-label="Pages">
      ${
        paging.page > 1 ? html`<a href="${link({ page: paging.page - 1 })}" rel="prev">Previous page</a>` : ''
      }${paging.page < paging.pages ? html`<a href="${link({ page: paging.page + 1 })}" rel="next">Next page</a>` : ''}
    </nav>`;
}
