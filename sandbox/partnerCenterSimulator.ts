import { createPrivateKey, randomUUID, sign } from 'node:crypto';
import { derOf, type SandboxPki } from './certificates';
import type { TokenSigner } from './jwt';
import type { SandboxState } from './state';
import { bearer, json, parseJson, type SimRequest } from './httpUtil';

/**
 * Partner Center, as far as this product uses it:
 *   GET  /v1/customers/{tenant-id}                 relationshipToPartner once the customer accepted
 *   GET  /v1/customers?size=N                      the partner's customers, paged (MS-ContinuationToken)
 *   GET  /v1/customers/{tenant-id}/subscriptions   each customer's Azure plan (offer DZH318Z0BPS6)
 *   GET  /v1/customers/{tenant-id}/subscriptions/{id}/azureEntitlements   the plan's Azure subscriptions
 *   GET|POST|PUT|DELETE /webhooks/v1/registration, GET /webhooks/v1/registration/events,
 *   POST /webhooks/v1/registration/validationEvents, GET .../validationEvents/{correlationId}
 *   GET  /cert/{name}.cer                          the webhook signing certificate (certificate host)
 * and the webhook calls Partner Center makes: POST to the registered URL, `Authorization: Signature
 * <base64 RSA-SHA256 of the body>`, `x-ms-signature-algorithm: rsa-sha256`, `x-ms-certificate-url`,
 * retried up to 10 times.
 * https://learn.microsoft.com/partner-center/developer/partner-center-webhooks
 * https://learn.microsoft.com/partner-center/developer/get-a-customer-by-id
 * https://learn.microsoft.com/partner-center/developer/get-a-list-of-customers
 * https://learn.microsoft.com/partner-center/developer/get-all-of-a-customer-s-subscriptions
 * https://learn.microsoft.com/partner-center/developer/get-a-list-of-azure-entitlements-for-subscription
 */
/** The Azure plan's product id in Partner Center (its subscriptions' offerId starts with it). */
export const AZURE_PLAN_OFFER = 'DZH318Z0BPS6';
export const SUPPORTED_EVENTS = [
  'test-created',
  'reseller-relationship-accepted-by-customer',
  'dap-admin-relationship-approved',
  'indirect-reseller-relationship-accepted-by-customer',
  'subscription-updated',
];
export const CERT_PATH = '/cert/pcnotifications-dispatch.microsoft.com.cer';

export type SignerChoice = 'microsoft' | 'impostor' | 'other-organisation';

export class PartnerCenterSimulator {
  /** Which certificate signs outgoing webhooks (tests flip it to prove verification fails). */
  signer: SignerChoice = 'microsoft';
  deliveryAttempts = 10;
  retryDelayMs = 200;
  /** How often each customer's Azure entitlements were read (tests prove a resumed scan reads none twice). */
  readonly entitlementReads = new Map<string, number>();

  constructor(
    private readonly state: SandboxState,
    private readonly pki: SandboxPki,
    private readonly tokens: TokenSigner,
    private readonly audiences: string[],
    private readonly origin: () => string,
    /** The cloud's clock: events are stamped with it (tests run on simulated time). */
    private readonly now: () => number = Date.now,
  ) {}

  handle(sim: SimRequest): boolean {
    if (sim.method === 'GET' && sim.path.startsWith('/cert/')) return this.certificate(sim);
    const isCustomer = /^\/v1\/customers\/([^/]+)$/.exec(sim.path);
    const customerPart =
      /^\/v1\/customers(?:\/([^/]+)\/subscriptions(?:\/([^/]+)\/azureEntitlements)?)?$/.exec(sim.path);
    if (!isCustomer && !customerPart && !sim.path.startsWith('/webhooks/v1/registration')) return false;
    const claims = this.tokens.verify(bearer(sim.req) ?? '', this.audiences);
    if (!claims) return this.error(sim, 401, 'Unauthorized', 'The access token is invalid or expired.');
    if (claims.tid !== this.state.partnerTenantId)
      return this.error(sim, 403, 'Forbidden', 'The caller is not a partner tenant.');
    if (customerPart && sim.method === 'GET') return this.customerBook(sim, customerPart[1], customerPart[2]);
    if (isCustomer) {
      const customer = this.state.customers.get((isCustomer[1] ?? '').toLowerCase());
      if (!customer?.relationship)
        return this.error(sim, 404, 'CustomerNotFound', 'Customer not found for this partner.', 600);
      json(sim.res, 200, {
        id: customer.tenantId,
        companyProfile: {
          tenantId: customer.tenantId,
          domain: `${customer.tenantId.slice(0, 8)}.onmicrosoft.com`,
        },
        relationshipToPartner: customer.relationship,
        attributes: { objectType: 'Customer' },
      });
      return true;
    }
    return this.registration(sim);
  }

  /** The customer list (paged), a customer's subscriptions, and an Azure plan's entitlements. */
  private customerBook(sim: SimRequest, tenantId: string | undefined, planId: string | undefined): true {
    if (!tenantId) {
      const size = Math.min(500, Math.max(1, Number(sim.url.searchParams.get('size') ?? 100) || 100));
      const all = [...this.state.customers.values()];
      const start = Number(sim.req.headers['ms-continuationtoken'] ?? 0) || 0;
      const items = all.slice(start, start + size).map((c) => ({
        id: c.tenantId,
        companyProfile: {
          tenantId: c.tenantId,
          domain: `${c.tenantId.slice(0, 8)}.onmicrosoft.com`,
          companyName: c.name,
        },
        relationshipToPartner: c.relationship ?? 'reseller',
        attributes: { objectType: 'Customer' },
      }));
      const next = start + size < all.length ? String(start + size) : undefined;
      json(sim.res, 200, {
        totalCount: items.length,
        items,
        ...(next
          ? {
              links: {
                next: {
                  uri: `/v1/customers?size=${size}`,
                  method: 'GET',
                  headers: [{ key: 'MS-ContinuationToken', value: next }],
                },
              },
            }
          : {}),
        attributes: { objectType: 'Collection' },
      });
      return true;
    }
    const customer = this.state.customers.get(tenantId.toLowerCase());
    if (!customer)
      return this.error(sim, 404, 'CustomerNotFound', 'Customer not found for this partner.', 600);
    const plan = customer.azurePlanId ?? customer.tenantId;
    if (!planId) {
      json(sim.res, 200, {
        totalCount: 1,
        items: [
          {
            id: plan,
            offerId: `${AZURE_PLAN_OFFER}:0001`,
            offerName: 'Azure plan',
            friendlyName: 'Azure plan',
            quantity: 1,
            status: 'active',
            billingType: 'usage',
            attributes: { objectType: 'Subscription' },
          },
        ],
        attributes: { objectType: 'Collection' },
      });
      return true;
    }
    if (planId.toLowerCase() !== plan.toLowerCase())
      return this.error(sim, 404, 'SubscriptionNotFound', 'Subscription not found.', 800);
    this.entitlementReads.set(customer.tenantId, (this.entitlementReads.get(customer.tenantId) ?? 0) + 1);
    if (customer.entitlementsError)
      return this.error(
        sim,
        customer.entitlementsError,
        'Forbidden',
        'The partner may not read this customer\u2019s Azure entitlements.',
        2000,
      );
    json(sim.res, 200, {
      totalCount: customer.subscriptions.length,
      items: customer.subscriptions.map((id) => ({
        id,
        friendlyName: `Azure subscription ${id.slice(0, 8)}`,
        status: 'active',
        subscriptionId: plan,
        entitlementType: 'asubscription',
        attributes: { objectType: 'AzureEntitlement' },
      })),
      attributes: { objectType: 'Collection' },
    });
    return true;
  }

  private error(
    sim: SimRequest,
    status: number,
    errorName: string,
    description: string,
    code = status,
  ): true {
    json(sim.res, status, { code, description, errorName, isRetryable: status >= 500 || status === 429 });
    return true;
  }

  private certificate(sim: SimRequest): true {
    const choice: Record<string, string> = {
      [CERT_PATH]: this.pki.webhookSigner.certPem,
      '/cert/impostor.cer': this.pki.impostorSigner.certPem,
      '/cert/other-organisation.cer': this.pki.otherOrgSigner.certPem,
    };
    const pem = choice[sim.path];
    if (!pem) return this.error(sim, 404, 'NotFound', 'No such certificate.');
    sim.res.writeHead(200, { 'Content-Type': 'application/pkix-cert' }).end(derOf(pem));
    return true;
  }

  private registration(sim: SimRequest): true {
    const path = sim.path.replace(/^\/webhooks\/v1\/registration/, '');
    if (path === '/events' && sim.method === 'GET')
      return (json(sim.res, 200, SUPPORTED_EVENTS), true as const);
    if (path === '' && sim.method === 'GET') {
      if (!this.state.registration)
        return this.error(
          sim,
          404,
          'RegistrationNotFound',
          'No webhook registration exists for this partner.',
        );
      const { WebhookUrl, WebhookEvents } = this.state.registration;
      return (json(sim.res, 200, { WebhookUrl, WebhookEvents }), true as const);
    }
    if (path === '' && (sim.method === 'POST' || sim.method === 'PUT')) {
      const body = parseJson(sim.body) as { WebhookUrl?: string; WebhookEvents?: string[] } | undefined;
      if (
        !body?.WebhookUrl ||
        !Array.isArray(body.WebhookEvents) ||
        body.WebhookEvents.some((e) => !SUPPORTED_EVENTS.includes(e))
      ) {
        return this.error(
          sim,
          400,
          'InvalidRegistration',
          'WebhookUrl and supported WebhookEvents are required.',
        );
      }
      if (sim.method === 'POST' && this.state.registration)
        return this.error(
          sim,
          409,
          'RegistrationExists',
          'A registration already exists; update it with PUT.',
        );
      if (sim.method === 'PUT' && !this.state.registration)
        return this.error(
          sim,
          404,
          'RegistrationNotFound',
          'No webhook registration exists for this partner.',
        );
      this.state.registration = {
        SubscriberId: this.state.registration?.SubscriberId ?? randomUUID(),
        WebhookUrl: body.WebhookUrl,
        WebhookEvents: body.WebhookEvents,
      };
      return (json(sim.res, 200, this.state.registration), true as const);
    }
    if (path === '' && sim.method === 'DELETE') {
      this.state.registration = undefined;
      return (json(sim.res, 204), true as const);
    }
    if (path === '/validationEvents' && sim.method === 'POST') {
      const reg = this.state.registration;
      if (!reg?.WebhookEvents.includes('test-created'))
        return this.error(
          sim,
          400,
          'NotRegistered',
          "Register for the 'test-created' event before sending a validation event.",
        );
      const correlationId = randomUUID();
      const record = {
        correlationId,
        partnerId: this.state.partnerTenantId,
        status: 'queued' as const,
        callbackUrl: reg.WebhookUrl,
        results: [],
      };
      this.state.validationEvents.set(correlationId, record);
      void this.deliver(
        'test-created',
        `${this.origin()}/webhooks/v1/registration/validationEvents/${correlationId}`,
        'test',
        correlationId,
      );
      return (json(sim.res, 200, { correlationId }), true as const);
    }
    const v = /^\/validationEvents\/([^/]+)$/.exec(path);
    if (v && sim.method === 'GET') {
      const record = this.state.validationEvents.get(v[1] ?? '');
      if (!record) return this.error(sim, 404, 'NotFound', 'No such validation event.');
      return (json(sim.res, 200, record), true as const);
    }
    return this.error(sim, 404, 'NotFound', 'Not found.');
  }

  /** Signs a body as Partner Center does: RSA-SHA256 over the UTF-8 bytes, base64. */
  signedRequest(body: string): { headers: Record<string, string>; body: string } {
    const key = {
      microsoft: this.pki.webhookSigner,
      impostor: this.pki.impostorSigner,
      'other-organisation': this.pki.otherOrgSigner,
    }[this.signer];
    const certPath = {
      microsoft: CERT_PATH,
      impostor: '/cert/impostor.cer',
      'other-organisation': '/cert/other-organisation.cer',
    }[this.signer];
    const signature = sign('sha256', Buffer.from(body, 'utf8'), createPrivateKey(key.keyPem)).toString(
      'base64',
    );
    return {
      body,
      headers: {
        'Content-Type': 'application/json',
        Authorization: `Signature ${signature}`,
        'x-ms-certificate-url': `${this.origin()}${certPath}`,
        'x-ms-signature-algorithm': 'rsa-sha256',
      },
    };
  }

  /** Delivers one event to the registered URL, retrying as Partner Center does; true when acknowledged. */
  async deliver(
    eventName: string,
    resourceUri: string,
    resourceName: string,
    correlationId?: string,
  ): Promise<boolean> {
    const reg = this.state.registration;
    if (!reg || !reg.WebhookEvents.includes(eventName)) return false;
    const event = {
      EventName: eventName,
      ResourceUri: resourceUri,
      ResourceName: resourceName,
      AuditUri: null,
      ResourceChangeUtcDate: new Date(this.now()).toISOString(),
    };
    const request = this.signedRequest(JSON.stringify(event));
    const validation = correlationId ? this.state.validationEvents.get(correlationId) : undefined;
    for (let attempt = 1; attempt <= this.deliveryAttempts; attempt++) {
      let status: number | string;
      try {
        const res = await fetch(reg.WebhookUrl, {
          method: 'POST',
          headers: request.headers,
          body: request.body,
        });
        status = res.status;
      } catch (error) {
        status = error instanceof Error ? error.message : 'connection failed';
      }
      this.state.deliveries.push({ event, status, at: new Date().toISOString() });
      validation?.results.push({
        responseCode: String(status),
        responseMessage: '',
        systemError: typeof status !== 'number',
        dateTimeUtc: new Date().toISOString(),
      });
      if (typeof status === 'number' && status >= 200 && status < 300) {
        if (validation) validation.status = 'completed';
        return true;
      }
      await new Promise((resolve) => setTimeout(resolve, this.retryDelayMs));
    }
    if (validation) validation.status = 'failed';
    return false;
  }

  /** The customer accepts the reseller relationship in the admin center (and DAP, when asked). */
  async accept(customerTenantId: string, delegatedAdmin: boolean): Promise<{ notified: boolean }> {
    const customer = this.state.customers.get(customerTenantId.toLowerCase());
    if (!customer) throw new Error(`unknown customer ${customerTenantId}`);
    customer.relationship = 'reseller';
    const uri = `${this.origin()}/v1/customers/${customer.tenantId}`;
    const notified = await this.deliver('reseller-relationship-accepted-by-customer', uri, 'customer');
    if (delegatedAdmin) await this.deliver('dap-admin-relationship-approved', uri, 'customer');
    return { notified };
  }
}
