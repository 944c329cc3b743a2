import { buildInvitationLink } from '../../shared/links/invitationLink';
import { ValidationError } from '../../shared/model/validationError';
import { PARTNER_TENANT } from '../support/fixtures';

describe('buildInvitationLink', () => {
  it('builds the reseller relationship link with DAP', () => {
    expect(buildInvitationLink({ partnerTenantId: PARTNER_TENANT, msppId: '0', delegatedAdmin: true })).toBe(
      `https://admin.microsoft.com/Adminportal/Home?invType=ResellerRelationship&partnerId=${PARTNER_TENANT}&msppId=0&DAP=true#/BillingAccounts/partner-invitation`,
    );
  });

  it('builds it without DAP, for an indirect provider, normalising the tenant id', () => {
    const link = new URL(
      buildInvitationLink({
        partnerTenantId: PARTNER_TENANT.toUpperCase(),
        msppId: '4567890',
        delegatedAdmin: false,
      }),
    );
    expect(link.origin + link.pathname).toBe('https://admin.microsoft.com/Adminportal/Home');
    expect(Object.fromEntries(link.searchParams)).toEqual({
      invType: 'ResellerRelationship',
      partnerId: PARTNER_TENANT,
      msppId: '4567890',
      DAP: 'false',
    });
    expect(link.hash).toBe('#/BillingAccounts/partner-invitation');
  });

  it.each([
    [{ partnerTenantId: 'contoso.onmicrosoft.com', msppId: '0' }, 'partnerTenantId'],
    [{ partnerTenantId: `${PARTNER_TENANT}&DAP=true`, msppId: '0' }, 'partnerTenantId'],
    [{ partnerTenantId: PARTNER_TENANT, msppId: '0&partnerId=evil' }, 'msppId'],
    [{ partnerTenantId: PARTNER_TENANT, msppId: '' }, 'msppId'],
  ])('refuses parts that could alter the link: %p', (input, field) => {
    expect(() => buildInvitationLink({ ...input, delegatedAdmin: false })).toThrow(ValidationError);
    try {
      buildInvitationLink({ ...input, delegatedAdmin: false });
    } catch (e) {
      expect((e as ValidationError).issues[0]?.field).toBe(field);
    }
  });
});
