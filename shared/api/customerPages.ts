import { escapeHtml } from '../text/plainText';
import type { Reinstatement } from '../model/reinstatement';
import { renderFullGuide, type CustomerScripts } from '../instructions/customerScripts';
import type { ApiResponse } from './problem';

const page = (title: string, body: string, status = 200): ApiResponse => ({
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
  return page(
    'Link not valid',
    '<h1>This link is not valid</h1><p>It may have expired. Please contact your Microsoft partner for a new one.</p>',
    404,
  );
}

export function instructionsPage(
  reinstatement: Reinstatement,
  scripts: CustomerScripts,
  doneAction: string,
): ApiResponse {
  const verified = reinstatement.scopes.filter((scope) => scope.status === 'Verified').length;
  const rows = reinstatement.scopes
    .map(
      (scope) =>
        `<li>${escapeHtml(scope.scope)}: <strong>${scope.status === 'Verified' ? 'verified' : 'waiting'}</strong></li>`,
    )
    .join('');
  return page(
    'Restore your partner\u2019s access',
    `<h1>Restore your partner\u2019s access to ${escapeHtml(reinstatement.customerName)}</h1>
<p>Run these commands as an Owner or User Access Administrator of the subscription. ${verified} of ${reinstatement.scopes.length} scopes are verified.</p>
<ul>${rows}</ul>
<pre style="background:#f4f4f4;padding:1rem;overflow:auto">${escapeHtml(renderFullGuide(scripts))}</pre>
<form method="post" action="${escapeHtml(doneAction)}"><button type="submit">I've done it: check now</button></form>`,
  );
}

export function checkedPage(reinstatement: Reinstatement, note: string): ApiResponse {
  const verified = reinstatement.scopes.filter((scope) => scope.status === 'Verified').length;
  return page(
    'Checked',
    `<h1>${verified === reinstatement.scopes.length ? 'All done, thank you' : 'Checked'}</h1><p>${escapeHtml(note)}</p><p>${verified} of ${reinstatement.scopes.length} scopes are verified.</p>`,
  );
}
