import { isGuid, normalizeGuid } from '../model/identifiers';
import { ValidationError } from '../model/validationError';

export interface InvitationLinkInput {
  partnerTenantId: string;
  /**
   * As in the link Partner Center drafts: 0 for a direct partner. Microsoft documents no meaning for
   * it; an indirect reseller copies it from its own drafted link (docs/PROCEDURE.md, "The msppId").
   */
  msppId: string;
  delegatedAdmin: boolean;
}

/**
 * The personalised "Request a reseller relationship" link Partner Center puts in its draft email.
 * It ties the customer to the partner's account, so it is built only from validated parts and
 * always rendered whole. Format from docs/PROCEDURE.md step 1:
 * https://admin.microsoft.com/Adminportal/Home?invType=ResellerRelationship&partnerId=<id>&msppId=0&DAP=true#/BillingAccounts/partner-invitation
 *
 * Since 2023-10-09 Microsoft no longer grants DAP through this link ("Starting October 9, 2023, DAP
 * will no longer be available with reseller relationships", learn.microsoft.com/partner-center/gdap-faq);
 * `DAP=true` is still accepted by the admin center and simply not honoured.
 */
export function buildInvitationLink(input: InvitationLinkInput): string {
  if (!isGuid(input.partnerTenantId)) throw ValidationError.single('partnerTenantId', 'must be a GUID');
  if (!/^\d{1,10}$/.test(input.msppId))
    throw ValidationError.single('msppId', 'must be digits (0 for a direct partner)');
  const query = [
    'invType=ResellerRelationship',
    `partnerId=${normalizeGuid(input.partnerTenantId)}`,
    `msppId=${input.msppId}`,
    `DAP=${input.delegatedAdmin ? 'true' : 'false'}`,
  ].join('&');
  return `https://admin.microsoft.com/Adminportal/Home?${query}#/BillingAccounts/partner-invitation`;
}
