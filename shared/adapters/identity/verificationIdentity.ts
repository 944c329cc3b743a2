import type { TableClient } from '@azure/data-tables';
import type { TokenCredential } from '@azure/identity';
import type { AppConfig } from '../../config/appConfig';
import type { Credentials } from './credentials';
import { PartnerUserTokens } from './partnerUserTokens';
import { RefreshTokenVault } from './refreshTokenVault';

export interface VerificationIdentity {
  /** The partner user's delegated tokens and the identity's health (used in either mode for readiness). */
  partnerUser: PartnerUserTokens;
  /** The identity that reads a customer's role assignments, as VERIFICATION_IDENTITY chooses. */
  tokensIn: (tenantId: string) => TokenCredential;
}

/** The identity verification reads customers' role assignments with (docs/IDENTITY.md). */
export function createVerificationIdentity(
  config: AppConfig,
  credentials: Credentials,
  stateTable: TableClient,
): VerificationIdentity {
  const partnerUser = new PartnerUserTokens(
    config,
    credentials.authenticate,
    new RefreshTokenVault(stateTable, config.links.signingKeys),
  );
  return {
    partnerUser,
    tokensIn:
      config.identity.verification === 'appOnly'
        ? (tenantId) => credentials.forTenant(tenantId)
        : (tenantId) => partnerUser.forTenant(tenantId),
  };
}
