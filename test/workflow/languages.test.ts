import { randomUUID } from 'node:crypto';
import { linkIn, startProduct, type Product } from '../support/productHarness';

/**
 * Each customer is written to in their own language: a bulk start whose rows name different
 * languages (or none: DEFAULT_LANGUAGE) sends each customer's mails in theirs through the sandbox's
 * ACS, and the customer's page follows the reinstatement's language, offering the browser's.
 */
let p: Product;
beforeAll(async () => {
  p = await startProduct({ DEFAULT_LANGUAGE: 'fr' });
});
afterAll(() => p.stop());

interface Customer {
  tenant: string;
  subscription: string;
  name: string;
  email: string;
  /** What the CSV's language cell says. */
  cell: string;
  /** The language the customer must be written in. */
  expected: string;
  /** The invitation's subject, as the customer reads it. */
  subject: string;
}

function customer(cell: string, expected: string, subject: (name: string) => string): Customer {
  const tenant = randomUUID();
  const subscription = randomUUID();
  const name = `Kunde ${expected} ${tenant.slice(0, 4)}`;
  p.cloud.state.addCustomer(tenant, [subscription], name);
  return {
    tenant,
    subscription,
    name,
    email: `admin-${tenant.slice(0, 8)}@customer.example`,
    cell,
    expected,
    subject: subject(name),
  };
}

const csvRow = (c: Customer) =>
  [c.tenant, c.name, 'Admin', c.email, `/subscriptions/${c.subscription}`, '', '', c.cell].join(',');

/** The mails the sandbox's ACS accepted for an address, with the language their HTML declares. */
const mailsTo = (address: string) =>
  p.cloud.state.outbox
    .filter((m) => m.to.includes(address))
    .map((m) => ({
      subject: m.subject,
      text: m.plainText ?? '',
      html: m.html ?? '',
      lang: /<html lang="([^"]+)"/.exec(m.html ?? '')?.[1],
    }));

describe("the customer's language", () => {
  let customers: Customer[];

  it('a bulk start with mixed languages sends each customer its own, the empty cell the default language', async () => {
    customers = [
      customer('de', 'de', (n) => `Fabrikam CSP lädt ${n} zu einer Reseller-Beziehung ein`),
      customer('ja', 'ja', (n) => `Fabrikam CSP から ${n} へのリセラー関係のご招待`),
      customer('pt-br', 'pt-BR', (n) => `Fabrikam CSP convida ${n} para uma relação de revenda`),
      customer('', 'fr', (n) => `Fabrikam CSP invite ${n} à établir une relation de revendeur`),
      customer('EN', 'en', (n) => `Fabrikam CSP invites ${n} to a reseller relationship`),
    ];
    const klingon = customer('tlh', '', () => '');
    const csv = [
      'customerTenantId,customerName,contactName,contactEmail,scopes,delegatedAdmin,note,language',
      ...customers.map(csvRow),
      csvRow(klingon),
    ].join('\r\n');
    const res = await p.partner('/api/reinstatements/bulk', {
      method: 'POST',
      body: csv,
      headers: { 'content-type': 'text/csv' },
    });
    expect(res.status).toBe(202);
    const accepted = (await res.json()) as {
      jobId: string;
      valid: number;
      invalidRows: { row: number; errors: { field: string; rule: string }[] }[];
    };
    expect(accepted.valid).toBe(customers.length);
    // A language the product does not write in is refused by name, and nothing of its row starts.
    expect(accepted.invalidRows).toEqual([
      {
        row: customers.length + 1,
        status: 'invalid',
        errors: [
          expect.objectContaining({
            field: 'language',
            label: 'Language',
            rule: expect.stringContaining('de for Deutsch (German)'),
          }),
        ],
      },
    ]);
    await p.settle();

    const job = (await (await p.partner(`/api/reinstatements/bulk/${accepted.jobId}`)).json()) as {
      results: { row: number; status: string; id?: string }[];
    };
    for (const [i, c] of customers.entries()) {
      const id = job.results[i]?.id ?? '';
      const record = (await (await p.partner(`/api/reinstatements/${id}`)).json()) as { language?: string };
      expect(record.language).toBe(c.expected);
      const mails = mailsTo(c.email);
      expect(mails).toHaveLength(1);
      const [invitation] = mails;
      expect(invitation?.subject).toBe(c.subject);
      expect(invitation?.lang).toBe(c.expected);
      // Microsoft's link is the same in every language: the admin center shows its own words.
      expect(invitation?.text).toMatch(/https:\/\/admin\.microsoft\.com\/\S+partnerId=/);
    }
    expect(mailsTo(klingon.email)).toEqual([]);
  });

  it("the instructions page reads in the reinstatement's language, offers the browser's, and keeps the commands as Azure spells them", async () => {
    const german = customers[0];
    if (!german) throw new Error('the bulk start ran first');
    await p.cloud.partnerCenter.accept(german.tenant, false);
    await p.settle();
    const instructions = mailsTo(german.email).find((m) => m.subject.startsWith('Ein letzter Schritt'));
    expect(instructions?.lang).toBe('de');
    const path = linkIn(instructions?.text, /\/instructions/);
    const command = `New-AzRoleAssignment -ObjectId '${p.cloud.state.adminAgents.id}' -RoleDefinitionName 'Owner' -Scope '/subscriptions/${german.subscription}' -ObjectType 'ForeignGroup'`;
    expect(instructions?.text).toContain(command);

    // A Japanese browser: the page stays German (the partner chose it), and offers Japanese in Japanese.
    const inGerman = await p.anonymous(path, { headers: { 'accept-language': 'ja-JP,ja;q=0.9,en;q=0.5' } });
    expect(inGerman.status).toBe(200);
    expect(inGerman.headers.get('content-language')).toBe('de');
    const germanPage = await inGerman.text();
    expect(germanPage).toMatch(/<html lang="de"/);
    expect(germanPage).toContain(`Den Zugriff`);
    expect(germanPage).toMatch(
      new RegExp(
        // Relative to the page: the token is not written into it again.
        `<a href="\\?lang=ja" hreflang="ja"\\s*>このページを日本語で読む</a`,
      ),
    );

    // The customer switches: the page, its form and its links keep Japanese; the commands do not change.
    const inJapanese = await p.anonymous(`${path}?lang=ja`);
    expect(inJapanese.headers.get('content-language')).toBe('ja');
    const japanesePage = await inJapanese.text();
    expect(japanesePage).toMatch(/<html lang="ja"/);
    expect(japanesePage).toContain(`${german.name} への`);
    expect(japanesePage).toMatch(/action="[^"]*\/done\?lang=ja"/);
    const unescaped = (page: string) =>
      page
        .replace(/&#39;/g, "'")
        .replace(/&quot;/g, '"')
        .replace(/&amp;/g, '&');
    expect(unescaped(germanPage)).toContain(command);
    expect(unescaped(japanesePage)).toContain(command);

    // "I've done it" from the Japanese page comes back to the Japanese page.
    p.clock.advance(61_000);
    const done = await p.anonymous(path.replace(/\/instructions$/, '/done?lang=ja'), { method: 'POST' });
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toMatch(/\/instructions\?checked=now&lang=ja$/);
  });

  it('a single start takes the language in any case, and refuses one of another kind naming the field, writing nothing', async () => {
    const one = customer('', 'nl', () => '');
    const body = (language: unknown) =>
      JSON.stringify({
        customerTenantId: one.tenant,
        customerName: one.name,
        contact: { name: 'Admin', email: one.email },
        scopes: [`/subscriptions/${one.subscription}`],
        language,
      });
    for (const bad of [
      1,
      ['nl'],
      { nl: true },
      '__proto__',
      'constructor',
      'nl\t',
      'nl\u3000',
      'nl-NL',
      null,
    ]) {
      const res = await p.partner('/api/reinstatements', { method: 'POST', body: body(bad) });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ errors: [{ field: 'language' }] });
    }
    const list = async () =>
      ((await (await p.partner(`/api/reinstatements?customer=${one.tenant}`)).json()) as { items: unknown[] })
        .items;
    expect(await list()).toEqual([]);
    const res = await p.partner('/api/reinstatements', { method: 'POST', body: body('NL') });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    await p.settle();
    expect(
      ((await (await p.partner(`/api/reinstatements/${id}`)).json()) as { language: string }).language,
    ).toBe('nl');
    expect(mailsTo(one.email)[0]?.lang).toBe('nl');
  });

  it("previews each mail in any language the partner asks for; the partner's notice is no longer a mail", async () => {
    for (const [language, words] of [
      ['de', 'zu einer Reseller-Beziehung ein'],
      ['ja', 'へのリセラー関係のご招待'],
      ['pt-br', 'para uma relação de revenda'],
    ] as const) {
      const res = await p.partner(`/api/mails/preview/invitation?language=${language}`);
      expect(res.status).toBe(200);
      const tag = language === 'pt-br' ? 'pt-BR' : language;
      expect(res.headers.get('content-language')).toBe(tag);
      expect(decodeURIComponent(res.headers.get('x-mail-subject') ?? '')).toContain(words);
      expect(await res.text()).toContain(`<html lang="${tag}"`);
    }
    // Without a language: DEFAULT_LANGUAGE.
    expect((await p.partner('/api/mails/preview/thanks')).headers.get('content-language')).toBe('fr');
    // The partner's own team hears through the alerts' digest; the notice per reinstatement is gone.
    expect((await p.partner('/api/mails/preview/partner-notice?language=ja')).status).toBe(404);
    for (const bad of ['tlh', '__proto__', 'de%09', '', 'de,fr']) {
      const res = await p.partner(`/api/mails/preview/invitation?language=${bad}`);
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ errors: [{ field: 'language' }] });
    }
  });

  it('a link that knows no reinstatement reads in the browser’s language; hostile language values change nothing', async () => {
    const austrian = await p.anonymous('/api/c/v1.forged.token', { headers: { 'accept-language': 'de-AT' } });
    expect(austrian.status).toBe(404);
    expect(await austrian.text()).toContain('Dieser Link ist nicht gültig');
    for (const header of [
      '\tde;q=abc',
      '__proto__, constructor;q=1',
      'de;q=0',
      `${'x'.repeat(2000)}, de`,
      'de;q=1e999',
    ]) {
      const res = await p.anonymous('/api/c/v1.forged.token', { headers: { 'accept-language': header } });
      expect(res.status).toBe(404);
      expect(res.headers.get('content-language')).toBe('fr');
    }
    for (const lang of ['__proto__', 'constructor', 'de%09', 'de%0D%0A', 'de%E3%80%80', 'toString']) {
      const res = await p.anonymous(`/api/c/v1.forged.token?lang=${lang}`);
      expect(res.status).toBe(404);
      expect(res.headers.get('content-language')).toBe('fr');
    }
  });
});
