import fc from 'fast-check';
import { composeInvitation } from '../../shared/email/templates/invitation';
import { buildInvitationLink } from '../../shared/links/invitationLink';
import { hasControlCharactersBeyondLineBreaks } from '../../shared/text/plainText';
import { PARTNER_TENANT } from '../support/fixtures';

const invitationLink = buildInvitationLink({
  partnerTenantId: PARTNER_TENANT,
  msppId: '0',
  delegatedAdmin: true,
});
const base = {
  partnerName: 'Fabrikam CSP',
  customerName: 'Contoso <Ltd> & "Co"',
  contactName: 'Ada',
  invitationLink,
  delegatedAdmin: false,
  expiresAt: new Date('2026-12-10T00:00:00Z'),
};

/** The href values of every anchor, entity-decoded the way a mail client reads them. */
function hrefs(html: string): string[] {
  return [...html.matchAll(/<a href="([^"]*)">/g)].map((m) =>
    (m[1] as string)
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&#96;/g, '`')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&'),
  );
}

describe('invitation draft', () => {
  it('names the partner as its customers know it, or as "your Microsoft partner" mid-sentence', () => {
    const named = composeInvitation({ ...base, note: 'hi' });
    expect(named.subject).toBe('Fabrikam CSP invites Contoso <Ltd> & "Co" to a reseller relationship');
    expect(named.text).toContain('A note from Fabrikam CSP:');
    const mail = composeInvitation({ ...base, partnerName: undefined, note: 'hi', reminder: 1 });
    expect(mail.subject).toBe(
      'Reminder: Your Microsoft partner invites Contoso <Ltd> & "Co" to a reseller relationship',
    );
    expect(mail.text).toContain('Your Microsoft partner asks Contoso');
    expect(mail.text).toContain('A note from your Microsoft partner:');
  });

  it('keeps the personalised link whole and escapes every value in HTML', () => {
    const mail = composeInvitation({ ...base, note: '<script>alert(1)</script>\nSee https://evil.example' });
    expect(mail.text).toContain(`\n${invitationLink}\n`);
    expect(hrefs(mail.html)).toEqual([invitationLink]);
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).toContain('Contoso &lt;Ltd&gt; &amp; &quot;Co&quot;');
    expect(mail.text).toContain('> <script>alert(1)</script>\n> See https://evil.example');
  });

  it('offers the tracked link first and still shows the Microsoft link verbatim', () => {
    const tracked = 'https://reinstate.partner.example/api/c/v1.abc.def';
    const mail = composeInvitation({ ...base, trackedLink: tracked });
    expect(hrefs(mail.html)).toEqual([tracked, invitationLink]);
    expect(mail.text.indexOf(tracked)).toBeLessThan(mail.text.indexOf(invitationLink));
  });

  it('says DAP is no longer granted when the partner asked for it', () => {
    expect(composeInvitation({ ...base, delegatedAdmin: true }).text).toContain('no longer grants DAP');
    expect(composeInvitation(base).text).not.toContain('no longer grants DAP');
  });

  it('survives any plain-text note: the link is always present, unaltered, and outside the note', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 300 }).filter((n) => !hasControlCharactersBeyondLineBreaks(n)),
        (note) => {
          const mail = composeInvitation({ ...base, note });
          expect(hrefs(mail.html)).toEqual([invitationLink]);
          expect(mail.text.split('\n')).toContain(invitationLink);
          // The note cannot open an element of its own.
          expect(mail.html.match(/<a /g)?.length).toBe(1);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
