import type { PartnerCenterSimulator } from './partnerCenterSimulator';
import { contactOf } from './controls';
import { escapeHtml as e, htmlPage, type SimRequest } from './httpUtil';
import type { SandboxState, SentMail, SimulatedCustomer } from './state';

/**
 * The sandbox's pages for people, so that both sides of a reinstatement can be played in a browser:
 * the mail the cloud received (as the recipient sees it, links live), and each customer's tenant,
 * where its Global admin accepts the partner relationship and its subscription Owner assigns the
 * role. Microsoft's own sites do these things; these pages only stand in for them.
 */
export async function handlePages(
  sim: SimRequest,
  state: SandboxState,
  partnerCenter: PartnerCenterSimulator,
): Promise<boolean> {
  const { path, method } = sim;
  if ((path === '/sandbox/' || path === '/sandbox') && method === 'GET') return (home(sim, state), true);
  if (path === '/sandbox/outbox.html' && method === 'GET') return (outbox(sim, state), true);
  const mail = /^\/sandbox\/outbox\/([^/]+)\.html$/.exec(path);
  if (mail && method === 'GET') return (oneMail(sim, state, decodeURIComponent(mail[1] ?? '')), true);
  const tenant = /^\/sandbox\/tenants\/([^/]+)(?:\/(accept|assign))?$/.exec(path);
  if (!tenant) return false;
  const customer = state.customers.get(decodeURIComponent(tenant[1] ?? '').toLowerCase());
  if (!customer) {
    htmlPage(sim.res, 404, 'No such tenant', '<h1>No such customer tenant in the sandbox</h1>');
    return true;
  }
  if (!tenant[2] && method === 'GET') return (tenantPage(sim, state, customer), true);
  if (tenant[2] && method === 'POST') {
    let done: string;
    if (tenant[2] === 'accept') {
      const { notified } = await partnerCenter.accept(customer.tenantId, false);
      done = notified ? 'accepted' : 'accepted-not-notified';
    } else {
      for (const s of customer.subscriptions)
        if (!partnerHoldsRole(state, s)) state.grantOwnerToPartner(`/subscriptions/${s}`);
      done = 'assigned';
    }
    sim.res.writeHead(303, { Location: `/sandbox/tenants/${customer.tenantId}?done=${done}` }).end();
    return true;
  }
  return false;
}

function home(sim: SimRequest, state: SandboxState): void {
  const customers = [...state.customers.values()];
  htmlPage(
    sim.res,
    200,
    'Sandbox cloud',
    `<h1>Sandbox cloud</h1>
<p>Stands in for Microsoft: Entra ID, Graph, Azure Resource Manager, Communication Services Email and Partner Center.</p>
<ul><li><a href="/sandbox/outbox.html">Outbox</a>: ${state.outbox.length} mails received</li></ul>
<h2>Partner users (sign in to the console as)</h2>
<ul>${[...state.users.values()]
      .filter((u) => u.tenantId === state.partnerTenantId)
      .map(
        (u) => `<li>${e(u.userPrincipalName)}: ${e((u.appRoles ?? []).join(', ') || 'no console role')}</li>`,
      )
      .join('')}</ul>
<h2>Customer tenants</h2>
<ul>${customers
      .slice(0, 200)
      .map(
        (c) =>
          `<li><a href="/sandbox/tenants/${e(c.tenantId)}">${e(c.name)}</a> <code>${e(c.tenantId)}</code></li>`,
      )
      .join('')}</ul>`,
  );
}

function outbox(sim: SimRequest, state: SandboxState): void {
  const to = sim.url.searchParams.get('to')?.toLowerCase() ?? '';
  const mails = [...state.outbox].reverse().filter((m) => !to || m.to.some((a) => a.toLowerCase() === to));
  htmlPage(
    sim.res,
    200,
    'Outbox (sandbox)',
    `<h1>Outbox</h1>
<form method="get" action="/sandbox/outbox.html"><label for="to">Recipient</label> <input id="to" name="to" type="email" value="${e(to)}"> <button type="submit">Show</button></form>
<p>${mails.length} mails, newest first${mails.length > 200 ? ' (the newest 200 shown)' : ''}.</p>
<table style="border-collapse:collapse;width:100%"><thead><tr><th scope="col" style="text-align:left">Received</th><th scope="col" style="text-align:left">To</th><th scope="col" style="text-align:left">Language</th><th scope="col" style="text-align:left">Subject</th></tr></thead><tbody>${mails
      .slice(0, 200)
      .map(
        (m) =>
          `<tr><td>${e(m.acceptedAt.replace('T', ' ').slice(0, 19))}</td><td>${e(m.to.join(', '))}</td><td>${e(languageInWords(languageOf(m)))}</td><td><a lang="${e(languageOf(m))}" href="/sandbox/outbox/${encodeURIComponent(m.operationId)}.html">${e(m.subject)}</a></td></tr>`,
      )
      .join('')}</tbody></table>`,
  );
}

/**
 * The language a mail declares, as a mail client reads it: the `lang` of its HTML part's root
 * element (ACS Email's request has no language field of its own); empty when it declares none.
 */
function languageOf(mail: SentMail): string {
  return /<html[^>]*\slang="([A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*)"/i.exec(mail.html ?? '')?.[1] ?? '';
}

const languageNames = new Intl.DisplayNames(['en'], { type: 'language' });
/** "German", "Brazilian Portuguese": a tag in English words, for the outbox's readers. */
function languageInWords(tag: string): string {
  if (!tag) return 'not declared';
  try {
    return languageNames.of(tag) ?? tag;
  } catch {
    return tag;
  }
}

/** The mail as its recipient's client shows it: the HTML part itself, links live, no script. */
function oneMail(sim: SimRequest, state: SandboxState, operationId: string): void {
  const mail = state.outbox.find((m) => m.operationId === operationId);
  if (!mail) return htmlPage(sim.res, 404, 'No such mail', '<h1>No such mail</h1>');
  sim.res
    .writeHead(200, {
      'Content-Type': 'text/html; charset=utf-8',
      // A mail client shows no script and fetches nothing; links are followed when clicked.
      'Content-Security-Policy':
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'",
      'X-Content-Type-Options': 'nosniff',
    })
    .end(
      mail.html ?? `<!doctype html><html lang="en"><body><pre>${e(mail.plainText ?? '')}</pre></body></html>`,
    );
}

function tenantPage(sim: SimRequest, state: SandboxState, c: SimulatedCustomer): void {
  const done = sim.url.searchParams.get('done');
  const notice =
    done === 'accepted'
      ? 'You accepted the partner relationship; Partner Center told the partner.'
      : done === 'accepted-not-notified'
        ? 'You accepted the partner relationship, but Partner Center could not reach the partner’s webhook.'
        : done === 'assigned'
          ? 'Owner is assigned to the partner’s admin group on every subscription.'
          : '';
  const owners = c.subscriptions.map((s) => {
    const granted = partnerHoldsRole(state, s);
    return `<li><code>/subscriptions/${e(s)}</code>: ${granted ? 'the partner’s group holds a role here' : 'no role for the partner'}</li>`;
  });
  htmlPage(
    sim.res,
    200,
    `${c.name} (sandbox tenant)`,
    `<h1>${e(c.name)}</h1>
<p>Customer tenant <code>${e(c.tenantId)}</code>. Its administrator's mailbox: ${e(contactOf(c).email)} (<a href="/sandbox/outbox.html?to=${encodeURIComponent(contactOf(c).email)}">mail</a>).</p>
${notice ? `<p role="status" style="background:#e3f3e3;padding:.5rem 1rem">${e(notice)}</p>` : ''}
<h2>Partner relationship</h2>
<p>${c.relationship ? 'Accepted: the partner is your reseller.' : 'Not accepted yet.'}</p>
<form method="post" action="/sandbox/tenants/${e(c.tenantId)}/accept"><button type="submit">Accept the partner relationship (as Global admin)</button></form>
<h2>Subscriptions</h2>
<ul>${owners.join('')}</ul>
<form method="post" action="/sandbox/tenants/${e(c.tenantId)}/assign"><button type="submit">Assign Owner to the partner's admin group (as subscription Owner)</button></form>
<p>The same as running the instructions page's <code>New-AzRoleAssignment</code> commands.</p>`,
  );
}

const partnerHoldsRole = (state: SandboxState, subscriptionId: string) =>
  [...state.roleAssignments.values()].some(
    (r) =>
      r.scope.toLowerCase() === `/subscriptions/${subscriptionId}`.toLowerCase() &&
      r.principalId === state.adminAgents.id,
  );
