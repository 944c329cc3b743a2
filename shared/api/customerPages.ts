import { escapeHtml } from '../text/plainText';
import type { Reinstatement } from '../model/reinstatement';
import { renderFullGuide, type CustomerScripts, type ScriptCommand } from '../instructions/customerScripts';
import { PAGE_HEADERS } from '../web/assets';
import { grantLinks } from '../instructions/grantTemplates';
import {
  findKnownErrors,
  KNOWN_ERRORS,
  knownErrorForFinding,
  type KnownError,
} from '../instructions/knownErrors';
import type { Sender } from '../email/templates/message';
import type { ApiResponse } from './problem';

/** Who the customer's pages speak for: the partner's name in the header, its contact in the footer. */
function framed(sender: Sender | undefined, body: string): string {
  if (!sender) return body;
  const contact = [
    `<a href="mailto:${escapeHtml(sender.supportEmail)}">${escapeHtml(sender.supportEmail)}</a>`,
    ...(sender.supportPhone ? [escapeHtml(sender.supportPhone)] : []),
    ...(sender.website ? [`<a href="${escapeHtml(sender.website)}">${escapeHtml(sender.website)}</a>`] : []),
  ].join(' \u00b7 ');
  return `<header style="background:#0f6cbd;color:#fff;padding:.8rem 1rem;font-weight:600;border-radius:4px">${escapeHtml(sender.partnerName)}</header>${body}<footer style="margin-top:2rem;border-top:1px solid #ddd;padding-top:.8rem;font-size:.85rem;color:#555"><p>${escapeHtml(sender.partnerName)} is your Microsoft Cloud Solution Provider partner. Questions: ${contact}.</p><p>Microsoft asks you to accept a partner relationship only in your own Microsoft 365 admin center (admin.microsoft.com), and you make the role assignment yourself, in your own Azure tenant. Nobody will ask for your password.</p></footer>`;
}

/**
 * A page of this app: its own stylesheet and script only (the page works without the script, which
 * adds copy buttons and tabs), nothing from elsewhere, never framed, never cached.
 */
export const htmlPage = (title: string, body: string, status = 200, sender?: Sender): ApiResponse => ({
  status,
  headers: PAGE_HEADERS,
  body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title><meta name="viewport" content="width=device-width,initial-scale=1"><link rel="stylesheet" href="/api/assets/app.css"><script src="/api/assets/app.js" defer></script></head><body><main class="wrap" style="max-width:60rem;padding-top:1rem">${framed(sender, body)}</main></body></html>`,
});

/** The one page every invalid, expired or misused link gets: it says nothing about why. */
export function invalidLinkPage(sender: Sender): ApiResponse {
  return htmlPage(
    'Link not valid',
    `<h1>This link is not valid</h1><p>It may have expired. Please contact ${escapeHtml(sender.partnerName)} (${escapeHtml(sender.supportEmail)}) for a new one.</p>`,
    404,
  );
}

export function instructionsPage(
  reinstatement: Reinstatement,
  scripts: CustomerScripts,
  page: {
    doneAction: string;
    /** Where the "If you see this error" search is sent (this page, GET `error=`). */
    searchAction: string;
    /** A message the customer pasted into the search. */
    pastedError?: string | undefined;
    sender: Sender;
    /** The customer's link (`.../api/c/<token>`): the one-click grants hang below it. */
    linkBase: string;
  },
): ApiResponse {
  const verified = reinstatement.scopes.filter((scope) => scope.status === 'Verified').length;
  const deploy = new Map(grantLinks(page.linkBase, reinstatement.scopes).map((l) => [l.scope, l.url]));
  const rows = reinstatement.scopes
    .map((scope) => {
      const check = scope.status === 'Verified' ? undefined : scope.lastCheck;
      const known = check ? knownErrorForFinding(check.finding, check.explanation) : undefined;
      const found = check
        ? ` \u2014 ${escapeHtml(check.explanation)}${known ? ` (<a href="#known-${known.id}">what to do</a>)` : ''}`
        : '';
      const url = deploy.get(scope.scope);
      const oneClick = url
        ? ` <a href="${escapeHtml(url)}" target="_blank" rel="noopener">Deploy to Azure</a> (grants it in the Azure portal, without commands)`
        : '';
      return `<li>${escapeHtml(scope.scope)}: <strong>${scope.status === 'Verified' ? 'verified' : 'waiting'}</strong>${found}${oneClick}</li>`;
    })
    .join('');
  const doneAction = page.doneAction;
  const partner = escapeHtml(page.sender.partnerName);
  return htmlPage(
    `Restore ${page.sender.partnerName}\u2019s access`,
    `<h1>Restore ${partner}\u2019s access to ${escapeHtml(reinstatement.customerName)}</h1>
<h2>Who is asking, and why</h2>
<p>${partner}, your Microsoft Cloud Solution Provider partner, manages your Azure subscriptions for you but has lost its admin rights on them. It asks you to grant the Owner role to its admin group on the scopes below, so that it can manage them for you again. ${verified} of ${reinstatement.scopes.length} scopes are verified.</p>
<h2>Who can do it</h2>
<ul><li>Accepting ${partner}\u2019s reseller relationship needs a <strong>Global administrator</strong> of your Microsoft Entra tenant (your invitation mail had that link).</li>
<li>The role assignment below needs an <strong>Owner</strong> or <strong>User Access Administrator</strong> of each subscription.</li></ul>
<p>You can see or remove the assignment at any time in the Azure portal, under the subscription\u2019s Access control (IAM), or with the <code>Remove-AzRoleAssignment</code> commands at the end of the guide.</p>
<h2>Your scopes</h2>
<ul>${rows}</ul>
<h2>Run these commands</h2>
<p>Use PowerShell or the Azure CLI, whichever you have; every command already holds your values.</p>
${commandTabs(scripts)}
<form method="post" action="${escapeHtml(doneAction)}"><button type="submit">I've done it: check now</button></form>
<details><summary>If a command fails: troubleshooting</summary>${commandList('trouble', scripts.troubleshooting)}</details>
<details><summary>If that still fails: reinstall the module and try again</summary>${commandList('catch-all', scripts.catchAll)}${scripts.catchAllFallbacks
      .map(
        (f) =>
          `<p><strong>If ${escapeHtml(f.when)}:</strong> ${escapeHtml(f.advice)}</p>${f.commands.length ? `<pre>${escapeHtml(f.commands.join('\n'))}</pre>` : ''}`,
      )
      .join('')}</details>
<details><summary>The whole guide as one script</summary><pre>${escapeHtml(renderFullGuide(scripts))}</pre></details>
${knownErrorsSection(page.searchAction, page.pastedError)}`,
    200,
    page.sender,
  );
}

/** PowerShell and Azure CLI as tabs (one after the other without the page's script). */
function commandTabs(scripts: CustomerScripts): string {
  const tools = [
    { id: 'powershell', label: 'PowerShell', commands: scripts.powershell },
    { id: 'azure-cli', label: 'Azure CLI', commands: scripts.azureCli },
  ];
  return `<div role="tablist" aria-label="Tool" hidden>${tools
    .map(
      (t) =>
        `<button type="button" role="tab" id="tab-${t.id}" aria-controls="panel-${t.id}" aria-selected="false">${t.label}</button>`,
    )
    .join('')}</div>${tools
    .map(
      (t) =>
        `<section role="tabpanel" id="panel-${t.id}" aria-labelledby="tab-${t.id}" tabindex="0"><h3>${t.label}</h3>${commandList(t.id, t.commands)}</section>`,
    )
    .join('')}`;
}

/** Numbered commands, each with what it does and a copy button (shown when the script runs). */
function commandList(prefix: string, commands: readonly ScriptCommand[]): string {
  return `<ol>${commands
    .map(
      (c, i) =>
        `<li class="command"><p>${escapeHtml(c.purpose)}</p><pre id="${prefix}-${i + 1}">${escapeHtml(c.command)}</pre><button type="button" class="copy secondary" data-copy="${prefix}-${i + 1}" hidden>Copy</button></li>`,
    )
    .join('')}</ol>`;
}

/** "If you see this error": a search by pasting the message (no script: a GET form), and every entry. */
function knownErrorsSection(searchAction: string, pasted: string | undefined): string {
  const entry = (e: KnownError) =>
    `<section id="known-${e.id}" style="border-top:1px solid #ddd;padding:.5rem 0"><h3 style="margin:.3rem 0;font-size:1rem">${escapeHtml(e.message)}</h3><p style="margin:.2rem 0;color:#555">${escapeHtml(e.tool)}</p><p style="margin:.2rem 0"><strong>Why:</strong> ${escapeHtml(e.cause)}</p><p style="margin:.2rem 0"><strong>What to do:</strong> ${escapeHtml(e.fix)}</p>${
      e.commands.length
        ? `<pre style="background:#f4f4f4;padding:.5rem;overflow:auto">${escapeHtml(e.commands.join('\n'))}</pre>`
        : ''
    }<p style="margin:.2rem 0;font-size:.85rem">Source: ${escapeHtml(e.source)}</p></section>`;
  let result = '';
  if (pasted?.trim()) {
    const matches = findKnownErrors(pasted);
    result = matches.length
      ? `<div id="search-result" style="background:#eef6ee;padding:.5rem 1rem"><h3>This is a known error</h3>${matches.map(entry).join('')}</div>`
      : '<div id="search-result" style="background:#fff6e5;padding:.5rem 1rem"><p>This message is not one we know. Run the troubleshooting command above and send its log to your partner.</p></div>';
  }
  return `<h2 id="known-errors">If you see this error</h2>
<form method="get" action="${escapeHtml(searchAction)}#known-errors"><label for="error">Paste the error message:</label><br><textarea id="error" name="error" rows="3" cols="80" maxlength="2000">${escapeHtml(pasted ?? '')}</textarea><br><button type="submit">Find what to do</button></form>
${result}
${KNOWN_ERRORS.map(entry).join('\n')}`;
}

export function checkedPage(reinstatement: Reinstatement, note: string, sender: Sender): ApiResponse {
  const verified = reinstatement.scopes.filter((scope) => scope.status === 'Verified').length;
  return htmlPage(
    'Checked',
    `<h1>${verified === reinstatement.scopes.length ? 'All done, thank you' : 'Checked'}</h1><p>${escapeHtml(note)}</p><p>${verified} of ${reinstatement.scopes.length} scopes are verified.</p>`,
    200,
    sender,
  );
}
