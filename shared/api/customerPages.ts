import type { Reinstatement, ScopeStatus } from '../model/reinstatement';
import {
  renderFullGuide,
  type CustomerScripts,
  type ProcedureScripts,
  type ScriptCommand,
} from '../instructions/customerScripts';
import { scriptFileUrl } from '../instructions/procedures';
import { PAGE_HEADERS } from '../web/assets';
import { html, type Html } from '../web/html';
import { grantLinks } from '../instructions/grantTemplates';
import {
  findKnownErrors,
  knownErrorForFinding,
  knownErrorsIn,
  type KnownError,
} from '../instructions/knownErrors';
import type { Sender } from '../email/templates/message';
import { scopeCheckInWords } from '../i18n/findings';
import { translator, type Translator } from '../i18n/translator';
import { acceptedLanguages } from '../i18n/acceptLanguage';
import { LANGUAGE_NAMES, LANGUAGES, parseLanguage, type Language } from '../model/languages';
import type { ApiResponse } from './problem';

/**
 * The language a customer's page is shown in, and what its language switcher offers: the language
 * the customer chose on the page (kept in the address as `?lang=`), else the reinstatement's own; the
 * switcher lists the reinstatement's language first, then those the browser asks for
 * (`Accept-Language`), and offers the browser's first choice in its own words when the page is in
 * another one.
 */
export interface PageLanguage {
  /** The language the page is written in. */
  language: Language;
  /** The reinstatement's own language (the default language for a page without one). */
  own: Language;
  /** The languages the browser asks for, most wanted first. */
  browser: readonly Language[];
  /** The page's address without `lang`: each switcher link adds its language to it. */
  path: string;
  /** Whether the customer chose the language on the page: the page's links and forms then keep it. */
  chosen: boolean;
}

/**
 * The language of a customer's page at `path`: `?lang=` when it names a supported language, else the
 * reinstatement's own (`own`), else (for a page that knows no reinstatement) the browser's first
 * supported choice, else the partner's default language.
 */
export function pageLanguageOf(request: {
  path: string;
  query: URLSearchParams;
  acceptLanguage: string | null;
  own: Language | undefined;
  fallback: Language;
}): PageLanguage {
  const chosen = parseLanguage(request.query.get('lang'));
  const browser = acceptedLanguages(request.acceptLanguage);
  const own = request.own ?? browser[0] ?? request.fallback;
  return { language: chosen ?? own, own, browser, path: request.path, chosen: chosen !== undefined };
}

/** `?lang=` for the page's own links once the customer chose a language, so that it stays chosen. */
export function languageQuery(page: PageLanguage | undefined, separator: '?' | '&' = '?'): string {
  return page?.chosen ? `${separator}lang=${encodeURIComponent(page.language)}` : '';
}

/** The links to read the page in another language: each in its own words, keyboard reachable. */
function languageSwitcher(page: PageLanguage, t: Translator): Html {
  const order = [...new Set<Language>([page.own, ...page.browser, ...LANGUAGES])];
  // Relative to the page itself: the address (and its token) is never written into the page, so a
  // refused link's page is the same whatever was asked for.
  const link = (language: Language) => `?lang=${encodeURIComponent(language)}`;
  const [wanted] = page.browser;
  const suggestion =
    wanted && wanted !== page.language
      ? html`<p lang="${wanted}">
          <a href="${link(wanted)}" hreflang="${wanted}"
            >${translator(wanted).text('page.language.suggest')}</a
          >
        </p>`
      : '';
  return html`<nav class="languages" aria-label="${t.text('page.language.label')}">
    ${suggestion}
    <ul>
      ${order.map((language) =>
        language === page.language
          ? html`<li>
              <a href="${link(language)}" lang="${language}" aria-current="page"
                >${LANGUAGE_NAMES[language].own}</a
              >
            </li>`
          : html`<li>
              <a href="${link(language)}" lang="${language}" hreflang="${language}"
                >${LANGUAGE_NAMES[language].own}</a
              >
            </li>`,
      )}
    </ul>
  </nav>`;
}

const strong = (text: string) => html`<strong>${text}</strong>`;
const mailto = (address: string) => html`<a href="mailto:${address}">${address}</a>`;

/** Who the customer's pages speak for: the partner's name in the header, its contact in the footer. */
function framed(sender: Sender | undefined, body: Html, t: Translator, language?: PageLanguage): Html {
  const switcher = language ? languageSwitcher(language, t) : '';
  if (!sender) return html`${switcher}${body}`;
  const contact = html`${mailto(sender.supportEmail)}${sender.supportPhone ? html` · ${sender.supportPhone}` : ''}${
    sender.website ? html` · <a href="${sender.website}">${sender.website}</a>` : ''
  }`;
  return html`<header
      style="background:#0f6cbd;color:#fff;padding:.8rem 1rem;font-weight:600;border-radius:4px"
    >
      ${sender.partnerName}
    </header>
    ${switcher} ${body}
    <footer style="margin-top:2rem;border-top:1px solid #ddd;padding-top:.8rem;font-size:.85rem;color:#555">
      <p>${t.html('page.footer.partner', { partnerName: sender.partnerName, contact })}</p>
      <p>${t.text('page.footer.genuine')}</p>
    </footer>`;
}

/**
 * A page of this app: its own stylesheet and script only (the page works without the script, which
 * adds copy buttons and tabs), nothing from elsewhere, never framed, never cached. Its language is
 * declared (`lang`), so that screen readers read it in the right voice.
 */
export const htmlPage = (
  title: string,
  body: Html,
  status = 200,
  sender?: Sender,
  language?: PageLanguage,
): ApiResponse => {
  const t = translator(language?.language ?? 'en');
  return {
    status,
    headers: { ...PAGE_HEADERS, 'Content-Language': t.language },
    body: html`<!doctype html>
      <html lang="${t.language}">
        <head>
          <meta charset="utf-8" />
          <title>${title}</title>
          <meta name="viewport" content="width=device-width,initial-scale=1" />
          <link rel="stylesheet" href="/api/assets/app.css" />
          <script src="/api/assets/app.js" defer></script>
        </head>
        <body>
          <main class="wrap" style="max-width:60rem;padding-top:1rem">
            ${framed(sender, body, t, language)}
          </main>
        </body>
      </html>`.text,
  };
};

/**
 * The one page every invalid, expired or misused link gets: it says nothing about why. It knows no
 * reinstatement, so it is in the language the browser asks for (or the one chosen on it).
 */
export function invalidLinkPage(sender: Sender, language?: PageLanguage): ApiResponse {
  const t = translator(language?.language ?? 'en');
  return htmlPage(
    t.text('page.invalid.title'),
    html`<h1>${t.text('page.invalid.heading')}</h1>
      <p>
        ${t.text('page.invalid.body', { partnerName: sender.partnerName, supportEmail: sender.supportEmail })}
      </p>`,
    404,
    undefined,
    language,
  );
}

/** What the last "I've done it" did, carried across its redirect in the address (`?checked=`). */
export type CheckNotice = 'now' | 'soon';

export function checkNoticeFrom(value: string | null): CheckNotice | undefined {
  return value === 'now' || value === 'soon' ? value : undefined;
}

/** At most one check a minute: the page says when the next one is possible. */
const CHECK_INTERVAL_MS = 60_000;

function noticeText(notice: CheckNotice, reinstatement: Reinstatement, now: Date, t: Translator): string {
  if (notice === 'now') return t.text('page.notice.checkedNow');
  const last = Date.parse(reinstatement.lastCustomerCheckAt ?? '');
  const seconds = Number.isNaN(last) ? 0 : Math.ceil((CHECK_INTERVAL_MS - (now.getTime() - last)) / 1000);
  return seconds > 0
    ? t.text('page.notice.checkedSoon', { seconds })
    : t.text('page.notice.checkedSoonAskNow');
}

const verifiedCount = (scopes: readonly ScopeStatus[]) =>
  scopes.filter((s) => s.status === 'Verified').length;

export interface InstructionsPageOptions {
  doneAction: string;
  /** Where the "If you see this error" search is sent (this page, GET `error=`). */
  searchAction: string;
  /** A message the customer pasted into the search. */
  pastedError?: string | undefined;
  sender: Sender;
  /** The customer's link (`.../api/c/<token>`): the one-click grants and the files hang below it. */
  linkBase: string;
  notice?: CheckNotice | undefined;
  now: Date;
  /** The page's language and switcher; English without one. */
  language?: PageLanguage;
}

/**
 * The commands for the scopes still to grant, a tab per shell, with who may use which path and what
 * to do when a command fails. `scripts` covers the pending scopes only, in the page's language.
 */
export function instructionsPage(
  reinstatement: Reinstatement,
  scripts: CustomerScripts,
  page: InstructionsPageOptions,
): ApiResponse {
  const t = translator(page.language?.language ?? 'en');
  const partner = page.sender.partnerName;
  const partnerPossessive = t.possessive(partner);
  const total = reinstatement.scopes.length;
  const verified = verifiedCount(reinstatement.scopes);
  const deploy = new Map(grantLinks(page.linkBase, reinstatement.scopes).map((l) => [l.scope, l.url]));
  const rows = reinstatement.scopes.map((scope) => {
    if (scope.status === 'Verified')
      return html`<li>
        ${scope.scope}:
        <strong>${t.text('page.scope.verified')}</strong
        >${scope.verifiedAt ? ` ${t.since(scope.verifiedAt, page.now)}` : ''}
      </li>`;
    const check = scope.lastCheck;
    const known = check ? knownErrorForFinding(check.finding, check.explanation, t.language) : undefined;
    const found = check
      ? html` (${t.text('page.scope.checked', { since: t.since(check.at, page.now), finding: scopeCheckInWords(check, t) })}${
          known ? html`; <a href="#known-${known.id}">${t.text('page.scope.whatToDo')}</a>` : ''
        })`
      : '';
    const url = deploy.get(scope.scope);
    const oneClick = url
      ? html` <a href="${url}" target="_blank" rel="noopener">Deploy to Azure</a>
          ${t.text('page.scope.deployHint')}`
      : '';
    return html`<li>
      ${scope.scope}: <strong>${t.text('page.scope.notGranted')}</strong>${found}${oneClick}
    </li>`;
  });
  const status = page.notice
    ? html`<p role="status" class="notice">${noticeText(page.notice, reinstatement, page.now, t)}</p>`
    : '';
  const roles = {
    owner: strong('Owner'),
    userAccessAdministrator: strong('User Access Administrator'),
    globalAdministrator: strong('Global Administrator'),
  };
  return htmlPage(
    t.text('page.instructions.title', { partnerPossessive }),
    html`<h1>
        ${t.text('page.instructions.heading', { partnerPossessive, customerName: reinstatement.customerName })}
      </h1>
      ${status}
      <h2>${t.text('page.instructions.whoHeading')}</h2>
      <p>${t.text('page.instructions.who', { partnerName: partner, verified, total })}</p>
      <h2>${t.text('page.instructions.whoCanHeading')}</h2>
      <ul>
        <li>${t.html('page.instructions.whoCan.accept', { partnerPossessive, ...roles })}</li>
        <li>${t.html('page.instructions.whoCan.commands', roles)}</li>
        <li>${t.html('page.instructions.whoCan.deploy', roles)}</li>
      </ul>
      <p>
        ${t.html('page.instructions.removal', { removeCommand: html`<code>Remove-AzRoleAssignment</code>` })}
      </p>
      <h2>${t.text('page.instructions.scopesHeading')}</h2>
      <ul>
        ${rows}
      </ul>
      <h2>${t.text('page.instructions.runHeading')}</h2>
      <p>${t.text('page.instructions.runIntro')}</p>
      ${procedureTabs(scripts, page.linkBase, t, languageQuery(page.language))}
      <form method="post" action="${page.doneAction}">
        <button type="submit">${t.text('page.instructions.doneButton')}</button>
      </form>
      <h2 id="support">${t.text('page.instructions.supportHeading')}</h2>
      <p>
        ${t.html('page.instructions.support', {
          partnerName: partner,
          openRequest: strong(t.text('page.instructions.openRequest')),
        })}
      </p>
      <p>${t.text('page.instructions.partnerHelp', { partnerName: partner })}</p>
      <details>
        <summary>${t.text('page.instructions.catchAllSummary')}</summary>
        ${commandList('catch-all', scripts.catchAll, t)}${scripts.catchAllFallbacks.map(
          (f) =>
            html`<p>
                <strong>${t.text('page.instructions.fallbackWhen', { when: f.when })}</strong> ${f.advice}
              </p>
              ${f.commands.length ? html`<pre>${f.commands.join('\n')}</pre>` : ''}`,
        )}
      </details>
      <details>
        <summary>${t.text('page.instructions.guideSummary')}</summary>
        <pre>${renderFullGuide(scripts)}</pre>
      </details>
      ${knownErrorsSection(page.searchAction, page.pastedError, t, page.language)}`,
    200,
    page.sender,
    page.language,
  );
}

/** A tab per procedure (one after the other without the page's script), each with its file. */
function procedureTabs(scripts: CustomerScripts, linkBase: string, t: Translator, query: string): Html {
  const tabs = scripts.procedures.map(
    ({ procedure }) =>
      html`<button
        type="button"
        role="tab"
        id="tab-${procedure.id}"
        aria-controls="panel-${procedure.id}"
        aria-selected="false"
      >
        ${procedure.label}
      </button>`,
  );
  const panels = scripts.procedures.map(
    (p: ProcedureScripts) =>
      html`<section
        role="tabpanel"
        id="panel-${p.procedure.id}"
        aria-labelledby="tab-${p.procedure.id}"
        tabindex="0"
      >
        <h3>${p.procedure.label}</h3>
        <p>
          ${p.procedure.where}
          <a href="${scriptFileUrl(linkBase, p.procedure)}${query}" download="${p.procedure.fileName}"
            >${t.text('page.tabs.download', { fileName: p.procedure.fileName })}</a
          >. ${p.procedure.howToRun}
        </p>
        ${commandList(p.procedure.id, p.steps, t)}
        <details>
          <summary>${t.text('page.tabs.troubleshootingSummary')}</summary>
          ${commandList(`${p.procedure.id}-trouble`, p.troubleshooting, t)}
          <p>
            ${t.html('page.tabs.thenSee', {
              supportLink: html`<a href="#support">${t.text('page.instructions.supportHeading')}</a>`,
            })}
          </p>
        </details>
      </section>`,
  );
  return html`<div role="tablist" aria-label="${t.text('page.tabs.label')}" hidden>${tabs}</div>
    ${panels}`;
}

/** Numbered commands, each with what it does and a copy button (shown when the script runs). */
function commandList(prefix: string, commands: readonly ScriptCommand[], t: Translator): Html {
  return html`<ol>
    ${commands.map(
      (c, i) =>
        html`<li class="command">
          <p>${c.purpose}</p>
          <pre id="${prefix}-${i + 1}">${c.command}</pre>
          <button
            type="button"
            class="copy secondary"
            data-copy="${prefix}-${i + 1}"
            data-copied="${t.text('page.copy.done')}"
            data-copy-failed="${t.text('page.copy.failed')}"
            hidden
          >
            ${t.text('page.copy.button')}
          </button>
        </li>`,
    )}
  </ol>`;
}

/**
 * "If you see this error": a search by pasting the message (no script: a GET form), and every entry.
 * Azure's messages stay as Azure prints them, in English, and say so (`lang="en"`).
 */
function knownErrorsSection(
  searchAction: string,
  pasted: string | undefined,
  t: Translator,
  language: PageLanguage | undefined,
): Html {
  const entry = (e: KnownError) =>
    html`<section id="known-${e.id}" style="border-top:1px solid #ddd;padding:.5rem 0">
      <h3 style="margin:.3rem 0;font-size:1rem" lang="en">${e.message}</h3>
      <p style="margin:.2rem 0;color:#555">${e.tool}</p>
      <p style="margin:.2rem 0"><strong>${t.text('page.knownErrors.why')}</strong> ${e.cause}</p>
      <p style="margin:.2rem 0"><strong>${t.text('page.knownErrors.whatToDo')}</strong> ${e.fix}</p>
      ${
        e.commands.length
          ? html`<pre style="background:#f4f4f4;padding:.5rem;overflow:auto">${e.commands.join('\n')}</pre>`
          : ''
      }
      <p style="margin:.2rem 0;font-size:.85rem">
        ${t.text('page.knownErrors.source', { source: e.source })}
      </p>
    </section>`;
  let result: Html | string = '';
  if (pasted?.trim()) {
    const matches = findKnownErrors(pasted, t.language);
    result = matches.length
      ? html`<div id="search-result" style="background:#eef6ee;padding:.5rem 1rem">
          <h3>${t.text('page.knownErrors.known')}</h3>
          ${matches.map(entry)}
        </div>`
      : html`<div id="search-result" style="background:#fff6e5;padding:.5rem 1rem">
          <p>
            ${t.html('page.knownErrors.unknown', {
              supportLink: html`<a href="#support">${t.text('page.instructions.supportHeading')}</a>`,
            })}
          </p>
        </div>`;
  }
  return html`<h2 id="known-errors">${t.text('page.knownErrors.heading')}</h2>
    <form method="get" action="${searchAction}#known-errors">
      ${language?.chosen ? html`<input type="hidden" name="lang" value="${language.language}" />` : ''}
      <label for="error">${t.text('page.knownErrors.pasteLabel')}</label><br /><textarea
        id="error"
        name="error"
        rows="3"
        cols="80"
        maxlength="2000"
      >
${pasted ?? ''}</textarea
      ><br /><button type="submit">${t.text('page.knownErrors.findButton')}</button>
    </form>
    ${result} ${knownErrorsIn(t.language).map((e) => html`${entry(e)} `)}`;
}

/**
 * Every requested scope is granted: nothing is left to do, whatever the link. The removal commands
 * stay at hand, because the customer may take the access back whenever they choose.
 */
export function grantedPage(
  reinstatement: Reinstatement,
  sender: Sender,
  removal: readonly ScriptCommand[] | undefined,
  notice?: CheckNotice,
  language?: PageLanguage,
): ApiResponse {
  const t = translator(language?.language ?? 'en');
  const title = t.text('page.granted.title');
  return htmlPage(
    title,
    html`<h1>${title}</h1>
      ${notice === 'now' ? html`<p role="status" class="notice">${t.text('page.notice.checkedNow')}</p>` : ''}
      <p>
        ${t.text('page.granted.body', {
          partnerPossessive: t.possessive(sender.partnerName),
          customerName: reinstatement.customerName,
        })}
      </p>
      <ul>
        ${reinstatement.scopes.map((s) => html`<li>${s.scope}: <strong>${t.text('page.scope.verified')}</strong></li>`)}
      </ul>
      <p>${t.text('page.granted.removal', { withCommands: removal?.length ? 'yes' : 'no' })}</p>
      ${removal?.length ? commandList('removal', removal, t) : ''}`,
    200,
    sender,
    language,
  );
}

/**
 * What a customer's link shows once its request is no longer waiting for them: withdrawn, expired,
 * failed, or (for the invitation) accepted already. Never the commands, never a forward to the admin
 * center for a request that no longer stands.
 */
export function requestStatePage(
  reinstatement: Reinstatement,
  sender: Sender,
  language?: PageLanguage,
): ApiResponse {
  const t = translator(language?.language ?? 'en');
  const words = {
    partnerName: sender.partnerName,
    partnerPossessive: t.possessive(sender.partnerName),
    customerName: reinstatement.customerName,
    customerPossessive: t.possessive(reinstatement.customerName),
    date: t.date(reinstatement.stateChangedAt),
  };
  const ask = html`<p>
    ${t.html('page.state.questions', { partnerName: sender.partnerName, email: mailto(sender.supportEmail) })}
  </p>`;
  const page = (state: StateWords) => {
    const title = t.text(`page.state.${state}.title` as const);
    return htmlPage(
      title,
      html`<h1>${title}</h1>
        <p>${t.text(`page.state.${state}.body` as const, words)}</p>
        ${ask}`,
      200,
      sender,
      language,
    );
  };
  switch (reinstatement.state) {
    case 'Cancelled':
      return page('cancelled');
    case 'Expired':
      return page('expired');
    case 'Failed':
      return page('failed');
    case 'Accepted':
    case 'AwaitingRoleAssignment':
      return page('accepted');
    case 'Reinstated':
      return page('reinstated');
    case 'Requested':
    case 'InvitationSent':
      return page('notAccepted');
  }
}

/** The states a link's page words, by their keys in the catalogues (`page.state.<words>.title`). */
type StateWords = 'cancelled' | 'expired' | 'failed' | 'accepted' | 'reinstated' | 'notAccepted';
