import type { AppConfig } from '../../config/appConfig';
import { buildCustomerScripts } from '../../instructions/customerScripts';
import { grantLinks } from '../../instructions/grantTemplates';
import { buildInvitationLink } from '../../links/invitationLink';
import { parseScope } from '../../model/scopes';
import type { Language } from '../../model/languages';
import type { ScopeStatus } from '../../model/reinstatement';
import { composeMail, mailLanguage, type MailFacts } from './composeMail';
import type { MailTemplateKind } from './mailTemplate';
import type { EmailContent } from './message';

const TENANT = '7f3c2a10-4b5e-4c6d-8e9f-0a1b2c3d4e5f';
const SUBSCRIPTION = '/subscriptions/a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d';
const GROUP = '0b5ad5d4-6e5f-4d4c-9a0e-2b1c3d4e5f60';

/**
 * Any mail kind for a sample reinstatement (Contoso Ltd, one subscription and one resource group),
 * with the partner's real settings and templates, in a language (the default language when none is
 * named): what the preview route shows and the screenshots are taken of. The links point at this app
 * but carry no valid token.
 */
export function sampleMail(
  config: AppConfig,
  kind: MailTemplateKind,
  wanted: Language = config.partner.defaultLanguage,
): EmailContent & { language: Language } {
  const language = mailLanguage(config, kind, wanted);
  const scopes: ScopeStatus[] = [
    {
      scope: SUBSCRIPTION,
      kind: 'subscription',
      status: 'Pending',
      lastCheck: {
        at: '2026-11-27T09:00:00Z',
        finding: 'no-access',
        explanation:
          'no access yet: the Owner role assignment for the partner group has not been made here, or has not reached Azure yet',
      },
    },
    {
      scope: `${SUBSCRIPTION}/resourceGroups/rg-prod`,
      kind: 'resourceGroup',
      status: 'Verified',
      verifiedAt: '2026-11-27T09:00:00Z',
    },
  ];
  const scripts = buildCustomerScripts({
    customerTenantId: TENANT,
    scopes: scopes.map((s) => parseScope(s.scope)),
    partnerGroupObjectId: GROUP,
    partnerGroupName: config.partner.groupName,
    language,
  });
  const base = `${config.links.publicBaseUrl}/api/c/sample`;
  const who = { customerName: 'Contoso Ltd', contactName: 'Ada Admin', language };
  const expires = new Date(Date.UTC(2026, 11, 11));
  const invitation = {
    ...who,
    acceptLink: base,
    microsoftLink: buildInvitationLink({
      partnerTenantId: config.partner.tenantId,
      msppId: config.partner.msppId,
      delegatedAdmin: false,
    }),
    delegatedAdmin: false,
    expiresAt: expires,
  };
  const instructions = {
    ...who,
    instructionsLink: `${base}/instructions`,
    deployLinks: grantLinks(base, scopes),
    scripts,
    scopes,
    deadline: expires,
  };
  const facts: Record<MailTemplateKind, MailFacts> = {
    invitation: {
      kind: 'invitation',
      ...invitation,
      note: 'As discussed on the phone, this restores our access to your Azure subscription after the move.',
      reminderNumber: 0,
    },
    'invitation-reminder': { kind: 'invitation-reminder', ...invitation, reminderNumber: 1 },
    instructions: { kind: 'instructions', ...instructions, reminderNumber: 0 },
    'instructions-reminder': { kind: 'instructions-reminder', ...instructions, reminderNumber: 1 },
    thanks: { kind: 'thanks', ...who, scopes, scripts },
  };
  return { ...composeMail(config, facts[kind]), language };
}
