import type { ApiResponse } from '../api/problem';
import type { SignedInPerson } from '../api/signedInPerson';
import { mayDo } from '../api/signedInPerson';
import type { ReinstatementState } from '../model/states';
import { STATE_WORDS } from '../model/stateWords';
import { html, Html } from '../web/html';
import { PAGE_HEADERS } from '../web/assets';

/** Where the console lives under the app's route prefix. */
export const CONSOLE = '/api/console';

/** A console page: the partner's name, the navigation, who is signed in, and the page. */
export function consolePage(
  title: string,
  person: SignedInPerson,
  partnerName: string,
  body: Html,
  options: { status?: number; refreshSeconds?: number } = {},
): ApiResponse {
  const nav = [
    ['Overview', `${CONSOLE}`],
    ['Reinstatements', `${CONSOLE}/reinstatements`],
    ['Access', `${CONSOLE}/access`],
    ...(mayDo(person, 'operate')
      ? [
          ['Start one', `${CONSOLE}/start`],
          ['Bulk start', `${CONSOLE}/bulk`],
        ]
      : []),
  ];
  return {
    status: options.status ?? 200,
    headers: PAGE_HEADERS,
    body: html`<!doctype html>
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <title>${title} · ${partnerName} reinstatements</title>
          <meta name="viewport" content="width=device-width,initial-scale=1" />
          ${
            options.refreshSeconds
              ? new Html(`<meta http-equiv="refresh" content="${options.refreshSeconds}">`)
              : ''
          }
          <link rel="stylesheet" href="/api/assets/app.css" />
          <script src="/api/assets/app.js" defer></script>
        </head>
        <body>
          <header class="bar">
            <div class="wrap">
              <span class="brand">${partnerName} · admin-rights reinstatement</span>
              <nav aria-label="Console">
                <ul>
                  ${nav.map(([label, href]) => html`<li><a href="${href}">${label}</a></li>`)}
                </ul>
              </nav>
              <span
                >${person.displayName} (${person.roles.join(', ') || 'no role'}) ·
                <a href="/.auth/logout?post_logout_redirect_uri=/api/console">Sign out</a></span
              >
            </div>
          </header>
          <main class="wrap">${body}</main>
        </body>
      </html>`.text,
  };
}

/** The console's own short pages (not signed in properly, not allowed, not configured). */
export function plainConsolePage(title: string, message: Html, status: number): ApiResponse {
  return {
    status,
    headers: PAGE_HEADERS,
    body: html`<!doctype html>
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <title>${title}</title>
          <meta name="viewport" content="width=device-width,initial-scale=1" />
          <link rel="stylesheet" href="/api/assets/app.css" />
        </head>
        <body>
          <main class="wrap">
            <h1>${title}</h1>
            ${message}
          </main>
        </body>
      </html>`.text,
  };
}

/** A time: exact in UTC in the page; the page's script makes it relative, exact in the viewer's zone on hover. */
export const when = (at: string | undefined): Html =>
  at
    ? html`<time datetime="${at}" title="${at.replace('T', ' ').slice(0, 16)} UTC"
        >${at.replace('T', ' ').slice(0, 16)} UTC</time
      >`
    : html`<span class="muted">—</span>`;

/** A state by its label, its explanation on hover; the class keeps the identifier for the colours. */
export const stateBadge = (state: ReinstatementState): Html =>
  html`<span class="state state-${state}" title="${STATE_WORDS[state].explanation}"
    >${STATE_WORDS[state].label}</span
  >`;

/** "3 h 20 min", "2 d 4 h", "45 s". */
export function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${m % 60} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

/** A table of rows of cells, scrolling sideways on a phone rather than overflowing the page. */
export function dataTable(
  columns: readonly (string | Html)[],
  rows: readonly (readonly unknown[])[],
  options: { id?: string; caption?: string } = {},
): Html {
  const head = columns.map((c) => (c instanceof Html ? c : html`<th scope="col">${c}</th>`));
  const body = rows.map(
    (cells) =>
      html`<tr>
        ${cells.map((cell) => html`<td>${cell}</td>`)}
      </tr>`,
  );
  return html`<div class="table-wrap"><table${options.id ? html` id="${options.id}"` : ''}>${
    options.caption
      ? html`<caption class="muted">
          ${options.caption}
        </caption>`
      : ''
  }<thead><tr>${head}</tr></thead><tbody>${body}</tbody></table></div>`;
}
