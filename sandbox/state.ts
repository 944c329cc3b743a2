import { randomUUID } from 'node:crypto';

/** Everything the simulated Microsoft cloud knows, per simulated tenant. */
export interface SimulatedApp {
  clientId: string;
  secret: string;
  homeTenantId: string;
  objectId: string;
  /** Group object ids (in the home tenant) the app's service principal belongs to. */
  memberOf: string[];
}

export interface SimulatedCustomer {
  tenantId: string;
  subscriptions: string[];
  /** Reseller relationship accepted (Partner Center's relationshipToPartner). */
  relationship?: 'reseller';
  /** The customer's own administrator, as an app that can create role assignments. */
  admin: SimulatedApp;
}

export interface RoleAssignment {
  id: string;
  name: string;
  scope: string;
  roleDefinitionId: string;
  principalId: string;
  principalType: string;
  createdOn: string;
}

export interface SentMail {
  operationId: string;
  repeatabilityRequestId?: string;
  senderAddress: string;
  to: string[];
  subject: string;
  plainText?: string;
  html?: string;
  acceptedAt: string;
}

export interface WebhookRegistration {
  SubscriberId: string;
  WebhookUrl: string;
  WebhookEvents: string[];
}

export interface ValidationEvent {
  correlationId: string;
  partnerId: string;
  status: 'queued' | 'completed' | 'failed';
  callbackUrl: string;
  results: { responseCode: string; responseMessage: string; systemError: boolean; dateTimeUtc: string }[];
}

export class SandboxState {
  readonly partnerTenantId: string;
  readonly groups = new Map<string, { id: string; displayName: string; tenantId: string }>();
  readonly apps = new Map<string, SimulatedApp>();
  readonly customers = new Map<string, SimulatedCustomer>();
  readonly roleAssignments = new Map<string, RoleAssignment>();
  readonly outbox: SentMail[] = [];
  registration: WebhookRegistration | undefined;
  readonly validationEvents = new Map<string, ValidationEvent>();
  /** Webhook deliveries made, newest last (for the sandbox's own page and tests). */
  readonly deliveries: { event: unknown; status: number | string; at: string }[] = [];

  constructor(options: {
    partnerTenantId: string;
    partnerGroupName?: string;
    partnerAppClientId: string;
    partnerAppSecret: string;
  }) {
    this.partnerTenantId = options.partnerTenantId;
    const group = {
      id: randomUUID(),
      displayName: options.partnerGroupName ?? 'AdminAgents',
      tenantId: options.partnerTenantId,
    };
    this.groups.set(group.id, group);
    this.apps.set(options.partnerAppClientId, {
      clientId: options.partnerAppClientId,
      secret: options.partnerAppSecret,
      homeTenantId: options.partnerTenantId,
      objectId: randomUUID(),
      memberOf: [group.id],
    });
  }

  get adminAgents() {
    return [...this.groups.values()].find((g) => g.tenantId === this.partnerTenantId)!;
  }

  /** Adds a customer tenant with subscriptions and an administrator able to grant roles. */
  addCustomer(tenantId: string, subscriptions: string[]): SimulatedCustomer {
    const admin: SimulatedApp = {
      clientId: randomUUID(),
      secret: randomUUID(),
      homeTenantId: tenantId,
      objectId: randomUUID(),
      memberOf: [],
    };
    const customer: SimulatedCustomer = {
      tenantId,
      subscriptions: subscriptions.map((s) => s.toLowerCase()),
      admin,
    };
    this.customers.set(tenantId.toLowerCase(), customer);
    this.apps.set(admin.clientId, admin);
    return customer;
  }

  customerOfSubscription(subscriptionId: string): SimulatedCustomer | undefined {
    return [...this.customers.values()].find((c) => c.subscriptions.includes(subscriptionId.toLowerCase()));
  }
}
