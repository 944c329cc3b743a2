import fc from 'fast-check';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ConfigError, loadConfig, type AppConfig } from '../../shared/config/appConfig';
import { productTemplate } from '../../shared/email/templates/defaultTemplates';
import { checkMailTemplates } from '../../shared/email/templates/templateSet';
import { composeMail, type MailFacts } from '../../shared/email/templates/composeMail';
import {
  MAIL_TEMPLATE_KINDS,
  TEMPLATE_SPECS,
  type MailTemplateKind,
} from '../../shared/email/templates/mailTemplate';
import { buildCustomerScripts } from '../../shared/instructions/customerScripts';
import { grantLinks } from '../../shared/instructions/grantTemplates';
import { buildInvitationLink } from '../../shared/links/invitationLink';
import { parseScope } from '../../shared/model/scopes';
import type { Language } from '../../shared/model/languages';
import type { ScopeStatus } from '../../shared/model/reinstatement';
import { hasControlCharactersBeyondLineBreaks } from '../../shared/text/plainText';
import { PARTNER_TENANT } from '../support/fixtures';
import { validSettings } from '../support/settings';

const config = loadConfig(
  validSettings({ PARTNER_SUPPORT_PHONE: '+44 20 7946 0000', PARTNER_WEBSITE: 'https://fabrikam.example' }),
);
/** A customer name with markup, quotes, right-to-left script, at the 200-character mark. */
const HOSTILE = `Contoso <b>Ltd</b> & "Co" 'x' شركة كونتوسو ${'ש'.repeat(150)}`.slice(0, 200);
const SUB = '/subscriptions/a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d';
const scripts = buildCustomerScripts({
  customerTenantId: '7f3c2a10-4b5e-4c6d-8e9f-0a1b2c3d4e5f',
  scopes: [parseScope(SUB), parseScope(`${SUB}/resourceGroups/rg-one`)],
  partnerGroupObjectId: '0b5ad5d4-6e5f-4d4c-9a0e-2b1c3d4e5f60',
  partnerGroupName: 'AdminAgents',
});
const scopes: ScopeStatus[] = [
  { scope: SUB, kind: 'subscription', status: 'Verified', verifiedAt: '2026-11-27T10:00:00Z' },
  {
    scope: `${SUB}/resourceGroups/rg-one`,
    kind: 'resourceGroup',
    status: 'Pending',
    lastCheck: {
      at: '2026-11-27T10:00:00Z',
      finding: 'wrong-role',
      explanation: 'the role assigned is Reader; Owner is needed',
    },
  },
];
const microsoftLink = buildInvitationLink({
  partnerTenantId: PARTNER_TENANT,
  msppId: '0',
  delegatedAdmin: false,
});
const ACCEPT = 'https://reinstate.partner.example/api/c/v1.abc.def';
const INSTRUCTIONS = 'https://reinstate.partner.example/api/c/v1.ghi.jkl/instructions';

function facts(kind: MailTemplateKind, customerName = HOSTILE, note?: string): MailFacts {
  const who = { customerName, contactName: `Ada <i>Admin</i>` };
  switch (kind) {
    case 'invitation':
    case 'invitation-reminder':
      return {
        kind,
        ...who,
        ...(note !== undefined ? { note } : { note: '<script>alert(1)</script>\nSee https://evil.example' }),
        acceptLink: ACCEPT,
        microsoftLink,
        delegatedAdmin: false,
        expiresAt: new Date('2026-12-10T00:00:00Z'),
        reminderNumber: kind === 'invitation' ? 0 : 1,
      };
    case 'instructions':
    case 'instructions-reminder':
      return {
        kind,
        ...who,
        instructionsLink: INSTRUCTIONS,
        deployLinks: grantLinks(INSTRUCTIONS.replace(/\/instructions$/, ''), scopes),
        scripts,
        scopes,
        deadline: new Date('2026-12-10T00:00:00Z'),
        reminderNumber: kind === 'instructions' ? 0 : 1,
      };
    case 'thanks':
      return { kind, ...who, scopes, scripts };
  }
}

/** The href values of every anchor, entity-decoded the way a mail client reads them. */
const hrefs = (html: string) =>
  [...html.matchAll(/<a href="([^"]*)"/g)].map((m) =>
    (m[1] as string)
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&#96;/g, '`')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&'),
  );
/** The visible text of the HTML part, as a reader sees it. */
const visible = (html: string) =>
  html
    .replace(/<[^>]+>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');

const REQUIRED_LINKS: Record<MailTemplateKind, string[]> = {
  invitation: [ACCEPT, microsoftLink],
  'invitation-reminder': [ACCEPT, microsoftLink],
  instructions: [INSTRUCTIONS],
  'instructions-reminder': [INSTRUCTIONS],
  thanks: [],
};

describe('every mail kind, with hostile values', () => {
  it.each(MAIL_TEMPLATE_KINDS.map((k) => [k]))(
    '%s: nothing interpreted, the partner named, its links whole in both parts',
    (kind) => {
      const mail = composeMail(config, facts(kind));
      // Nothing a value holds becomes markup: the only elements are the layout's own.
      expect(mail.html).not.toMatch(/<(b|i|script)>/);
      expect(mail.html).toContain('Contoso &lt;b&gt;Ltd&lt;/b&gt; &amp; &quot;Co&quot; &#39;x&#39; شركة');
      expect(mail.subject).not.toMatch(/[\r\n]/);
      expect(visible(mail.html)).toContain('Fabrikam CSP');
      expect(mail.text).toContain('Fabrikam CSP');
      expect(mail.subject).toContain('Fabrikam CSP');
      expect(mail.replyTo).toBe('support@partner.example');
      expect(mail.text).toContain('admin.microsoft.com');
      expect(mail.text).toContain('support@partner.example');
      expect(mail.text).toContain('+44 20 7946 0000');
      for (const link of REQUIRED_LINKS[kind]) {
        expect(mail.text.split('\n')).toContain(link);
        expect(hrefs(mail.html)).toContain(link);
      }
      // A mail is laid out for phones: one table at most 600 px wide, no images or external resources.
      expect(mail.html).toContain('max-width:600px');
      expect(mail.html).not.toMatch(/<img|<link|<script|@import|url\(/i);
    },
  );

  it('the invitation says DAP is no longer granted only when asked for, and quotes the note without interpreting it', () => {
    const plain = composeMail(config, facts('invitation'));
    expect(plain.text).not.toContain('no longer grants DAP');
    expect(plain.text).toContain('> <script>alert(1)</script>\n> See https://evil.example');
    const invitation = facts('invitation');
    if (invitation.kind !== 'invitation') throw new Error('an invitation was expected');
    const dap = composeMail(config, { ...invitation, delegatedAdmin: true });
    expect(dap.text).toContain('no longer grants DAP');
  });

  it("the instructions reminder lists what is still missing, in the check's own words; the instructions say how to take the grant back", () => {
    const reminder = composeMail(config, facts('instructions-reminder'));
    expect(reminder.text).toContain(
      `- ${SUB}/resourceGroups/rg-one: the role assigned is Reader; Owner is needed`,
    );
    expect(reminder.text).not.toContain(`- ${SUB}: `);
    const first = composeMail(config, facts('instructions'));
    expect(first.text).toContain(`Remove-AzRoleAssignment -ObjectId '0b5ad5d4-6e5f-4d4c-9a0e-2b1c3d4e5f60'`);
  });

  it('survives any plain-text note: the links are always present, unaltered, and the note opens no element', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 300 }).filter((n) => !hasControlCharactersBeyondLineBreaks(n)),
        (note) => {
          const mail = composeMail(config, facts('invitation', 'Contoso', note));
          expect(hrefs(mail.html)).toEqual([ACCEPT, microsoftLink]);
          expect(mail.text.split('\n')).toContain(microsoftLink);
          expect(mail.html.match(/<a /g)?.length).toBe(2);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe("the partner's own wording (MAIL_TEMPLATES_DIR)", () => {
  /** The app's configuration with these files in MAIL_TEMPLATES_DIR, checked as at start-up. */
  const withTemplates = (files: Record<string, string>, settings: Record<string, string> = {}): AppConfig => {
    const dir = mkdtempSync(join(tmpdir(), 'templates-'));
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      writeFileSync(join(dir, name), text);
    }
    const custom = loadConfig(validSettings({ MAIL_TEMPLATES_DIR: dir, ...settings }));
    checkMailTemplates(custom);
    return custom;
  };
  const refusal = (files: Record<string, string>) => {
    try {
      withTemplates(files);
    } catch (error) {
      if (error instanceof ConfigError) return error.message;
      throw error;
    }
    throw new Error('the templates were accepted');
  };

  it('replaces the product text, and every value is still escaped', () => {
    const custom = withTemplates({
      'en/invitation.txt': `Subject: {{partnerName}} needs you, {{contactName}}

Dear {{contactName}}, please accept our relationship request for {{customerName}}.

[Accept now]({{acceptLink}})

[Microsoft's own link]({{microsoftLink}})`,
    });
    const mail = composeMail(custom, facts('invitation'));
    expect(mail.subject).toBe('Fabrikam CSP needs you, Ada <i>Admin</i>');
    expect(mail.text).toContain('Dear Ada <i>Admin</i>, please accept');
    expect(mail.html).toContain('Dear Ada &lt;i&gt;Admin&lt;/i&gt;, please accept');
    expect(mail.text).toContain(`Accept now:\n${ACCEPT}`);
    // The other kinds keep the product's text.
    expect(composeMail(custom, facts('thanks')).subject).toContain('Thank you');
  });

  /** A customer's mail of `kind` to a reader of `language`. */
  const inLanguage = (kind: MailTemplateKind, language: Language): MailFacts => ({
    ...facts(kind, 'Contoso'),
    language,
  });

  it("writes each customer in their language's template, else in the partner's default-language one, never mixing", () => {
    const template = (subject: string) =>
      `Subject: ${subject} {{customerName}}\n\n[Accept]({{acceptLink}})\n\n[Microsoft]({{microsoftLink}})`;
    const custom = withTemplates(
      { 'fr/invitation.txt': template('Invitation pour'), 'de/invitation.txt': template('Einladung für') },
      { DEFAULT_LANGUAGE: 'fr' },
    );
    const invitation = (language: Language) => composeMail(custom, inLanguage('invitation', language));
    expect(invitation('de').subject).toBe('Einladung für Contoso');
    expect(invitation('de').html).toContain('<html lang="de"');
    // No Japanese file: the partner's own French, wholly French (its footer too), not the product's Japanese.
    expect(invitation('ja').subject).toBe('Invitation pour Contoso');
    expect(invitation('ja').html).toContain('<html lang="fr"');
    expect(invitation('ja').text).toContain('Envoyé par Fabrikam CSP');
    // A kind the partner wrote in no language: the product's, in the customer's own language.
    expect(composeMail(custom, inLanguage('thanks', 'ja')).html).toContain('<html lang="ja"');
  });

  it('refuses at start-up a template that lacks its required link, naming the template and the value', () => {
    const message = refusal({
      'de/invitation.txt': productTemplate('invitation', 'de').replace(
        /\[[^\]]+\]\(\{\{microsoftLink\}\}\)/,
        'Bitte nehmen Sie sie an.',
      ),
    });
    expect(message).toContain('MAIL_TEMPLATES_DIR: de/invitation.txt');
    expect(message).toContain('{{microsoftLink}}');
  });

  it('refuses unknown values (naming those the mail may use), links not used as buttons, and unknown files', () => {
    expect(refusal({ 'ja/thanks.txt': 'Subject: Thanks {{custmerName}}\n\nHi' })).toMatch(
      /ja\/thanks\.txt: the subject: unknown value \{\{custmerName\}\}; this mail may use .*\{\{customerName\}\}/,
    );
    expect(refusal({ 'en/instructions.txt': 'Subject: Hi\n\nOpen {{instructionsLink}} now' })).toContain(
      'the link {{instructionsLink}} must stand alone as [label]({{instructionsLink}})',
    );
    expect(refusal({ 'en/invitaton.txt': 'Subject: x' })).toContain(
      'en/invitaton.txt is not a template name',
    );
    expect(refusal({ 'fr/thanks.txt': 'Hello' })).toContain("the first line must be 'Subject: ...'");
    expect(refusal({ 'xx/thanks.txt': 'Subject: x' })).toContain('xx/ is not a language folder');
    // The notice per reinstatement gave way to the alerts' digest: a partner's old file is named.
    expect(refusal({ 'en/partner-notice.txt': 'Subject: x' })).toContain(
      "en/partner-notice.txt: the partner's notice per reinstatement is no longer sent",
    );
    expect(refusal({ 'thanks.txt': 'Subject: x' })).toContain(
      'thanks.txt: templates live in a folder per language: move it to en/thanks.txt',
    );
  });
});

describe('docs/MAILS.md', () => {
  it('lists every value, flag, link and block each mail may use, and every kind', () => {
    const doc = readFileSync(join(__dirname, '..', '..', 'docs', 'MAILS.md'), 'utf8');
    for (const kind of MAIL_TEMPLATE_KINDS) {
      expect(doc).toContain(`\`${kind}\``);
      const spec = TEMPLATE_SPECS[kind];
      for (const name of [
        ...Object.keys(spec.values),
        ...Object.keys(spec.links),
        ...Object.keys(spec.blocks),
      ])
        expect([kind, doc.includes(`{{${name}}}`)]).toEqual([kind, true]);
      for (const flag of Object.keys(spec.flags)) expect(doc).toContain(`{{#${flag}}}`);
    }
  });
});
