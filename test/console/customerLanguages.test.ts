import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium, screenshots, seriousViolations, type AxeViolation } from '../support/browser';
import { CUSTOMER_TENANT, SUBSCRIPTION } from '../support/fixtures';
import { startProduct, type Product } from '../support/productHarness';

/**
 * A German customer of a partner whose default is English, played in Chromium through pages only:
 * the partner chooses German on the console's form, the sandbox's outbox names the mails' language,
 * and the customer, whose browser asks for Japanese, reads the instructions page in German and then
 * switches it to Japanese. axe-core checks every page in both languages (test-output/pages).
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

/** A browser asking for Japanese first; the sandbox cloud's certificate is its own CA's. */
async function japaneseBrowser(): Promise<BrowserContext> {
  const context = await browser.newContext({
    ignoreHTTPSErrors: true,
    locale: 'ja-JP',
    viewport: { width: 1280, height: 900 },
  });
  // Tests talk to 127.0.0.1 only: Microsoft's admin center (where the invitation link leads) is not here.
  await context.route(/^https?:\/\/(?!127\.0\.0\.1)/, (route) =>
    route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>elsewhere</title>' }),
  );
  return context;
}

async function check(page: Page, name: string): Promise<void> {
  violations.push({ page: name, found: await seriousViolations(page) });
  await screenshots(page, name);
}

const text = (page: Page, selector: string) => page.locator(selector).innerText();

describe("the customer's language, in Chromium", () => {
  it('the partner chooses German on the form; the customer reads German and switches to Japanese', async () => {
    const context = await japaneseBrowser();
    const page = await context.newPage();
    await page.goto(`${app}/api/console`);
    await page.getByRole('link', { name: '(partner.admin@partner.example)' }).click();
    await page.waitForURL(`${app}/api/console`);

    // The form offers every language in its own words; the default language is chosen until changed.
    await page.getByRole('link', { name: 'Start one' }).click();
    const language = page.getByLabel('Customer’s language', { exact: true });
    expect(await language.inputValue()).toBe('en');
    expect((await language.locator('option').allInnerTexts()).map((o) => o.trim())).toContain(
      'Deutsch (German)',
    );
    await page.getByLabel('Customer tenant ID', { exact: true }).fill(CUSTOMER_TENANT);
    await page.getByLabel('Customer name', { exact: true }).fill('Contoso GmbH');
    await page.getByLabel('Contact name', { exact: true }).fill('Ada Admin');
    await page.getByLabel('Contact email', { exact: true }).fill('ada@contoso.de');
    await language.selectOption({ label: 'Deutsch (German)' });
    await page.getByLabel('Azure scopes', { exact: true }).fill(`/subscriptions/${SUBSCRIPTION}`);
    await check(page, 'start-in-german');
    await page.getByRole('button', { name: 'Start', exact: true }).click();
    await page.waitForURL(/\/api\/console\/reinstatements\/r-/);
    expect(await text(page, 'main dl')).toMatch(/Writes to the customer in\s+Deutsch \(German\)/);
    await product.settle();

    // The sandbox's outbox says which language each mail is in; the mail itself is German.
    await page.goto(`${cloud}/sandbox/outbox.html?to=ada%40contoso.de`);
    const row = page.getByRole('row').filter({ hasText: 'Reseller-Beziehung' });
    expect(await row.innerText()).toContain('German');
    await check(page, 'outbox-german');
    await row.getByRole('link').click();
    expect(await page.locator('html').getAttribute('lang')).toBe('de');
    expect(await text(page, 'body')).toContain('Reseller-Beziehung');

    // The customer accepts; the instructions mail leads to the instructions page.
    await page.goto(`${cloud}/sandbox/tenants/${CUSTOMER_TENANT}`);
    await page.getByRole('button', { name: /Accept the partner relationship/ }).click();
    await product.settle();
    await page.goto(`${cloud}/sandbox/outbox.html?to=ada%40contoso.de`);
    await page.getByRole('link', { name: /Ein letzter Schritt/ }).click();
    await page.locator('a[href*="/instructions"]').first().click();
    await page.waitForURL(/\/instructions$/);

    // German, as the partner chose, with Japanese offered in Japanese because the browser asks for it.
    expect(await page.locator('html').getAttribute('lang')).toBe('de');
    expect(await text(page, 'h1')).toContain('Den Zugriff');
    await check(page, 'instructions-german');
    const command = await page
      .locator('li.command pre', { hasText: 'New-AzRoleAssignment' })
      .first()
      .innerText();
    await page.getByRole('link', { name: 'このページを日本語で読む' }).click();
    await page.waitForURL(/\/instructions\?lang=ja$/);
    expect(await page.locator('html').getAttribute('lang')).toBe('ja');
    expect(await text(page, 'h1')).toContain('Contoso GmbH への');
    // The commands are Azure's, in no language: the same on both pages.
    expect(
      await page.locator('li.command pre', { hasText: 'New-AzRoleAssignment' }).first().innerText(),
    ).toBe(command);
    await check(page, 'instructions-japanese');

    // "I've done it" keeps Japanese.
    product.clock.advance(61_000);
    await page.locator('form[action*="/done"] button').click();
    await page.waitForURL(/\/instructions\?checked=now&lang=ja$/);
    expect(await page.locator('html').getAttribute('lang')).toBe('ja');
    await check(page, 'instructions-japanese-checked');
    await context.close();
  });

  it('axe-core finds no serious or critical violation on the pages in either language', () => {
    expect(violations.map((v) => v.page)).toEqual([
      'start-in-german',
      'outbox-german',
      'instructions-german',
      'instructions-japanese',
      'instructions-japanese-checked',
    ]);
    expect(violations.filter((v) => v.found.length)).toEqual([]);
  });
});
