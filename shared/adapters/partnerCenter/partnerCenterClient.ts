import type { AppConfig } from '../../config/appConfig';
import { scopeFor } from '../../../lib/azure/clouds';
import { isGuid } from '../../model/identifiers';
import type { Credentials } from '../identity/credentials';
import { JsonServiceClient, type JsonResult } from '../jsonServiceClient';
import type { Failure } from '../outcomes';
import { tlsOptions } from '../../../lib/azure/tls';
import type { PartnerCenterBudget } from './requestBudget';

export type RelationshipCheck =
  { kind: 'related'; relationship: string } | { kind: 'notRelated' } | { kind: 'failed'; failure: Failure };

/** The Azure plan's product id: its subscriptions' offerId starts with it. */
export const AZURE_PLAN_PRODUCT = 'DZH318Z0BPS6';

export interface PartnerCustomer {
  tenantId: string;
  name: string;
}

export interface WebhookRegistration {
  WebhookUrl: string;
  WebhookEvents: string[];
}

/**
 * Partner Center REST API (https://learn.microsoft.com/partner-center/developer/):
 * `GET /v1/customers/{id}` (relationshipToPartner), the customer list and Azure entitlements (the
 * scan), and the webhook registration API (`/webhooks/v1/registration`, `.../validationEvents`).
 *
 * Every request takes its place in the partner tenant's one request budget first (500 a minute,
 * shared by every caller and app instance); a request the budget refuses is not sent, and is answered
 * as Partner Center answers a throttled one (`throttled` with how long to wait), so that callers wait
 * it out the way they wait out a 429. A 429's Retry-After pauses the budget for everyone. Nothing is
 * retried inside a call: each attempt is a request the budget must count.
 */
/** A customer's Azure subscriptions, the Azure plans they belong to, and whether the plans were listed. */
export interface AzureSubscriptions {
  ok: true;
  subscriptionIds: string[];
  planIds: string[];
  /** False when the plans a previous listing found were asked directly (the listing was skipped). */
  plansListed: boolean;
  calls: number;
}

export class PartnerCenterClient {
  private readonly api: JsonServiceClient;

  constructor(
    config: AppConfig,
    credentials: Credentials,
    private readonly budget?: PartnerCenterBudget,
    timeoutMs = 15_000,
  ) {
    this.api = new JsonServiceClient({
      timeoutMs,
      baseUrl: config.cloud.partnerCenter,
      credential: credentials.forTenant(config.partner.tenantId),
      scope: scopeFor(config.cloud.audiences.partnerCenter),
      service: 'Partner Center',
      ...(budget ? { maxRetries: 0 } : {}),
      ...tlsOptions(config.identity.caFile),
    });
  }

  /** One request within the budget: refused ones are not sent; a 429 pauses the budget. */
  private async call<T>(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<JsonResult<T>> {
    if (this.budget) {
      const grant = await this.budget.take();
      if (!grant.granted) return { ok: false, failure: { kind: 'throttled', retryAfterMs: grant.waitMs } };
    }
    const result = await this.api.request<T>(method, path, body, headers);
    if (!result.ok && result.failure.kind === 'throttled')
      await this.budget?.throttled(result.failure.retryAfterMs);
    return result;
  }

  async customerRelationship(customerTenantId: string): Promise<RelationshipCheck> {
    if (!isGuid(customerTenantId)) throw new Error('customer tenant id must be a GUID');
    const result = await this.call<{ relationshipToPartner?: string }>(
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

  /**
   * One page of the partner's customers, `GET /v1/customers?size=N`; the next page is asked for with
   * the continuation token Partner Center returned (`MS-ContinuationToken` header).
   * https://learn.microsoft.com/partner-center/developer/get-a-list-of-customers
   */
  async customers(
    continuationToken?: string,
    size = 100,
  ): Promise<{ ok: true; customers: PartnerCustomer[]; next?: string } | { ok: false; failure: Failure }> {
    const result = await this.call<{
      items?: { id?: unknown; companyProfile?: { companyName?: unknown; domain?: unknown } }[];
      links?: { next?: { headers?: { key?: unknown; value?: unknown }[] } };
    }>(
      'GET',
      `/v1/customers?size=${size}`,
      undefined,
      continuationToken ? { 'MS-ContinuationToken': continuationToken } : {},
    );
    if (!result.ok) return result;
    const customers = (result.data?.items ?? []).flatMap((c) =>
      typeof c.id === 'string' && isGuid(c.id)
        ? [
            {
              tenantId: c.id.toLowerCase(),
              name:
                typeof c.companyProfile?.companyName === 'string' && c.companyProfile.companyName.trim()
                  ? c.companyProfile.companyName
                  : typeof c.companyProfile?.domain === 'string'
                    ? c.companyProfile.domain
                    : c.id,
            },
          ]
        : [],
    );
    const next = result.data?.links?.next?.headers?.find((h) => h.key === 'MS-ContinuationToken')?.value;
    return { ok: true, customers, ...(typeof next === 'string' && next ? { next } : {}) };
  }

  /**
   * The Azure subscriptions of a customer's Azure plans: the customer's subscriptions whose offer is
   * the Azure plan, then each one's Azure entitlements (`.../subscriptions/{id}/azureEntitlements`).
   * https://learn.microsoft.com/partner-center/developer/get-a-list-of-azure-entitlements-for-subscription
   *
   * Given the plans a previous listing found (`knownPlanIds`), it asks only for their entitlements:
   * one call instead of two per customer. A known plan that is gone (404) falls back to the listing.
   */
  async azureSubscriptions(
    customerTenantId: string,
    knownPlanIds: readonly string[] = [],
  ): Promise<AzureSubscriptions | { ok: false; failure: Failure; calls: number }> {
    if (!isGuid(customerTenantId)) throw new Error('customer tenant id must be a GUID');
    if (knownPlanIds.length) {
      const known = await this.entitlementsOf(customerTenantId, knownPlanIds);
      const planGone = !known.ok && known.failure.kind === 'permanent' && known.failure.status === 404;
      if (!planGone) return known.ok ? { ...known, plansListed: false } : known;
      const listed = await this.azureSubscriptions(customerTenantId);
      return { ...listed, calls: listed.calls + known.calls };
    }
    const plans = await this.call<{ items?: { id?: unknown; offerId?: unknown; status?: unknown }[] }>(
      'GET',
      `/v1/customers/${customerTenantId}/subscriptions`,
    );
    if (!plans.ok) return { ...plans, calls: 1 };
    const planIds = (plans.data?.items ?? [])
      .filter(
        (s) =>
          typeof s.offerId === 'string' && s.offerId.startsWith(AZURE_PLAN_PRODUCT) && s.status !== 'deleted',
      )
      .flatMap((s) => (typeof s.id === 'string' ? [s.id] : []));
    const entitlements = await this.entitlementsOf(customerTenantId, planIds);
    return entitlements.ok
      ? { ...entitlements, calls: entitlements.calls + 1, plansListed: true }
      : { ...entitlements, calls: entitlements.calls + 1 };
  }

  /** The Azure subscriptions (entitlements) of the given Azure plans, one call per plan. */
  private async entitlementsOf(
    customerTenantId: string,
    planIds: readonly string[],
  ): Promise<
    | { ok: true; subscriptionIds: string[]; planIds: string[]; calls: number }
    | { ok: false; failure: Failure; calls: number }
  > {
    const subscriptionIds: string[] = [];
    let calls = 0;
    for (const planId of planIds) {
      calls++;
      const entitlements = await this.call<{ items?: { id?: unknown; status?: unknown }[] }>(
        'GET',
        `/v1/customers/${customerTenantId}/subscriptions/${encodeURIComponent(planId)}/azureEntitlements`,
      );
      if (!entitlements.ok) return { ...entitlements, calls };
      for (const e of entitlements.data?.items ?? [])
        if (typeof e.id === 'string' && isGuid(e.id) && e.status !== 'disabled' && e.status !== 'deleted')
          subscriptionIds.push(e.id.toLowerCase());
    }
    return { ok: true, subscriptionIds, planIds: [...planIds], calls };
  }

  async registration(): Promise<
    | { kind: 'none' }
    | { kind: 'registered'; registration: WebhookRegistration }
    | { kind: 'failed'; failure: Failure }
  > {
    const result = await this.call<WebhookRegistration>('GET', '/webhooks/v1/registration');
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
    return this.call<WebhookRegistration>(update ? 'PUT' : 'POST', '/webhooks/v1/registration', registration);
  }

  async sendValidationEvent() {
    return this.call<{ correlationId: string }>('POST', '/webhooks/v1/registration/validationEvents');
  }

  async validationEvent(correlationId: string) {
    return this.call<{ status: string; results?: { responseCode: string; dateTimeUtc: string }[] }>(
      'GET',
      `/webhooks/v1/registration/validationEvents/${encodeURIComponent(correlationId)}`,
    );
  }
}
