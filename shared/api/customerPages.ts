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
  KNOWN_ERRORS,
  knownErrorForFinding,
  type KnownError,
} from '../instructions/knownErrors';
import type { Sender } from '../email/templates/message';
import { countOf, dayInWords, possessive, sinceInWords } from '../text/words';
import type { ApiResponse } from './problem';

/** Who the customer's pages speak for: the partner's name in the header, its contact in the footer. */
function framed(sender: Sender | undefined, body: Html): Html {
  if (!sender) return body;
  const contact = [
    html`<a href="mailto:${sender.supportEmail}">${sender.supportEmail}</a>`,
    ...(sender.supportPhone ? [html` · ${sender.supportPhone}`] : []),
    ...(sender.website ? [html` · <a href="${sender.website}">${sender.website}</a>`] : []),
  ];
  return html`<header
      style="background:#0f6cbd;color:#fff;padding:.8rem 1rem;font-weight:600;border-radius:4px"
    >
      ${sender.partnerName}
    </header>
    ${body}
    <footer style="margin-top:2rem;border-top:1px solid #ddd;padding-top:.8rem;font-size:.85rem;color:#555">
      <p>${sender.partnerName} is your Microsoft Cloud Solution Provider partner. Questions: ${contact}.</p>
      <p>
        Microsoft asks you to accept a partner relationship only in your own Microsoft 365 admin center
        (admin.microsoft.com), and you make the role assignment yourself, in your own Azure tenant. Nobody
        will ask for your password.
      </p>
    </footer>`;
}

/**
 * A page of this app: its own stylesheet and script only (the page works without the script, which
 * adds copy buttons and tabs), nothing from elsewhere, never framed, never cached.
 */
export const htmlPage = (title: string, body: Html, status = 200, sender?: Sender): ApiResponse => ({
  status,
  headers: PAGE_HEADERS,
  body: html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <title>${title}</title>
        <meta name="viewport" content="width=device-width,initial-scale=1" />
        <link rel="stylesheet" href="/api/assets/app.css" />
        <script src="/api/assets/app.js" defer></script>
      </head>
      <body>
        <main class="wrap" style="max-width:60rem;padding-top:1rem">${framed(sender, body)}</main>
      </body>
    </html>`.text,
});

/** The one page every invalid, expired or misused link gets: it says nothing about why. */
export function invalidLinkPage(sender: Sender): ApiResponse {
  return htmlPage(
    'Link not valid',
    html`<h1>This link is not valid</h1>
      <p>
        It may have expired. Please contact ${sender.partnerName} (${sender.supportEmail}) for a new one.
      </p>`,
    404,
  );
}

/** What the last "I've done it" did, carried across its redirect in the address (`?checked=`). */
export type CheckNotice = 'now' | 'soon';

export function checkNoticeFrom(value: string | null): CheckNotice | undefined {
  return value === 'now' || value === 'soon' ? value : undefined;
}

/** At most one check a minute: the page says when the next one is possible. */
const CHECK_INTERVAL_MS = 60_000;

function noticeText(notice: CheckNotice, reinstatement: Reinstatement, now: Date): string {
  if (notice === 'now') return 'We checked your role assignments just now.';
  const last = Date.parse(reinstatement.lastCustomerCheckAt ?? '');
  const seconds = Number.isNaN(last) ? 0 : Math.ceil((CHECK_INTERVAL_MS - (now.getTime() - last)) / 1000);
  return seconds > 0
    ? `We checked less than a minute ago; you can ask again in ${countOf(seconds, 'second')}.`
    : 'We checked less than a minute ago; you can ask again now.';
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
}

/**
 * The commands for the scopes still to grant, a tab per shell, with who may use which path and what
 * to do when a command fails. `scripts` covers the pending scopes only.
 */
export function instructionsPage(
  reinstatement: Reinstatement,
  scripts: CustomerScripts,
  page: InstructionsPageOptions,
): ApiResponse {
  const partner = page.sender.partnerName;
  const total = reinstatement.scopes.length;
  const verified = verifiedCount(reinstatement.scopes);
  const deploy = new Map(grantLinks(page.linkBase, reinstatement.scopes).map((l) => [l.scope, l.url]));
  const rows = reinstatement.scopes.map((scope) => {
    if (scope.status === 'Verified')
      return html`<li>
        ${scope.scope}:
        <strong>verified</strong>${scope.verifiedAt ? ` ${sinceInWords(scope.verifiedAt, page.now)}` : ''}
      </li>`;
    const check = scope.lastCheck;
    const known = check ? knownErrorForFinding(check.finding, check.explanation) : undefined;
    const found = check
      ? html` (checked ${sinceInWords(check.at, page.now)}:
        ${check.explanation}${known ? html`; <a href="#known-${known.id}">what to do</a>` : ''})`
      : '';
    const url = deploy.get(scope.scope);
    const oneClick = url
      ? html` <a href="${url}" target="_blank" rel="noopener">Deploy to Azure</a> (for an Owner of the
          subscription: grants it in the Azure portal, without commands)`
      : '';
    return html`<li>${scope.scope}: <strong>not granted yet</strong>${found}${oneClick}</li>`;
  });
  const status = page.notice
    ? html`<p role="status" class="notice">${noticeText(page.notice, reinstatement, page.now)}</p>`
    : '';
  return htmlPage(
    `Restore ${possessive(partner, '\u2019')} access`,
    html`<h1>Restore ${possessive(partner, '\u2019')} access to ${reinstatement.customerName}</h1>
      ${status}
      <h2>Who is asking, and why</h2>
      <p>
        ${partner}, your Microsoft Cloud Solution Provider partner, manages your Azure subscriptions for you
        but has lost its admin rights on them. It asks you to grant the Owner role to its admin group on the
        scopes below, so that it can manage them for you again. Verified so far: ${verified} of
        ${countOf(total, 'scope')}.
      </p>
      <h2>Who can do it</h2>
      <ul>
        <li>
          Accepting ${possessive(partner, '\u2019')} reseller relationship needs a
          <strong>Global administrator</strong> of your Microsoft Entra tenant (your invitation mail had that
          link).
        </li>
        <li>
          The commands below need an <strong>Owner</strong> or a <strong>User Access Administrator</strong> of
          each subscription: either may assign roles.
        </li>
        <li>
          “Deploy to Azure” is for an <strong>Owner</strong> only: it runs a template deployment, which needs
          the right to deploy (Microsoft.Resources/deployments/validate/action and /write). An Owner has it; a
          User Access Administrator does not, and is refused there. A User Access Administrator uses the
          commands.
        </li>
      </ul>
      <p>
        You can see or remove the assignment at any time in the Azure portal, under the subscription’s Access
        control (IAM), or with the <code>Remove-AzRoleAssignment</code> commands at the end of the guide.
      </p>
      <h2>Your scopes</h2>
      <ul>
        ${rows}
      </ul>
      <h2>Run these commands</h2>
      <p>
        Choose the tool and the shell you have; every command already holds your values, quoted for that
        shell. Each is also a file to download and run.
      </p>
      ${procedureTabs(scripts, page.linkBase)}
      <form method="post" action="${page.doneAction}">
        <button type="submit">I've done it: check now</button>
      </form>
      <h2 id="support">If a command still fails</h2>
      <p>
        Run that tab’s troubleshooting command: it writes every message of the failed attempt to a log file.
        Microsoft’s procedure asks for that log to be given to Microsoft:
        <strong>open a support request with Microsoft</strong> and attach it (Azure portal: Help + support,
        Create a support request). If the portal sends you to your partner because your subscription is a CSP
        subscription, send the log to ${partner}, who takes it to Microsoft.
      </p>
      <p>
        ${partner} can help you with: which account and which tab to use, what an error on this page means,
        checking from its side whether the role is in place, and sending you new links. It cannot make the
        role assignment for you: only an Owner or User Access Administrator in your own tenant can.
      </p>
      <details>
        <summary>If the Azure PowerShell commands still fail: reinstall the module and try again</summary>
        ${commandList('catch-all', scripts.catchAll)}${scripts.catchAllFallbacks.map(
          (f) =>
            html`<p><strong>If ${f.when}:</strong> ${f.advice}</p>
              ${f.commands.length ? html`<pre>${f.commands.join('\n')}</pre>` : ''}`,
        )}
      </details>
      <details>
        <summary>The whole guide as one text</summary>
        <pre>${renderFullGuide(scripts)}</pre>
      </details>
      ${knownErrorsSection(page.searchAction, page.pastedError)}`,
    200,
    page.sender,
  );
}

/** A tab per procedure (one after the other without the page's script), each with its file. */
function procedureTabs(scripts: CustomerScripts, linkBase: string): Html {
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
          <a href="${scriptFileUrl(linkBase, p.procedure)}" download="${p.procedure.fileName}"
            >Download ${p.procedure.fileName}</a
          >. ${p.procedure.howToRun}
        </p>
        ${commandList(p.procedure.id, p.steps)}
        <details>
          <summary>If a command fails: troubleshooting</summary>
          ${commandList(`${p.procedure.id}-trouble`, p.troubleshooting)}
          <p>Then see <a href="#support">If a command still fails</a>.</p>
        </details>
      </section>`,
  );
  return html`<div role="tablist" aria-label="Tool and shell" hidden>${tabs}</div>
    ${panels}`;
}

/** Numbered commands, each with what it does and a copy button (shown when the script runs). */
function commandList(prefix: string, commands: readonly ScriptCommand[]): Html {
  return html`<ol>
    ${commands.map(
      (c, i) =>
        html`<li class="command">
          <p>${c.purpose}</p>
          <pre id="${prefix}-${i + 1}">${c.command}</pre>
          <button type="button" class="copy secondary" data-copy="${prefix}-${i + 1}" hidden>Copy</button>
        </li>`,
    )}
  </ol>`;
}

/** "If you see this error": a search by pasting the message (no script: a GET form), and every entry. */
function knownErrorsSection(searchAction: string, pasted: string | undefined): Html {
  const entry = (e: KnownError) =>
    html`<section id="known-${e.id}" style="border-top:1px solid #ddd;padding:.5rem 0">
      <h3 style="margin:.3rem 0;font-size:1rem">${e.message}</h3>
      <p style="margin:.2rem 0;color:#555">${e.tool}</p>
      <p style="margin:.2rem 0"><strong>Why:</strong> ${e.cause}</p>
      <p style="margin:.2rem 0"><strong>What to do:</strong> ${e.fix}</p>
      ${
        e.commands.length
          ? html`<pre style="background:#f4f4f4;padding:.5rem;overflow:auto">${e.commands.join('\n')}</pre>`
          : ''
      }
      <p style="margin:.2rem 0;font-size:.85rem">Source: ${e.source}</p>
    </section>`;
  let result: Html | string = '';
  if (pasted?.trim()) {
    const matches = findKnownErrors(pasted);
    result = matches.length
      ? html`<div id="search-result" style="background:#eef6ee;padding:.5rem 1rem">
          <h3>This is a known error</h3>
          ${matches.map(entry)}
        </div>`
      : html`<div id="search-result" style="background:#fff6e5;padding:.5rem 1rem">
          <p>
            This message is not one we know. Run the troubleshooting command of your tab and open a support
            request with Microsoft with its log (see <a href="#support">If a command still fails</a>).
          </p>
        </div>`;
  }
  return html`<h2 id="known-errors">If you see this error</h2>
    <form method="get" action="${searchAction}#known-errors">
      <label for="error">Paste the error message:</label><br /><textarea
        id="error"
        name="error"
        rows="3"
        cols="80"
        maxlength="2000"
      >
${pasted ?? ''}</textarea
      ><br /><button type="submit">Find what to do</button>
    </form>
    ${result} ${KNOWN_ERRORS.map((e) => html`${entry(e)} `)}`;
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
): ApiResponse {
  const partner = sender.partnerName;
  return htmlPage(
    'All done, thank you',
    html`<h1>All done, thank you</h1>
      ${notice === 'now' ? html`<p role="status" class="notice">We checked your role assignments just now.</p>` : ''}
      <p>
        We confirmed the Owner role for ${possessive(partner, '\u2019')} admin group on every requested scope
        of ${reinstatement.customerName}. Nothing else is needed from you.
      </p>
      <ul>
        ${reinstatement.scopes.map((s) => html`<li>${s.scope}: <strong>verified</strong></li>`)}
      </ul>
      <p>
        You can see or remove the assignment at any time in the Azure portal, under the subscription’s Access
        control (IAM)${removal?.length ? ', or with these commands' : ''}.
      </p>
      ${removal?.length ? commandList('removal', removal) : ''}`,
    200,
    sender,
  );
}

/**
 * What a customer's link shows once its request is no longer waiting for them: withdrawn, expired,
 * failed, or (for the invitation) accepted already. Never the commands, never a forward to the admin
 * center for a request that no longer stands.
 */
export function requestStatePage(reinstatement: Reinstatement, sender: Sender): ApiResponse {
  const partner = sender.partnerName;
  const customer = reinstatement.customerName;
  const since = dayInWords(reinstatement.stateChangedAt);
  const ask = html`<p>
    Questions: ${partner}, <a href="mailto:${sender.supportEmail}">${sender.supportEmail}</a>.
  </p>`;
  const page = (title: string, body: Html) =>
    htmlPage(
      title,
      html`<h1>${title}</h1>
        ${body}${ask}`,
      200,
      sender,
    );
  switch (reinstatement.state) {
    case 'Cancelled':
      return page(
        'This request was withdrawn',
        html`<p>
          ${partner} withdrew its request to restore its access to ${customer} on ${since}. There is nothing
          for you to do. If you did not expect this, ask ${partner}.
        </p>`,
      );
    case 'Expired':
      return page(
        'This request has expired',
        html`<p>
          The time for ${possessive(partner, '\u2019')} request to restore its access to ${customer} ended on
          ${since}. If you still want to grant it, ask ${partner} for a new request: the links of this one no
          longer work.
        </p>`,
      );
    case 'Failed':
      return page(
        'This request could not be completed',
        html`<p>
          ${possessive(partner, '\u2019')} request to restore its access to ${customer} stopped on ${since}
          because of a problem on the partner’s side. ${partner} has been told. There is nothing for you to do
          until ${partner} contacts you.
        </p>`,
      );
    case 'Accepted':
    case 'AwaitingRoleAssignment':
      return page(
        'You have accepted the invitation',
        html`<p>
          Thank you: ${customer} has accepted ${possessive(partner, '\u2019')} reseller relationship. One step
          remains, granting ${possessive(partner, '\u2019')} admin group the Owner role on your Azure
          subscriptions; its instructions go by mail to the address this invitation went to.
        </p>`,
      );
    case 'Reinstated':
      return page(
        'All done, thank you',
        html`<p>
          ${partner} can manage ${possessive(customer, '\u2019')} Azure subscriptions again. Nothing else is
          needed from you.
        </p>`,
      );
    case 'Requested':
    case 'InvitationSent':
      return page(
        'Accept the invitation first',
        html`<p>
          This page is for the step after the reseller relationship is accepted. Accept
          ${possessive(partner, '\u2019')} invitation first, with the link in the invitation mail; the
          instructions follow by mail.
        </p>`,
      );
  }
}
