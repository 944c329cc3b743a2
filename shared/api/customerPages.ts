import { escapeHtml } from '../text/plainText';
import type { Reinstatement } from '../model/reinstatement';
import { renderFullGuide, type CustomerScripts } from '../instructions/customerScripts';
import {
  findKnownErrors,
  KNOWN_ERRORS,
  knownErrorForFinding,
  type KnownError,
} from '../instructions/knownErrors';
import type { ApiResponse } from './problem';

/** A page of this app: no scripts, nothing embedded from elsewhere, never cached. */
export const htmlPage = (title: string, body: string, status = 200): ApiResponse => ({
  status,
  headers: {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Security-Policy':
      "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'no-store',
    'Referrer-Policy': 'no-referrer',
  },
  body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title><meta name="viewport" content="width=device-width,initial-scale=1"></head><body style="font-family:Segoe UI,Arial,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem">${body}</body></html>`,
});

/** The one page every invalid, expired or misused link gets: it says nothing about why. */
export function invalidLinkPage(): ApiResponse {
  return htmlPage(
    'Link not valid',
    '<h1>This link is not valid</h1><p>It may have expired. Please contact your Microsoft partner for a new one.</p>',
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
  },
): ApiResponse {
  const verified = reinstatement.scopes.filter((scope) => scope.status === 'Verified').length;
  const rows = reinstatement.scopes
    .map((scope) => {
      const check = scope.status === 'Verified' ? undefined : scope.lastCheck;
      const known = check ? knownErrorForFinding(check.finding, check.explanation) : undefined;
      const found = check
        ? ` \u2014 ${escapeHtml(check.explanation)}${known ? ` (<a href="#known-${known.id}">what to do</a>)` : ''}`
        : '';
      return `<li>${escapeHtml(scope.scope)}: <strong>${scope.status === 'Verified' ? 'verified' : 'waiting'}</strong>${found}</li>`;
    })
    .join('');
  const doneAction = page.doneAction;
  return htmlPage(
    'Restore your partner\u2019s access',
    `<h1>Restore your partner\u2019s access to ${escapeHtml(reinstatement.customerName)}</h1>
<p>Run these commands as an Owner or User Access Administrator of the subscription. ${verified} of ${reinstatement.scopes.length} scopes are verified.</p>
<ul>${rows}</ul>
<pre style="background:#f4f4f4;padding:1rem;overflow:auto">${escapeHtml(renderFullGuide(scripts))}</pre>
<form method="post" action="${escapeHtml(doneAction)}"><button type="submit">I've done it: check now</button></form>
${knownErrorsSection(page.searchAction, page.pastedError)}`,
  );
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

export function checkedPage(reinstatement: Reinstatement, note: string): ApiResponse {
  const verified = reinstatement.scopes.filter((scope) => scope.status === 'Verified').length;
  return htmlPage(
    'Checked',
    `<h1>${verified === reinstatement.scopes.length ? 'All done, thank you' : 'Checked'}</h1><p>${escapeHtml(note)}</p><p>${verified} of ${reinstatement.scopes.length} scopes are verified.</p>`,
  );
}
