import type { AppConfig } from '../../config/appConfig';
import { scopeFor } from '../../../lib/azure/clouds';
import { isGuid } from '../../model/identifiers';
import type { Credentials } from '../identity/credentials';
import { JsonServiceClient } from '../jsonServiceClient';
import type { Failure } from '../outcomes';
import { tlsOptions } from '../tls';

export type RelationshipCheck =
  { kind: 'related'; relationship: string } | { kind: 'notRelated' } | { kind: 'failed'; failure: Failure };

export interface WebhookRegistration {
  WebhookUrl: string;
  WebhookEvents: string[];
}

/**
 * Partner Center REST API (https://learn.microsoft.com/partner-center/developer/):
 * `GET /v1/customers/{id}` (relationshipToPartner), and the webhook registration API
 * (`/webhooks/v1/registration`, `.../validationEvents`). Partner Center allows 500 requests per
 * minute per tenant; callers pace reconciliation accordingly.
 */
export class PartnerCenterClient {
  private readonly api: JsonServiceClient;

  constructor(config: AppConfig, credentials: Credentials, timeoutMs = 15_000) {
    this.api = new JsonServiceClient({
      timeoutMs,
      baseUrl: config.cloud.partnerCenter,
      credential: credentials.forTenant(config.partner.tenantId),
      scope: scopeFor(config.cloud.audiences.partnerCenter),
      service: 'Partner Center',
      ...tlsOptions(config),
    });
  }

  async customerRelationship(customerTenantId: string): Promise<RelationshipCheck> {
    if (!isGuid(customerTenantId)) throw new Error('customer tenant id must be a GUID');
    const result = await this.api.request<{ relationshipToPartner?: string }>(
      'GET',
      `/v1/customers/${customerTenantId}`,
    );
    if (!result.ok)
      return result.failure.kind === 'permanent' && result.failure.status === 404
        ? { kind: 'notRelated' }
        : { kind: 'failed', failure: result.failure };
    const relationship = result.data?.relationshipToPartner;
    return relationship && relationship !== 'none'
      ? { kind: 'related', relationship }
      : { kind: 'notRelated' };
  }

  async registration(): Promise<
    | { kind: 'none' }
    | { kind: 'registered'; registration: WebhookRegistration }
    | { kind: 'failed'; failure: Failure }
  > {
    const result = await this.api.request<WebhookRegistration>('GET', '/webhooks/v1/registration');
    if (!result.ok)
      return result.failure.kind === 'permanent' && result.failure.status === 404
        ? { kind: 'none' }
        : { kind: 'failed', failure: result.failure };
    if (
      !result.data ||
      typeof result.data.WebhookUrl !== 'string' ||
      !Array.isArray(result.data.WebhookEvents)
    )
      return { kind: 'none' };
    return { kind: 'registered', registration: result.data };
  }

  async register(registration: WebhookRegistration, update: boolean) {
    return this.api.request<WebhookRegistration>(
      update ? 'PUT' : 'POST',
      '/webhooks/v1/registration',
      registration,
    );
  }

  async sendValidationEvent() {
    return this.api.request<{ correlationId: string }>('POST', '/webhooks/v1/registration/validationEvents');
  }

  async validationEvent(correlationId: string) {
    return this.api.request<{ status: string; results?: { responseCode: string; dateTimeUtc: string }[] }>(
      'GET',
      `/webhooks/v1/registration/validationEvents/${encodeURIComponent(correlationId)}`,
    );
  }
}
