import {
  grantedPage,
  instructionsPage,
  requestStatePage,
  type InstructionsPageOptions,
} from '../../shared/api/customerPages';
import { loadConfig } from '../../shared/config/appConfig';
import { composeMail, mailScriptLinks } from '../../shared/email/templates/composeMail';
import { buildCustomerScripts, procedureScripts } from '../../shared/instructions/customerScripts';
import { PROCEDURES } from '../../shared/instructions/procedures';
import type { Reinstatement } from '../../shared/model/reinstatement';
import { parseScope } from '../../shared/model/scopes';
import type { ReinstatementState } from '../../shared/model/states';
import { possessive } from '../../shared/text/words';
import { ADMIN_AGENTS_ID, CUSTOMER_TENANT, OTHER_SUBSCRIPTION, SUBSCRIPTION } from '../support/fixtures';
import { validSettings } from '../support/settings';

const SUB = `/subscriptions/${SUBSCRIPTION}`;
const RG = `/subscriptions/${OTHER_SUBSCRIPTION}/resourceGroups/rg-prod(eu)`;
const LINK = 'https://app.example/api/c/v1.tok.sig';
const NOW = new Date('2026-11-27T10:05:00Z');

const scripts = buildCustomerScripts({
  customerTenantId: CUSTOMER_TENANT,
  scopes: [parseScope(SUB), parseScope(RG)],
  partnerGroupObjectId: ADMIN_AGENTS_ID,
  partnerGroupName: 'AdminAgents',
});

function reinstatement(state: ReinstatementState, overrides: Partial<Reinstatement> = {}): Reinstatement {
  return {
    id: 'r-1',
    customerTenantId: CUSTOMER_TENANT,
    customerName: 'Northwind <Traders>',
    contact: { name: 'Ada', email: 'ada@northwind.example' },
    delegatedAdmin: false,
    scopes: [
      { scope: SUB, kind: 'subscription', status: 'Pending' },
      { scope: RG, kind: 'resourceGroup', status: 'Pending' },
    ],
    state,
    partnerGroupObjectId: ADMIN_AGENTS_ID,
    createdAt: '2026-11-20T10:00:00Z',
    updatedAt: '2026-11-27T10:00:00Z',
    stateChangedAt: '2026-11-27T10:00:00Z',
    counters: { remindersSent: 0, resends: 0, verificationChecks: 0, linkClicks: 0 },
    auditCount: 0,
    ...overrides,
  };
}

const sender = { partnerName: 'Fabrikam Partners', supportEmail: 'support@partner.example' };
const options = (extra: Partial<InstructionsPageOptions> = {}): InstructionsPageOptions => ({
  doneAction: '/api/c/v1.tok.sig/done',
  searchAction: '/api/c/v1.tok.sig/instructions',
  sender,
  linkBase: LINK,
  now: NOW,
  ...extra,
});
const page = (extra: Partial<InstructionsPageOptions> = {}) =>
  instructionsPage(reinstatement('AwaitingRoleAssignment'), scripts, options(extra)).body ?? '';

/** The markup with entities decoded and white space collapsed, as a browser reads it. */
const decode = (html: string) =>
  html
    .replace(/\s+/g, ' ')
    .replace(/> </g, '><')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&#96;/g, '`')
    .replace(/&amp;/g, '&');
/** The commands of one tab panel of the page, in order. */
function panelCommands(html: string, id: string): string[] {
  const start = html.indexOf(`id="panel-${id}"`);
  const panel = html.slice(start, html.indexOf('</section>', start));
  const steps = panel.slice(0, panel.indexOf('<details>'));
  return [...steps.matchAll(/<pre id="[^"]+">([^<]*)<\/pre>/g)].map((m) =>
    (m[1] ?? '')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&#96;/g, '`')
      .replace(/&amp;/g, '&'),
  );
}

describe("the customer's instructions page", () => {
  it('has a tab per tool and shell, each with its commands quoted for that shell and its file to download', () => {
    const html = decode(page());
    for (const { procedure, steps } of scripts.procedures) {
      expect(html).toContain(`role="tab" id="tab-${procedure.id}"`);
      expect(panelCommands(html, procedure.id)).toEqual(steps.map((s) => s.command));
      expect(html).toContain(`href="${LINK}/scripts/${procedure.fileName}" download="${procedure.fileName}"`);
    }
    expect(panelCommands(html, 'cli-cmd')[1]).toBe(`az login --tenant "${CUSTOMER_TENANT}"`);
    expect(panelCommands(html, 'cli-powershell').at(-1)).toContain(`--scope '"${RG}"'`);
  });

  it('offers "Deploy to Azure" as the Owner\u2019s path with the reason, and sends the User Access Administrator to the commands', () => {
    const html = decode(page());
    expect(html).toContain(
      'for an Owner of the subscription: grants it in the Azure portal, without commands',
    );
    expect(html).toMatch(
      /\u201cDeploy to Azure\u201d is for an <strong>Owner<\/strong> only: it runs a template deployment, which needs the right to deploy \(Microsoft\.Resources\/deployments\/validate\/action and \/write\)\. An Owner has it; a User Access Administrator does not, and is refused there\. A User Access Administrator uses the commands\./,
    );
  });

  it('says to open a support request with Microsoft with the log, and what the partner can and cannot do', () => {
    const html = decode(page());
    expect(html).toContain('<strong>open a support request with Microsoft</strong> and attach it');
    expect(html).toContain('Fabrikam Partners can help you with');
    expect(html).toContain('It cannot make the role assignment for you');
    expect(html).not.toMatch(/send (it|the log) to your partner/);
  });

  it('reads well for one and many, in possessives, and with no identifier or timestamp', () => {
    const html = decode(page());
    expect(html).toContain('Restore Fabrikam Partners\u2019 access to Northwind <Traders>');
    expect(html).not.toMatch(/Partners\u2019s|scope\(s\)|AwaitingRoleAssignment|\d{4}-\d\d-\d\dT/);
    expect(html).toContain('Verified so far: 0 of 2 scopes.');
    const one = instructionsPage(
      reinstatement('AwaitingRoleAssignment', {
        scopes: [{ scope: SUB, kind: 'subscription', status: 'Pending' }],
      }),
      scripts,
      options(),
    ).body;
    expect(decode(one ?? '')).toContain('Verified so far: 0 of 1 scope.');
  });

  it('escapes every value: the customer name and a pasted message are text, never markup', () => {
    const html = page({ pastedError: '<img src=x onerror=alert(1)>' });
    expect(html).not.toContain('<Traders>');
    expect(html).toContain('Northwind &lt;Traders&gt;');
    expect(html).not.toContain('<img');
  });

  it('says what the last "I\u2019ve done it" did, in words', () => {
    expect(decode(page({ notice: 'now' }))).toContain(
      '<p role="status" class="notice">We checked your role assignments just now.</p>',
    );
    const soon = instructionsPage(
      reinstatement('AwaitingRoleAssignment', { lastCustomerCheckAt: '2026-11-27T10:04:45Z' }),
      scripts,
      options({ notice: 'soon' }),
    ).body;
    expect(soon).toContain('We checked less than a minute ago; you can ask again in 45 seconds.');
  });
});

describe('the instructions mail and the page', () => {
  const mail = composeMail(loadConfig(validSettings({ PARTNER_NAME: 'Northwind Traders' })), {
    kind: 'instructions',
    customerName: 'Contoso',
    contactName: 'Ada',
    instructionsLink: `${LINK}/instructions`,
    deployLinks: [],
    scripts,
    scopes: reinstatement('AwaitingRoleAssignment').scopes,
    deadline: new Date('2026-12-10T00:00:00Z'),
    reminderNumber: 0,
  });

  it('render from the same model: the mail carries every command of the page\u2019s first tab, in order', () => {
    const onPage = panelCommands(page(), 'powershell');
    expect(onPage).toEqual(procedureScripts(scripts, 'powershell').steps.map((s) => s.command));
    const text = mail.text;
    let from = 0;
    for (const command of onPage) {
      const at = text.indexOf(command, from);
      expect([command, at >= 0]).toEqual([command, true]);
      from = at + command.length;
    }
    // Including the steps a partial copy used to miss.
    expect(onPage.some((c) => c.startsWith('Update-Module'))).toBe(true);
    expect(onPage.filter((c) => c.startsWith('Set-AzContext'))).toHaveLength(2);
  });

  it('link plainly to every other tab, as the same files the page offers', () => {
    const links = mailScriptLinks(`${LINK}/instructions`);
    expect(links.map((l) => l.url)).toEqual(PROCEDURES.map((p) => `${LINK}/scripts/${p.fileName}`));
    for (const link of links) {
      expect(mail.text).toContain(link.url);
      expect(mail.html).toContain(`href="${link.url}"`);
      expect(page()).toContain(`href="${link.url}"`);
    }
  });

  it('reads well in possessives and for one scope or many', () => {
    expect(mail.subject).toBe(
      "One last step to restore Northwind Traders' access to Contoso's Azure subscriptions",
    );
    expect(mail.text).toContain('manage the 2 requested scopes for you');
    expect(mail.text).not.toMatch(/scope\(s\)|Traders's/);
    const one = composeMail(loadConfig(validSettings()), {
      kind: 'instructions',
      customerName: 'Northwind Traders',
      contactName: 'Ada',
      instructionsLink: `${LINK}/instructions`,
      deployLinks: [],
      scripts,
      scopes: reinstatement('AwaitingRoleAssignment').scopes.slice(0, 1),
      deadline: new Date('2026-12-10T00:00:00Z'),
      reminderNumber: 0,
    });
    expect(one.text).toContain('manage the requested scope for you');
    expect(one.subject).toContain("Northwind Traders' Azure subscriptions");
  });
});

describe('pages that follow the reinstatement', () => {
  it.each([
    ['Cancelled', 'This request was withdrawn', 'Fabrikam Partners withdrew its request'],
    ['Expired', 'This request has expired', 'ended on 27 November 2026'],
    ['Failed', 'This request could not be completed', 'Fabrikam Partners has been told'],
    [
      'AwaitingRoleAssignment',
      'You have accepted the invitation',
      'its instructions go by mail to the address this invitation went to',
    ],
    ['Reinstated', 'All done, thank you', 'can manage Northwind Traders\u2019 Azure subscriptions again'],
  ] as const)('%s: says what happened, never the commands', (state, title, words) => {
    const record = reinstatement(state, { customerName: 'Northwind Traders' });
    const html = decode(requestStatePage(record, sender).body ?? '');
    expect(html).toContain(`<h1>${title}</h1>`);
    expect(html).toContain(words);
    expect(html).not.toMatch(/New-AzRoleAssignment|az role assignment|I've done it/);
  });

  it('a granted request shows the scopes and how to take the access back', () => {
    const html = decode(grantedPage(reinstatement('Reinstated'), sender, scripts.removal, 'now').body ?? '');
    expect(html).toContain('<h1>All done, thank you</h1>');
    expect(html).toContain('We checked your role assignments just now.');
    expect(html).toContain(scripts.removal[0]?.command);
    expect(html).not.toContain('New-AzRoleAssignment');
  });
});

describe('possessive', () => {
  it('adds the apostrophe alone after a final s', () => {
    expect(possessive('Northwind Traders')).toBe("Northwind Traders'");
    expect(possessive('Contoso Ltd')).toBe("Contoso Ltd's");
    expect(possessive('ACME SAS', '\u2019')).toBe('ACME SAS\u2019');
  });
});
