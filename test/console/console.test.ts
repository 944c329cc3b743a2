import { randomUUID } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { readFileSync } from 'node:fs';
import { buildCustomerScripts, scriptFile } from '../../shared/instructions/customerScripts';
import { parseScope } from '../../shared/model/scopes';
import { launchChromium, screenshots, seriousViolations, type AxeViolation } from '../support/browser';
import { CUSTOMER_TENANT, requestBody, SUBSCRIPTION } from '../support/fixtures';
import { startProduct, type Product } from '../support/productHarness';
import { customerAdminArm } from '../support/sandboxHarness';
import type { SimulatedCustomer } from '../../sandbox/state';

/**
 * The console and the customer's pages in headless Chromium, driven through pages only: people sign
 * in through the runtime's App Service authentication at the sandbox's Entra ID, the customer reads
 * the mails in the sandbox's outbox and plays its part on the sandbox's tenant page. Every page is
 * checked with axe-core and photographed at desktop and phone width (test-output/pages).
 */
jest.setTimeout(180_000);

let product: Product;
let browser: Browser;
let app: string;
let cloud: string;
const violations: { page: string; found: AxeViolation[] }[] = [];

beforeAll(async () => {
  product = await startProduct();
  app = product.host.url;
  cloud = product.cloud.url;
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await product?.stop();
});

/** A browser of its own for a person; the sandbox cloud's certificate is its CA's, not a public one. */
async function personContext(): Promise<BrowserContext> {
  const context = await browser.newContext({
    ignoreHTTPSErrors: true,
    viewport: { width: 1280, height: 900 },
  });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: app });
  // Tests talk to 127.0.0.1 only: Microsoft's admin center (where the invitation link leads) is not here.
  await context.route(/^https?:\/\/(?!127\.0\.0\.1)/, (route) =>
    route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>elsewhere</title>' }),
  );
  return context;
}

async function signIn(context: BrowserContext, userPrincipalName: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${app}/api/console`);
  // Not signed in: the sandbox's Entra sign-in page, reached through /.auth/login/aad.
  expect(page.url()).toContain(`${cloud}/`);
  expect(page.url()).toContain('/oauth2/v2.0/authorize');
  await check(page, 'sign-in');
  await page.getByRole('link', { name: `(${userPrincipalName})` }).click();
  await page.waitForURL(`${app}/api/console`);
  return page;
}

/** axe and screenshots of the page as it is; on the app's own pages, words instead of identifiers. */
async function check(page: Page, name: string): Promise<void> {
  violations.push({ page: name, found: await seriousViolations(page) });
  if (page.url().startsWith(app))
    expect({ page: name, identifiers: await identifiersShown(page) }).toEqual({
      page: name,
      identifiers: [],
    });
  await screenshots(page, name);
}

/**
 * The code's names a person would read on the page (outside code, where the CSV header and commands
 * are shown on purpose): state identifiers, field paths, ISO timestamps.
 */
async function identifiersShown(page: Page): Promise<string[]> {
  // A string, so that the test's TypeScript needs no DOM types (as test/support/browser.ts does).
  const prose: string = await page.evaluate(`(() => {
    const body = document.body.cloneNode(true);
    for (const code of body.querySelectorAll('code, pre, kbd, textarea, script')) code.remove();
    return body.innerText;
  })()`);
  const patterns = [
    /InvitationSent|AwaitingRoleAssignment/,
    /customerTenantId|customerName|contact\.(name|email)|scopes\[\d+\]/,
    /\d{4}-\d\d-\d\dT\d\d:\d\d/,
    /\b[a-z]+-[a-z]+(-[a-z]+)*\b(?= →| by )/,
  ];
  return patterns.flatMap((p) => prose.match(p)?.[0] ?? []);
}

/** Lets the app's background work (orchestrations, mail) finish, then reloads the page. */
async function settleAndReload(page: Page): Promise<void> {
  await product.settle();
  await page.reload();
}

async function openMail(page: Page, to: string, subject: RegExp): Promise<void> {
  await page.goto(`${cloud}/sandbox/outbox.html?to=${encodeURIComponent(to)}`);
  await page.getByRole('link', { name: subject }).first().click();
}

const text = (page: Page, selector: string) => page.locator(selector).innerText();

/** A scan of every customer of the sandbox, run to its end on the product's clock. */
async function scanToTheEnd(): Promise<void> {
  const { scanId } = (await (await product.partner('/api/scans', { method: 'POST' })).json()) as {
    scanId: string;
  };
  for (let i = 0; i < 200; i++) {
    const status = (await (await product.partner(`/api/scans/${scanId}`)).json()) as { state: string };
    if (status.state === 'done') return;
    await product.advance('20s');
  }
  throw new Error('the scan did not finish');
}

/**
 * The customer's administrator removes the partner's Owner grant on a subscription with ARM's real
 * DELETE (as the product harness's removeOwner does for its own customer).
 */
async function removeOwner(customer: SimulatedCustomer, subscription: string): Promise<number> {
  const scope = `/subscriptions/${subscription}`;
  const arm = customerAdminArm(cloud, product.cloud.pki.trustedRootsPem, customer, subscription);
  let removed = 0;
  for await (const assignment of arm.roleAssignments.listForScope(scope, {
    filter: `principalId eq '${product.cloud.state.adminAgents.id}'`,
  }))
    if (assignment.name && assignment.scope?.toLowerCase() === scope) {
      await arm.roleAssignments.delete(scope, assignment.name);
      removed++;
    }
  return removed;
}

/** A reinstatement started through the API for a new customer of the sandbox with one subscription. */
function startForNewCustomer(customerName: string): Promise<Response> {
  const tenant = randomUUID();
  const subscription = randomUUID();
  product.cloud.state.addCustomer(tenant, [subscription], customerName);
  return product.partner('/api/reinstatements', {
    method: 'POST',
    body: JSON.stringify(
      requestBody({ customerTenantId: tenant, customerName, scopes: [`/subscriptions/${subscription}`] }),
    ),
  });
}

describe('the partner console and the customer pages, in Chromium', () => {
  it('plays a reinstatement from sign-in to Reinstated through pages only', async () => {
    const context = await personContext();
    const page = await signIn(context, 'partner.admin@partner.example');
    expect(await page.locator('header.bar').innerText()).toContain('Partner Admin');
    // Once: make sure Partner Center will tell the app about acceptances (registers, sends a test event).
    expect(await text(page, 'main')).toContain('Not checked yet');
    await page.getByRole('button', { name: 'Register and test' }).click();
    await page.waitForURL(`${app}/api/console`);
    expect(await text(page, '.notice.ok')).toMatch(/Registered for this app .*last test event: delivered/);
    await check(page, 'overview-empty');

    // Start one with the form; a mistake first, answered with the API's own field messages.
    await page.getByRole('link', { name: 'Start one' }).click();
    await page.getByLabel('Customer tenant ID', { exact: true }).fill('not-a-guid');
    await page.getByLabel('Customer name', { exact: true }).fill('Contoso Ltd');
    await page.getByLabel('Contact name', { exact: true }).fill('Ada Admin');
    await page.getByLabel('Contact email', { exact: true }).fill('ada@contoso.com');
    await page.getByLabel('Azure scopes', { exact: true }).fill(SUBSCRIPTION);
    await page.getByRole('button', { name: 'Start', exact: true }).click();
    expect(await page.locator('#customerTenantId-error').innerText()).toMatch(/^must be .*GUID/);
    expect(await page.getByLabel('Customer name', { exact: true }).inputValue()).toBe('Contoso Ltd');
    await check(page, 'start-with-errors');
    await page.getByLabel('Customer tenant ID', { exact: true }).fill(CUSTOMER_TENANT);
    await page.getByRole('button', { name: 'Start', exact: true }).click();
    await page.waitForURL(/\/api\/console\/reinstatements\/r-/);
    const detailUrl = page.url();
    await settleAndReload(page);
    expect(await text(page, 'h1')).toContain('Invitation sent');

    // The customer's admin opens the invitation in the outbox and follows its link.
    await openMail(page, 'ada@contoso.com', /invites Contoso Ltd/);
    await check(page, 'mail-invitation');
    const invitation = await page.locator('a[href*="/api/c/"]').first().getAttribute('href');
    expect(invitation).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/c\//);
    await page.locator('a[href*="/api/c/"]').first().click();

    // Accepting in the customer's tenant fires Partner Center's signed webhook at the app.
    await page.goto(`${cloud}/sandbox/tenants/${CUSTOMER_TENANT}`);
    await page.getByRole('button', { name: /Accept the partner relationship/ }).click();
    expect(await text(page, '[role=status]')).toContain('Partner Center told the partner');
    await check(page, 'sandbox-tenant');
    await product.settle();

    await page.goto(`${cloud}/sandbox/outbox.html?to=ada%40contoso.com`);
    await check(page, 'sandbox-outbox');
    // The instructions mail leads to the instructions page; a copied command is the generated one.
    await openMail(page, 'ada@contoso.com', /One last step/);
    await page.locator('a[href*="/instructions"]').first().click();
    await page.waitForURL(/\/instructions$/);
    expect(await text(page, 'main')).toContain('not granted yet');
    await check(page, 'instructions');
    const scripts = buildCustomerScripts({
      customerTenantId: CUSTOMER_TENANT,
      scopes: [parseScope(`/subscriptions/${SUBSCRIPTION}`)],
      partnerGroupObjectId: product.cloud.state.adminAgents.id,
    });
    // A tab per tool and shell, reached by keyboard; each copies its own command and downloads its file.
    const tabs = [
      'Azure PowerShell',
      'Azure CLI in Bash',
      'Azure CLI in PowerShell',
      'Azure CLI in Command Prompt',
    ];
    expect(await page.getByRole('tab').allInnerTexts()).toEqual(tabs);
    for (const [i, { procedure, steps }] of scripts.procedures.entries()) {
      if (i > 0) {
        // By keyboard: from the previous tab, the arrow key selects the next one.
        await page.getByRole('tab', { name: tabs[i - 1], exact: true }).focus();
        await page.keyboard.press('ArrowRight');
      }
      const panel = page.getByRole('tabpanel', { name: procedure.label, exact: true });
      await expect(panel.isVisible()).resolves.toBe(true);
      expect(await page.getByRole('tabpanel').filter({ visible: true }).count()).toBe(1);
      const assignment = steps.findIndex((c) =>
        /New-AzRoleAssignment|az role assignment create/.test(c.command),
      );
      await panel.getByRole('button', { name: 'Copy' }).nth(assignment).click();
      expect(await page.evaluate('navigator.clipboard.readText()')).toBe(steps[assignment]?.command);
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        panel.getByRole('link', { name: `Download ${procedure.fileName}` }).click(),
      ]);
      expect(download.suggestedFilename()).toBe(procedure.fileName);
      expect(readFileSync(await download.path(), 'utf8')).toBe(scriptFile(scripts, procedure.id).body);
    }
    await check(page, 'instructions-command-prompt');
    const instructionsUrl = page.url();

    // "I've done it" before anything was granted: post, redirect, get; reloading asks nothing twice.
    product.clock.advance(61_000);
    await page.getByRole('button', { name: "I've done it: check now" }).click();
    await page.waitForURL(/\/instructions\?checked=now$/);
    expect(await text(page, '[role=status]')).toBe('We checked your role assignments just now.');
    const reloaded = await page.reload();
    expect(reloaded?.status()).toBe(200);
    expect(page.url()).not.toContain('/done');

    // The customer's Owner assigns the role in the tenant, and opens the page again a while later: the
    // page checks on opening and says it is done, instead of the commands.
    await page.goto(`${cloud}/sandbox/tenants/${CUSTOMER_TENANT}`);
    await page.getByRole('button', { name: /Assign Owner/ }).click();
    product.clock.advance(61_000);
    const instructions = await page.goto(instructionsUrl);
    const csp = instructions?.headers()['content-security-policy'] ?? '';
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toMatch(/script-src 'self';/);
    expect(instructions?.headers()['x-content-type-options']).toBe('nosniff');
    expect(await text(page, 'h1')).toBe('All done, thank you');
    expect(await text(page, 'main')).not.toMatch(/not granted yet|One last step|Run these commands/);
    // Another site cannot frame the page to have its button clicked through an invisible frame.
    const framer = await context.newPage();
    await framer.setContent(`<iframe src="${instructionsUrl}"></iframe>`);
    await framer.waitForTimeout(500);
    const framed = framer.frames().find((f) => f !== framer.mainFrame());
    expect(framed?.url()).toBe('chrome-error://chromewebdata/');
    await framer.close();
    await check(page, 'checked');
    await product.settle();

    // Back in the console: Reinstated, with its timeline naming who started it.
    await page.goto(detailUrl);
    expect(await text(page, 'h1')).toContain('Admin rights back');
    const timeline = await text(page, '#timeline');
    for (const step of [
      'Reinstatement requested',
      'Invitation mailed to the customer',
      'The customer accepted the invitation',
      'Instructions mailed to the customer',
      'Owner grant found',
      'Admin rights back',
    ])
      expect(timeline).toContain(step);
    expect(timeline).toMatch(
      /Reinstatement requested[^\n]*by Partner Admin <partner\.admin@partner\.example>/,
    );
    // Times read relative ("5 minutes ago"), the exact time in the viewer's zone on hover.
    expect(timeline).toMatch(/ago|now/);
    expect(await page.locator('#timeline time').first().getAttribute('title')).toMatch(/\d{4}|\d:\d\d/);
    expect(await text(page, '#scopes')).toContain('Granted');
    expect(await text(page, '#mails')).toMatch(/Invitation[\s\S]*Handed over/);
    await check(page, 'detail-reinstated');
    await page.getByRole('link', { name: 'Overview' }).click();
    expect(await text(page, '.funnel')).toMatch(/1\s*Reinstated/);
    await check(page, 'overview');
    await context.close();
  });

  it('an operator acts with a confirmation, sees the result, and the audit names them', async () => {
    const { id } = (await startForNewCustomer('Northwind Traders').then((r) => r.json())) as { id: string };
    await product.settle();
    const context = await personContext();
    const page = await signIn(context, 'partner.admin@partner.example');
    await page.goto(`${app}/api/console/reinstatements/${id}`);
    await page.getByRole('link', { name: 'Cancel…' }).click();
    expect(await page.locator('main p').first().innerText()).toContain('cannot be undone');
    await check(page, 'confirm-cancel');
    await page.getByRole('button', { name: 'Cancel', exact: true }).click();
    await page.waitForURL(/done=cancel/);
    expect(await text(page, '[role=status]')).toBe('Cancelled.');
    expect(await text(page, 'h1')).toContain('Cancelled');
    expect(await text(page, '#timeline')).toMatch(
      /cancelled[^\n]*by Partner Admin <partner\.admin@partner\.example>/,
    );
    const reinstatement = (await (await product.partner(`/api/reinstatements/${id}`)).json()) as {
      audit: { what: string; details: { by?: string } }[];
    };
    expect(
      reinstatement.audit.find((a) => a.details.by?.includes('partner.admin@partner.example')),
    ).toBeDefined();
    // The customer's invitation link now says what happened, instead of forwarding to the admin center.
    await settleAndReload(page);
    await openMail(page, 'ada@contoso.com', /invites Northwind Traders/);
    await page.locator('a[href*="/api/c/"]').first().click();
    expect(page.url()).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/c\//);
    expect(await text(page, 'h1')).toBe('This request was withdrawn');
    expect(await text(page, 'main')).toContain('Fabrikam CSP withdrew its request');
    await check(page, 'customer-link-withdrawn');
    await context.close();
  });

  it('a hostile customer name renders as text in every page and is neutralised in the export', async () => {
    const hostile = '=HYPERLINK("http://evil.example","Click")<img src=x onerror=alert(1)>';
    const started = await startForNewCustomer(hostile);
    expect(started.status).toBe(202);
    await product.settle();
    const context = await personContext();
    const page = await signIn(context, 'partner.admin@partner.example');
    let dialogs = 0;
    page.on('dialog', (dialog) => {
      dialogs++;
      void dialog.dismiss();
    });
    await page.goto(`${app}/api/console/reinstatements?q=${encodeURIComponent('HYPERLINK')}`);
    expect(await text(page, '#reinstatements tbody')).toContain(hostile);
    expect(await page.locator('#reinstatements img').count()).toBe(0);
    await check(page, 'list-search');
    await page.getByRole('link', { name: hostile }).click();
    expect(await text(page, 'h1')).toContain(hostile);
    expect(await page.locator('main img').count()).toBe(0);
    const exported = await page.request.get(`${app}/api/console/reinstatements.csv?q=HYPERLINK`);
    expect(exported.headers()['content-type']).toContain('text/csv');
    const csv = await exported.text();
    expect(csv).toContain(`'=HYPERLINK(""http://evil.example"",""Click"")<img src=x onerror=alert(1)>`);
    expect(csv.split('\n').slice(1).join('\n')).not.toMatch(/(^|,)"?[=+\-@]/m);
    expect(dialogs).toBe(0);
    await context.close();
  });

  it('a bulk CSV is checked before it starts: a bad row is reported and the others start', async () => {
    const rows = [0, 1, 2].map(() => {
      const tenant = randomUUID();
      const subscription = randomUUID();
      product.cloud.state.addCustomer(tenant, [subscription], `Bulk ${tenant.slice(0, 4)}`);
      return [
        tenant,
        `Bulk ${tenant.slice(0, 4)}`,
        'Bo Admin',
        'bo@bulk.example',
        `/subscriptions/${subscription}`,
        '',
        '',
      ];
    });
    (rows[1] as string[])[3] = 'not an address';
    const csv = [
      'customerTenantId,customerName,contactName,contactEmail,scopes,delegatedAdmin,note',
      ...rows.map((r) => r.join(',')),
    ].join('\n');
    const context = await personContext();
    const page = await signIn(context, 'partner.admin@partner.example');
    await page.getByRole('link', { name: 'Bulk start' }).click();
    await check(page, 'bulk-upload');
    await page
      .getByLabel('CSV file')
      .setInputFiles({ name: 'customers.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.getByRole('button', { name: 'Check the rows' }).click();
    expect(await text(page, '[role=status]')).toContain('3 rows: 2 ready to start, 1 with mistakes');
    expect(await text(page, '#invalid-rows')).toMatch(/2\s+Contact email \(column contactEmail\): /);
    await check(page, 'bulk-preview');
    await page.getByRole('button', { name: 'Start the 2 valid rows' }).click();
    await page.waitForURL(/\/api\/console\/bulk\/b-/);
    await settleAndReload(page);
    expect(await text(page, '[role=status]')).toContain(
      'Finished: 2 started, 0 already running, 1 with mistakes',
    );
    expect(await text(page, '#bulk-results')).toMatch(/2\s+invalid: Contact email \(column contactEmail\)/);
    await check(page, 'bulk-job');
    await context.close();
  });

  it('a reader sees everything and can do nothing', async () => {
    const context = await personContext();
    const page = await signIn(context, 'reader@partner.example');
    await page.getByRole('link', { name: 'Reinstatements' }).click();
    expect(await page.getByRole('link', { name: 'Start one' }).count()).toBe(0);
    await check(page, 'list');
    await page.locator('#reinstatements tbody a').first().click();
    const id = page.url().split('/').pop() ?? '';
    expect(await page.getByRole('heading', { name: 'Actions' }).count()).toBe(0);
    const start = await page.goto(`${app}/api/console/start`);
    expect(start?.status()).toBe(403);
    expect(await text(page, 'main')).toContain('Reinstatement.Operate');
    await check(page, 'not-allowed');
    // Posting the action anyway, from the console's own origin: 403 with a problem document.
    const refused = await page.request.post(`${app}/api/console/reinstatements/${id}/cancel`, {
      headers: { Origin: app },
    });
    expect(refused.status()).toBe(403);
    expect(refused.headers()['content-type']).toContain('application/problem+json');
    expect(((await refused.json()) as { neededRole: string }).neededRole).toBe('Reinstatement.Operate');
    await context.close();
    // A person with no console role at all is told so, and sees no data.
    const other = await personContext();
    const newcomer = await signIn(other, 'newcomer@partner.example');
    expect(await text(newcomer, 'h1')).toBe('Not allowed');
    expect(await newcomer.locator('table').count()).toBe(0);
    await other.close();
  });

  it('without sign-in nothing is shown; a forged principal header and a cross-site post are refused', async () => {
    const anonymous = (path: string, init: RequestInit = {}) =>
      fetch(`${app}${path}`, { redirect: 'manual', ...init });
    const pages = await anonymous('/api/console/reinstatements');
    expect(pages.status).toBe(302);
    expect(pages.headers.get('location')).toBe(
      '/.auth/login/aad?post_login_redirect_uri=%2Fapi%2Fconsole%2Freinstatements',
    );
    expect(await pages.text()).toBe('');
    expect((await anonymous('/api/console/reinstatements.csv')).status).toBe(401);
    expect((await anonymous('/.auth/me')).status).toBe(401);
    // A client cannot vouch for itself: the runtime removes the header, as App Service does.
    const forged = Buffer.from(
      JSON.stringify({
        auth_typ: 'aad',
        claims: [
          { typ: 'http://schemas.microsoft.com/identity/claims/objectidentifier', val: randomUUID() },
          { typ: 'roles', val: 'Reinstatement.Operate' },
        ],
      }),
    ).toString('base64');
    const withForged = await anonymous('/api/console/reinstatements.csv', {
      headers: { 'X-MS-CLIENT-PRINCIPAL': forged },
    });
    expect(withForged.status).toBe(401);
    const posted = await anonymous('/api/console/start', {
      method: 'POST',
      headers: { 'X-MS-CLIENT-PRINCIPAL': forged, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'customerTenantId=x',
    });
    expect(posted.status).toBe(401);

    // Signed in, a form posted from another site (the person's cookie rides along) is refused.
    const context = await personContext();
    const page = await signIn(context, 'partner.admin@partner.example');
    const count = async () =>
      ((await (await product.partner('/api/reinstatements?pageSize=500')).json()) as { items: unknown[] })
        .items.length;
    const before = await count();
    const crossSite = await page.request.post(`${app}/api/console/start`, {
      headers: { Origin: 'http://evil.example', 'Content-Type': 'application/x-www-form-urlencoded' },
      data: `customerTenantId=${CUSTOMER_TENANT}&customerName=X&contactName=Y&contactEmail=y%40x.example&scopes=%2Fsubscriptions%2F${SUBSCRIPTION}`,
    });
    expect(crossSite.status()).toBe(403);
    expect(await count()).toBe(before);
    // The session itself is real: /.auth/me names the person and their roles.
    const me = (await (await page.request.get(`${app}/.auth/me`)).json()) as {
      user_claims: { typ: string; val: string }[];
    }[];
    expect(me[0]?.user_claims).toEqual(
      expect.arrayContaining([{ typ: 'roles', val: 'Reinstatement.Operate' }]),
    );
    await page.goto(`${app}/.auth/logout?post_logout_redirect_uri=/api/console`);
    expect(page.url()).toContain('/oauth2/v2.0/authorize');
    await context.close();
  });

  it('the Access page shows a lost subscription in words; its row starts a reinstatement, filled in', async () => {
    // A customer with two subscriptions, both granted; an earlier reinstatement of theirs, cancelled.
    const tenant = randomUUID();
    const [lost, kept] = [randomUUID(), randomUUID()];
    const customer = product.cloud.state.addCustomer(tenant, [lost, kept], 'Adatum Access');
    for (const s of [lost, kept]) product.cloud.state.grantOwnerToPartner(`/subscriptions/${s}`);
    const earlier = await product.partner('/api/reinstatements', {
      method: 'POST',
      body: JSON.stringify(
        requestBody({
          customerTenantId: tenant,
          customerName: 'Adatum Access',
          contact: { name: 'Grace Admin', email: 'grace@adatum.example' },
          language: 'de',
          scopes: [`/subscriptions/${kept}`],
        }),
      ),
    });
    const { id: earlierId } = (await earlier.json()) as { id: string };
    await product.settle();
    await (
      await product.partner(`/api/reinstatements/${earlierId}/cancel`, { method: 'POST' })
    ).arrayBuffer();
    await product.settle();

    const context = await personContext();
    const page = await signIn(context, 'partner.admin@partner.example');
    let dialogs = 0;
    page.on('dialog', (dialog) => {
      dialogs++;
      void dialog.dismiss();
    });
    // Before any scan has finished, the page says so and how to run one.
    await page.getByRole('link', { name: 'Access', exact: true }).click();
    expect(await text(page, 'main')).toMatch(/No scan has finished yet.*\/api\/scans/s);
    await check(page, 'access-no-scan');
    // The first scan sees it with admin rights; the customer's admin then removes one grant with ARM.
    await scanToTheEnd();
    expect(await removeOwner(customer, lost)).toBe(1);
    await scanToTheEnd();

    await page.reload();
    expect(await text(page, 'main')).toMatch(/From the scan that finished/);
    await check(page, 'access');
    await page.getByLabel('Customer name or tenant id').fill('Adatum Access');
    await page.getByRole('button', { name: 'Show' }).click();
    const rows = page.locator('#access tbody tr');
    expect(await rows.count()).toBe(2);
    const table = await text(page, '#access');
    for (const words of ['Lost admin rights', 'Newly lost', 'Has admin rights', 'No change', 'Last had them'])
      expect(table).toContain(words);
    expect(table).not.toMatch(/newly-lost|has-access|lost-access|unchanged/);
    expect(table).toMatch(/1 reinstatement/);
    // Narrowed by the change: only the lost subscription.
    await page.getByLabel('Change since the previous scan').selectOption({ label: 'Newly lost' });
    await page.getByRole('button', { name: 'Show' }).click();
    await page.waitForURL(/change=newly-lost/);
    expect(await rows.count()).toBe(1);
    expect(await text(page, '#access tbody')).toContain(lost);
    await check(page, 'access-newly-lost');

    // Its row opens the start form filled in: tenant, subscription, and the last reinstatement's contact.
    await page.getByRole('link', { name: 'Start reinstatement' }).click();
    await page.waitForURL(/\/api\/console\/start\?customerTenantId=/);
    expect(await text(page, '.notice')).toMatch(
      /^Filled in from this customer’s last reinstatement on \d{1,2} [A-Z][a-z]+ \d{4}; check the contact before starting\.$/,
    );
    const value = (label: string) => page.getByLabel(label, { exact: true }).inputValue();
    expect(await value('Customer tenant ID')).toBe(tenant);
    expect(await value('Customer name')).toBe('Adatum Access');
    expect(await value('Contact name')).toBe('Grace Admin');
    expect(await value('Contact email')).toBe('grace@adatum.example');
    expect(await value('Customer’s language')).toBe('de');
    expect(await value('Azure scopes')).toBe(`/subscriptions/${lost}`);
    await check(page, 'start-prefilled');
    await page.getByRole('button', { name: 'Start', exact: true }).click();
    await page.waitForURL(/\/api\/console\/reinstatements\/r-/);
    const started = page.url().split('?')[0];
    await settleAndReload(page);
    expect(await text(page, 'h1')).toContain('Adatum Access');
    expect(await text(page, 'h1')).toContain('Invitation sent');

    // Back on the Access page the row says it is being reinstated, and links to it.
    await page.goto(`${app}/api/console/access?change=newly-lost&q=${tenant}`);
    expect(await text(page, '#access tbody')).toMatch(/2 reinstatements, one running/);
    await page.getByRole('link', { name: 'Being reinstated' }).click();
    expect(page.url()).toBe(started);

    // Hostile values in the address are said back as text, never run.
    const hostileChange = '<script>alert(1)</script>';
    const refused = await page.goto(`${app}/api/console/access?change=${encodeURIComponent(hostileChange)}`);
    expect(refused?.status()).toBe(400);
    expect(await text(page, '[role=alert]')).toContain(`“${hostileChange}” is not a change this page knows`);
    expect(await page.locator('main script').count()).toBe(0);
    const hostileSearch = '<img src=x onerror=alert(1)>';
    await page.goto(`${app}/api/console/access?q=${encodeURIComponent(hostileSearch)}`);
    expect(await page.getByLabel('Customer name or tenant id').inputValue()).toBe(hostileSearch);
    expect(await page.locator('main img').count()).toBe(0);
    expect(dialogs).toBe(0);
    await context.close();
  });

  it('axe-core finds no serious or critical violation on any page', () => {
    expect(violations.length).toBeGreaterThanOrEqual(19);
    expect(violations.filter((v) => v.found.length)).toEqual([]);
  });
});
