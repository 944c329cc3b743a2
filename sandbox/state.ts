import { randomUUID } from 'node:crypto';
import { OWNER_ROLE_DEFINITION_ID } from '../lib/azure/builtInRoles';

/** Everything the simulated Microsoft cloud knows, per simulated tenant. */
export interface SimulatedApp {
  clientId: string;
  secret: string;
  homeTenantId: string;
  /** The app's service principal in its home tenant. */
  objectId: string;
  /** Where the authorization endpoint may send a signed-in user back to (the app registration's). */
  redirectUris?: string[];
  /** Certificates (PEM) registered on the app: client assertions signed with their keys are accepted. */
  certificates?: string[];
}

/** A person of the partner's tenant, who can sign in to the partner's app. */
export interface SimulatedUser {
  id: string;
  userPrincipalName: string;
  displayName: string;
  tenantId: string;
  /** Groups of the home tenant the user belongs to (AdminAgents, for the partner's admin). */
  memberOf: string[];
  /** Refresh tokens issued before this instant are revoked (Entra's `signInSessionsValidFromDateTime`). */
  tokensValidFrom?: string;
  /** Conditional Access or MFA wants this user to sign in again interactively. */
  interactionRequired?: boolean;
  /** App roles assigned to the user on the partner's app (the console's `Reinstatement.*`). */
  appRoles?: string[];
}

export interface SimulatedCustomer {
  tenantId: string;
  /** The company's name, as the partner knows it. */
  name: string;
  subscriptions: string[];
  /** Reseller relationship accepted (Partner Center's relationshipToPartner). */
  relationship?: 'reseller';
  /** The customer's own administrator, as an app that can create role assignments. */
  admin: SimulatedApp;
  /**
   * Apps of other tenants with a service principal here (consented, e.g. through Partner Center's
   * application consent), by client id → the service principal's object id in this tenant.
   */
  servicePrincipals: Record<string, string>;
  /** An active GDAP relationship with a group nested in the partner group: partner users may sign in here. */
  gdap: boolean;
  /** The customer's Azure plan in Partner Center; its Azure entitlements are `subscriptions`. */
  azurePlanId?: string;
  /** Partner Center answers this status for the Azure plan's entitlements (a customer that errs). */
  entitlementsError?: number;
}

export interface CustomerOptions {
  /** The partner's app is consented in the customer's tenant (default true). */
  partnerAppConsented?: boolean;
  /** A GDAP relationship lets the partner's users into the tenant (default true). */
  gdap?: boolean;
  /** Partner Center fails on this customer's Azure entitlements with this status. */
  entitlementsError?: number;
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
  /** Where answers go (ACS `replyTo`). */
  replyTo?: string[];
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

/** Everything a sandbox cloud keeps across restarts but the mail (which is appended to a log). */
export interface SavedState {
  version: 2;
  partnerTenantId: string;
  groups: { id: string; displayName: string; tenantId: string }[];
  apps: SimulatedApp[];
  users: SimulatedUser[];
  customers: SimulatedCustomer[];
  roleAssignments: RoleAssignment[];
  registration?: WebhookRegistration;
  validationEvents: ValidationEvent[];
}

/** A cloud saved before partner users, consent and GDAP were simulated. */
export interface SavedStateV1 extends Omit<SavedState, 'version' | 'users' | 'customers'> {
  version: 1;
  customers: Omit<SimulatedCustomer, 'servicePrincipals' | 'gdap'>[];
}

export class SandboxState {
  readonly partnerTenantId: string;
  readonly groups = new Map<string, { id: string; displayName: string; tenantId: string }>();
  readonly apps = new Map<string, SimulatedApp>();
  readonly users = new Map<string, SimulatedUser>();
  readonly customers = new Map<string, SimulatedCustomer>();
  readonly roleAssignments = new RoleAssignmentStore();
  readonly outbox: SentMail[] = [];
  registration: WebhookRegistration | undefined;
  readonly validationEvents = new Map<string, ValidationEvent>();
  /** Webhook deliveries made, newest last (for the sandbox's own page and tests). */
  readonly deliveries: { event: unknown; status: number | string; at: string }[] = [];
  /** Called with every mail ACS accepts (the sandbox appends it to its log on disk). */
  onMail: (mail: SentMail) => void = () => {};

  /** ACS accepted a mail: it is in the outbox for good. */
  recordMail(mail: SentMail): void {
    this.outbox.push(mail);
    this.onMail(mail);
  }

  toSaved(): SavedState {
    return {
      version: 2,
      partnerTenantId: this.partnerTenantId,
      groups: [...this.groups.values()],
      apps: [...this.apps.values()],
      users: [...this.users.values()],
      customers: [...this.customers.values()],
      roleAssignments: [...this.roleAssignments.values()],
      ...(this.registration ? { registration: this.registration } : {}),
      validationEvents: [...this.validationEvents.values()],
    };
  }

  /** A sandbox cloud as it was saved, with the mail it had sent. */
  static fromSaved(saved: SavedState | SavedStateV1, outbox: SentMail[]): SandboxState {
    const partnerApp = saved.apps.find((a) => a.homeTenantId === saved.partnerTenantId);
    const group = saved.groups.find((g) => g.tenantId === saved.partnerTenantId);
    if (!partnerApp || !group) throw new Error('the saved sandbox has no partner app or group');
    const state = new SandboxState({
      partnerTenantId: saved.partnerTenantId,
      partnerGroupName: group.displayName,
      partnerAppClientId: partnerApp.clientId,
      partnerAppSecret: partnerApp.secret,
    });
    state.groups.clear();
    state.apps.clear();
    for (const g of saved.groups) state.groups.set(g.id, g);
    for (const a of saved.apps) state.apps.set(a.clientId, a);
    if (saved.version === 2) {
      state.users.clear();
      for (const u of saved.users) state.users.set(u.id, u);
      for (const c of saved.customers) state.customers.set(c.tenantId.toLowerCase(), c);
    } else {
      // A cloud saved before partner users existed: its partner admin is the constructor's, and
      // its customers had consented to the partner's app with a GDAP relationship in place.
      for (const c of saved.customers)
        state.customers.set(c.tenantId.toLowerCase(), {
          ...c,
          servicePrincipals: { [partnerApp.clientId]: randomUUID() },
          gdap: true,
        });
    }
    // A cloud saved before the console: its admin gets both roles, and the console's people appear.
    state.partnerAdmin.appRoles ??= ['Reinstatement.Read', 'Reinstatement.Operate'];
    state.addConsoleUsers();
    for (const r of saved.roleAssignments) state.roleAssignments.set(r.name, r);
    if (saved.registration) state.registration = saved.registration;
    for (const v of saved.validationEvents) state.validationEvents.set(v.correlationId, v);
    state.outbox.push(...outbox);
    return state;
  }

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
      redirectUris: [],
    });
    // The partner's admin: a member of the partner group, who connects the app (Secure Application Model).
    const admin: SimulatedUser = {
      id: randomUUID(),
      userPrincipalName: 'partner.admin@partner.example',
      displayName: 'Partner Admin',
      tenantId: options.partnerTenantId,
      memberOf: [group.id],
      appRoles: ['Reinstatement.Read', 'Reinstatement.Operate'],
    };
    this.users.set(admin.id, admin);
    this.addConsoleUsers();
  }

  /** People of the partner who use the console but are not admins: one who may only read, one with no role. */
  addConsoleUsers(): void {
    const people = [
      { upn: 'reader@partner.example', name: 'Rita Reader', roles: ['Reinstatement.Read'] },
      { upn: 'newcomer@partner.example', name: 'Nico Newcomer', roles: [] },
    ];
    for (const p of people) {
      if (this.userByName(p.upn)) continue;
      const id = randomUUID();
      this.users.set(id, {
        id,
        userPrincipalName: p.upn,
        displayName: p.name,
        tenantId: this.partnerTenantId,
        memberOf: [],
        appRoles: p.roles,
      });
    }
  }

  get adminAgents() {
    return [...this.groups.values()].find((g) => g.tenantId === this.partnerTenantId)!;
  }

  /** The partner's multi-tenant app. */
  get partnerApp(): SimulatedApp {
    return [...this.apps.values()].find((a) => a.homeTenantId === this.partnerTenantId)!;
  }

  /** The partner's admin user (a member of the partner group). */
  get partnerAdmin(): SimulatedUser {
    return [...this.users.values()].find(
      (u) => u.tenantId === this.partnerTenantId && u.memberOf.includes(this.adminAgents.id),
    )!;
  }

  userByName(userPrincipalName: string): SimulatedUser | undefined {
    const wanted = userPrincipalName.toLowerCase();
    return [...this.users.values()].find((u) => u.userPrincipalName.toLowerCase() === wanted);
  }

  /** Adds a customer tenant with subscriptions and an administrator able to grant roles. */
  addCustomer(
    tenantId: string,
    subscriptions: string[],
    name = `Customer ${tenantId.slice(0, 8)}`,
    options: CustomerOptions = {},
  ): SimulatedCustomer {
    const admin: SimulatedApp = {
      clientId: randomUUID(),
      secret: randomUUID(),
      homeTenantId: tenantId,
      objectId: randomUUID(),
    };
    const customer: SimulatedCustomer = {
      tenantId,
      name,
      subscriptions: subscriptions.map((s) => s.toLowerCase()),
      admin,
      servicePrincipals:
        options.partnerAppConsented === false ? {} : { [this.partnerApp.clientId]: randomUUID() },
      gdap: options.gdap ?? true,
      azurePlanId: randomUUID(),
      ...(options.entitlementsError ? { entitlementsError: options.entitlementsError } : {}),
    };
    this.customers.set(tenantId.toLowerCase(), customer);
    this.apps.set(admin.clientId, admin);
    return customer;
  }

  /**
   * The customer's administrator grants Owner to the partner group as a ForeignGroup at `scope`, as
   * New-AzRoleAssignment would (for tests and the sandbox's customer page).
   */
  grantOwnerToPartner(scope: string): RoleAssignment {
    const subscriptionId = (scope.split('/')[2] ?? '').toLowerCase();
    if (!this.customerOfSubscription(subscriptionId))
      throw new Error(`no customer has subscription ${subscriptionId}`);
    const name = randomUUID();
    const assignment: RoleAssignment = {
      id: `${scope}/providers/Microsoft.Authorization/roleAssignments/${name}`,
      name,
      scope,
      roleDefinitionId: `/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${OWNER_ROLE_DEFINITION_ID}`,
      principalId: this.adminAgents.id,
      principalType: 'ForeignGroup',
      createdOn: new Date().toISOString(),
    };
    this.roleAssignments.set(name, assignment);
    return assignment;
  }

  customerOfSubscription(subscriptionId: string): SimulatedCustomer | undefined {
    return [...this.customers.values()].find((c) => c.subscriptions.includes(subscriptionId.toLowerCase()));
  }
}

/** `/a/b/c` → [`/a`, `/a/b`, `/a/b/c`] (lower-cased keys). */
export function ancestorKeys(key: string): string[] {
  const parts = key.split('/').filter(Boolean);
  return parts.map((_, i) => `/${parts.slice(0, i + 1).join('/')}`);
}

/**
 * Role assignments indexed for ARM's list semantics: by exact scope key (at and above a scope is one
 * lookup per ancestor) and by every ancestor prefix (below a scope is one lookup).
 */
export class RoleAssignmentStore {
  private readonly byName = new Map<string, RoleAssignment & { key: string }>();
  private readonly atKey = new Map<string, Set<string>>();
  private readonly underKey = new Map<string, Set<string>>();

  private static index(map: Map<string, Set<string>>, key: string, name: string, add: boolean): void {
    const names = map.get(key) ?? new Set<string>();
    if (add) names.add(name);
    else names.delete(name);
    map.set(key, names);
  }

  set(name: string, assignment: RoleAssignment): void {
    this.delete(name);
    const key = assignment.scope.toLowerCase().replace(/\/+$/, '');
    this.byName.set(name, { ...assignment, key });
    RoleAssignmentStore.index(this.atKey, key, name, true);
    for (const ancestor of ancestorKeys(key).slice(0, -1))
      RoleAssignmentStore.index(this.underKey, ancestor, name, true);
  }

  get(name: string): RoleAssignment | undefined {
    return this.byName.get(name);
  }

  delete(name: string): void {
    const found = this.byName.get(name);
    if (!found) return;
    this.byName.delete(name);
    RoleAssignmentStore.index(this.atKey, found.key, name, false);
    for (const ancestor of ancestorKeys(found.key).slice(0, -1))
      RoleAssignmentStore.index(this.underKey, ancestor, name, false);
  }

  get size(): number {
    return this.byName.size;
  }

  values(): IterableIterator<RoleAssignment> {
    return this.byName.values();
  }

  /** Assignments at `key` or above it (and, with `below`, under it too). */
  around(key: string, below: boolean): (RoleAssignment & { key: string })[] {
    const names = new Set<string>();
    for (const ancestor of ancestorKeys(key)) for (const n of this.atKey.get(ancestor) ?? []) names.add(n);
    if (below) for (const n of this.underKey.get(key) ?? []) names.add(n);
    return [...names]
      .map((n) => this.byName.get(n))
      .filter((a): a is RoleAssignment & { key: string } => a !== undefined);
  }
}
