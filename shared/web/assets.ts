/**
 * The only stylesheet and script the product's pages load, served by the app itself
 * (`/api/assets/...`): no page needs anything from the internet, and the Content-Security-Policy
 * allows scripts from this origin only, never inline. Pages work without the script; it adds the
 * copy buttons and keyboard-usable tabs.
 */
export const STYLESHEET = `
:root { color-scheme: light; --accent: #0f5ca8; --ink: #1b1b1b; --muted: #4a4a4a; --line: #d0d0d0; --ok: #0b6a0b; --bad: #a4262c; --warn: #7a4d00; }
* { box-sizing: border-box; }
textarea, input, select { max-width: 100%; }
body { font-family: "Segoe UI", Arial, sans-serif; color: var(--ink); margin: 0; line-height: 1.45; }
a { color: var(--accent); }
.wrap { max-width: 72rem; margin: 0 auto; padding: 0 1rem 2rem; }
header.bar { background: var(--accent); color: #fff; }
header.bar .wrap { display: flex; flex-wrap: wrap; gap: .5rem 1.5rem; align-items: center; padding-top: .7rem; padding-bottom: .7rem; }
header.bar a { color: #fff; }
header.bar .brand { font-weight: 600; margin-right: auto; }
header.bar nav ul { display: flex; flex-wrap: wrap; gap: 1rem; list-style: none; margin: 0; padding: 0; }
h1 { font-size: 1.5rem; margin: 1.2rem 0 .6rem; }
h2 { font-size: 1.2rem; margin: 1.4rem 0 .5rem; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; }
caption { text-align: left; }
th, td { text-align: left; padding: .4rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: #f3f3f3; }
.funnel { display: flex; flex-wrap: wrap; gap: .6rem; padding: 0; list-style: none; }
.funnel li { border: 1px solid var(--line); border-radius: 6px; padding: .5rem .8rem; min-width: 9rem; }
.funnel .count { display: block; font-size: 1.6rem; font-weight: 600; }
.state { display: inline-block; padding: 0 .4rem; border-radius: 4px; background: #eef3fa; }
.state-Reinstated { background: #e3f3e3; color: var(--ok); }
.state-Failed, .state-Expired { background: #fbeaea; color: var(--bad); }
.state-Cancelled { background: #eee; color: var(--muted); }
.notice { border-left: 4px solid var(--accent); background: #eef3fa; padding: .6rem 1rem; margin: 1rem 0; }
.notice.bad { border-color: var(--bad); background: #fbeaea; }
.notice.ok { border-color: var(--ok); background: #e3f3e3; }
.field { margin: .8rem 0; }
.field label { display: block; font-weight: 600; }
.field input, .field textarea, .field select { font: inherit; padding: .35rem; width: 100%; max-width: 36rem; border: 1px solid #767676; border-radius: 4px; }
.field .error { color: var(--bad); margin: .2rem 0 0; }
.hint { color: var(--muted); font-size: .9rem; margin: .2rem 0 0; }
button, .button { font: inherit; background: var(--accent); color: #fff; border: 0; border-radius: 4px; padding: .45rem .9rem; cursor: pointer; text-decoration: none; display: inline-block; }
button.secondary, .button.secondary { background: #fff; color: var(--accent); border: 1px solid var(--accent); }
button.danger { background: var(--bad); }
form.inline { display: inline; }
.filters { display: flex; flex-wrap: wrap; gap: .6rem; align-items: end; }
.filters .field { margin: 0; }
ol.timeline { list-style: none; padding: 0; border-left: 2px solid var(--line); margin-left: .4rem; }
ol.timeline li { padding: 0 0 .7rem 1rem; position: relative; }
ol.timeline li::before { content: ""; position: absolute; left: -.45rem; top: .4rem; width: .7rem; height: .7rem; border-radius: 50%; background: var(--accent); }
.muted { color: var(--muted); }
pre { background: #f4f4f4; padding: .7rem; overflow-x: auto; white-space: pre-wrap; word-break: break-word; margin: .3rem 0; }
.command { margin: .6rem 0 1rem; }
.command .copy { margin-top: .2rem; }
[role="tablist"] { display: flex; flex-wrap: wrap; gap: .3rem; border-bottom: 1px solid var(--line); margin-top: 1rem; }
[role="tab"] { background: #fff; color: var(--accent); border: 1px solid var(--line); border-bottom: 0; border-radius: 4px 4px 0 0; }
[role="tab"][aria-selected="true"] { background: var(--accent); color: #fff; }
[role="tabpanel"][hidden] { display: none; }
details { margin: .8rem 0; }
summary { cursor: pointer; font-weight: 600; }
.pager { display: flex; gap: 1rem; align-items: center; margin: .8rem 0; }
@media (max-width: 40rem) { h1 { font-size: 1.25rem; } th, td { padding: .3rem; } }
`;

export const SCRIPT = `(() => {
  // Copy buttons: each names the element whose text it copies.
  for (const button of document.querySelectorAll('button[data-copy]')) {
    button.hidden = false;
    button.addEventListener('click', async () => {
      const source = document.getElementById(button.dataset.copy);
      if (!source) return;
      try {
        await navigator.clipboard.writeText(source.textContent);
        button.textContent = 'Copied';
      } catch {
        button.textContent = 'Select the text and copy it';
      }
      setTimeout(() => { button.textContent = 'Copy'; }, 2500);
    });
  }
  // Tabs (WAI-ARIA tabs pattern): without the script every panel shows, one after the other.
  for (const list of document.querySelectorAll('[role="tablist"]')) {
    const tabs = [...list.querySelectorAll('[role="tab"]')];
    const select = (tab, focus) => {
      for (const t of tabs) {
        const on = t === tab;
        t.setAttribute('aria-selected', String(on));
        t.tabIndex = on ? 0 : -1;
        document.getElementById(t.getAttribute('aria-controls')).hidden = !on;
      }
      if (focus) tab.focus();
    };
    list.hidden = false;
    tabs.forEach((tab, i) => {
      tab.addEventListener('click', () => select(tab, false));
      tab.addEventListener('keydown', (event) => {
        const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
        if (step) select(tabs[(i + step + tabs.length) % tabs.length], true);
        if (event.key === 'Home') select(tabs[0], true);
        if (event.key === 'End') select(tabs[tabs.length - 1], true);
      });
    });
    select(tabs[0], false);
  }
})();
`;

export const ASSETS: Record<string, { contentType: string; body: string }> = {
  'app.css': { contentType: 'text/css; charset=utf-8', body: STYLESHEET },
  'app.js': { contentType: 'text/javascript; charset=utf-8', body: SCRIPT },
};

/**
 * Headers of every page: scripts and styles from this origin only, never framed (a framed "I've
 * done it" or "Cancel" button could be clicked through an invisible frame), no MIME sniffing, never
 * cached, no referrer leaking a customer's link to another site.
 */
export const PAGE_HEADERS: Record<string, string> = {
  'Content-Type': 'text/html; charset=utf-8',
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Cache-Control': 'no-store',
  // Links to elsewhere carry no referrer (a customer's link is in the address); this site's own do.
  'Referrer-Policy': 'same-origin',
};
