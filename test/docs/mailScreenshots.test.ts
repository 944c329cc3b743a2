import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { loadConfig } from '../../shared/config/appConfig';
import { MAIL_TEMPLATE_KINDS } from '../../shared/email/templates/mailTemplate';
import { sampleMail } from '../../shared/email/templates/sampleMails';
import { launchChromium } from '../support/browser';
import { validSettings } from '../support/settings';

/**
 * Every mail, rendered by Chromium at desktop and phone width, as a person would see it: written to
 * test-output/mails/ (ignored by git) for a look, and checked for what breaks mails on phones: nothing
 * wider than the screen, the action button on screen, the partner named at the top.
 */
const OUT = join(__dirname, '..', '..', 'test-output', 'mails');
const config = loadConfig(
  validSettings({ PARTNER_SUPPORT_PHONE: '+44 20 7946 0000', PARTNER_WEBSITE: 'https://fabrikam.example' }),
);

interface Layout {
  scrollWidth: number;
  header: string;
  buttons: { text: string; right: number; visible: boolean }[];
}

let browser: Browser;
beforeAll(async () => {
  mkdirSync(OUT, { recursive: true });
  browser = await launchChromium();
});
afterAll(() => browser?.close());

describe('mails in a browser, desktop and phone', () => {
  it.each(MAIL_TEMPLATE_KINDS.map((k) => [k]))('%s', async (kind) => {
    const mail = sampleMail(config, kind);
    for (const [device, width] of [
      ['desktop', 1024],
      ['phone', 375],
    ] as const) {
      const page = await browser.newPage({ viewport: { width, height: 800 } });
      // Offline, as a mail client that blocks remote content: nothing may be fetched.
      await page.route('**/*', (route) => route.abort());
      await page.setContent(mail.html, { waitUntil: 'load' });
      // Runs in the page (a string: this project's TypeScript has no DOM types).
      const layout: Layout = await page.evaluate(`(() => ({
        scrollWidth: document.documentElement.scrollWidth,
        header: document.querySelector('td')?.textContent ?? '',
        buttons: [...document.querySelectorAll('a')]
          .filter((a) => a.closest('table[role="presentation"] td[style*="border-radius"]'))
          .map((a) => {
            const box = a.getBoundingClientRect();
            return { text: a.textContent ?? '', right: box.right, visible: box.width > 0 && box.height > 0 };
          }),
      }))()`);
      expect([kind, device, layout.scrollWidth <= width]).toEqual([kind, device, true]);
      expect(layout.header).toContain('Fabrikam CSP');
      for (const button of layout.buttons) {
        expect(button.visible).toBe(true);
        expect(button.right).toBeLessThanOrEqual(width);
      }
      if (kind === 'invitation' || kind === 'instructions') expect(layout.buttons.length).toBeGreaterThan(0);
      await page.screenshot({ path: join(OUT, `${kind}-${device}.png`), fullPage: true });
      await page.close();
    }
  });
});
