import { parseReinstatementRequest, type ReinstatementRequest } from '../../shared/model/request';

export const CUSTOMER_TENANT = '7f3c2a10-4b5e-4c6d-8e9f-0a1b2c3d4e5f';
export const SUBSCRIPTION = 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d';
export const OTHER_SUBSCRIPTION = 'b2c3d4e5-f6a7-4b8c-9d0e-1f2a3b4c5d6e';
export const PARTNER_TENANT = '11111111-2222-4333-8444-555555555555';
export const ADMIN_AGENTS_ID = '99999999-8888-4777-8666-555555555555';

/** A request body as a partner's tooling would send it. */
export function requestBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    customerTenantId: CUSTOMER_TENANT,
    customerName: 'Contoso Ltd',
    contact: { name: 'Ada Admin', email: 'ada@contoso.com' },
    scopes: [`/subscriptions/${SUBSCRIPTION}`],
    ...overrides,
  };
}

export function sampleRequest(overrides: Record<string, unknown> = {}): ReinstatementRequest {
  return parseReinstatementRequest(requestBody(overrides), { delegatedAdmin: false });
}
