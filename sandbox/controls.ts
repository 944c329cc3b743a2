import { randomUUID } from 'node:crypto';
import { FaultInjector, Services, type Faults, type Service } from './faults';
import { json, parseJson, type SimRequest } from './httpUtil';
import type { PartnerCenterSimulator } from './partnerCenterSimulator';
import type { SandboxState, SimulatedCustomer } from './state';

/** The bulk-start CSV header the app documents (its public contract, restated here). */
const CSV_HEADER = 'customerTenantId,customerName,contactName,contactEmail,scopes,delegatedAdmin,note';

/** A customer's administrator's mailbox in the sandbox: every mail to it lands in the outbox. */
export function contactOf(customer: SimulatedCustomer): { name: string; email: string } {
  const slug =
    customer.name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '') || 'customer';
  return { name: `${customer.name} admin`, email: `admin@${slug}.example` };
}

const csvCell = (value: string) => (/[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);

/**
 * What only the sandbox has: a look into its state and outbox, customers to add, a customer who
 * accepts or grants, a ready CSV of its customers for a bulk start, and faults to inject.
 */
export async function handleControls(
  sim: SimRequest,
  state: SandboxState,
  partnerCenter: PartnerCenterSimulator,
  faults: FaultInjector,
): Promise<void> {
  const { path, method } = sim;
  if (path === '/sandbox/state' && method === 'GET')
    return json(sim.res, 200, {
      partnerTenantId: state.partnerTenantId,
      adminAgents: state.adminAgents,
      partnerUsers: [...state.users.values()].map((u) => ({
        id: u.id,
        userPrincipalName: u.userPrincipalName,
        memberOf: u.memberOf,
        tokensValidFrom: u.tokensValidFrom ?? null,
        interactionRequired: Boolean(u.interactionRequired),
      })),
      customers: [...state.customers.values()].map((c) => ({
        tenantId: c.tenantId,
        name: c.name,
        subscriptions: c.subscriptions,
        relationship: c.relationship ?? null,
        partnerAppConsented: Boolean(c.servicePrincipals[state.partnerApp.clientId]),
        gdap: c.gdap,
        contact: contactOf(c),
        adminClientId: c.admin.clientId,
        adminClientSecret: c.admin.secret,
      })),
      roleAssignments: state.roleAssignments.size,
      registration: state.registration ?? null,
      mails: state.outbox.length,
      webhookDeliveries: state.deliveries.length,
    });
  if (path === '/sandbox/outbox' && method === 'GET') {
    // Newest first, a page at a time: a bulk start fills it with thousands.
    const page = Math.max(1, Number(sim.url.searchParams.get('page') ?? 1) || 1);
    const pageSize = Math.min(500, Math.max(1, Number(sim.url.searchParams.get('pageSize') ?? 50) || 50));
    const to = sim.url.searchParams.get('to')?.toLowerCase();
    const mails = to ? state.outbox.filter((m) => m.to.some((a) => a.toLowerCase() === to)) : state.outbox;
    const newest = [...mails].reverse();
    return json(sim.res, 200, {
      total: mails.length,
      page,
      pageSize,
      items: newest.slice((page - 1) * pageSize, page * pageSize),
    });
  }
  if (path === '/sandbox/customers.csv' && method === 'GET') {
    const rows = [...state.customers.values()].map((c) => {
      const contact = contactOf(c);
      const scopes = c.subscriptions.map((s) => `/subscriptions/${s}`).join(';');
      return [c.tenantId, c.name, contact.name, contact.email, scopes, '', ''].map(csvCell).join(',');
    });
    sim.res
      .writeHead(200, { 'Content-Type': 'text/csv; charset=utf-8' })
      .end(`${[CSV_HEADER, ...rows].join('\n')}\n`);
    return;
  }
  if (path === '/sandbox/customers' && method === 'POST') {
    const body = parseJson(sim.body) as
      { tenantId?: string; subscriptions?: string[]; name?: string } | undefined;
    const tenantId = body?.tenantId ?? randomUUID();
    const customer = state.addCustomer(tenantId, body?.subscriptions ?? [randomUUID()], body?.name);
    return json(sim.res, 201, {
      tenantId,
      name: customer.name,
      subscriptions: customer.subscriptions,
      contact: contactOf(customer),
      adminClientId: customer.admin.clientId,
      adminClientSecret: customer.admin.secret,
    });
  }
  const customerAction = /^\/sandbox\/customers\/([^/]+)\/(accept|grant)$/.exec(path);
  if (customerAction && method === 'POST') {
    const customer = state.customers.get((customerAction[1] ?? '').toLowerCase());
    if (!customer) return json(sim.res, 404, { error: `no customer ${customerAction[1]} in the sandbox` });
    if (customerAction[2] === 'accept') {
      const dap = sim.url.searchParams.get('dap') === 'true';
      return json(sim.res, 200, await partnerCenter.accept(customer.tenantId, dap));
    }
    // The customer's admin runs New-AzRoleAssignment on each subscription (or the scope given).
    const scope = sim.url.searchParams.get('scope');
    const scopes = scope ? [scope] : customer.subscriptions.map((s) => `/subscriptions/${s}`);
    return json(sim.res, 200, { granted: scopes.map((s) => state.grantOwnerToPartner(s).id) });
  }
  // What happens to a partner user in Entra: sessions revoked (a password reset), or MFA demanded.
  const userAction = /^\/sandbox\/users\/([^/]+)\/(revoke|require-mfa|clear)$/.exec(path);
  if (userAction && method === 'POST') {
    const user = state.userByName(decodeURIComponent(userAction[1] ?? ''));
    if (!user) return json(sim.res, 404, { error: `no user ${userAction[1]} in the sandbox` });
    if (userAction[2] === 'revoke') user.tokensValidFrom = new Date().toISOString();
    else if (userAction[2] === 'require-mfa') user.interactionRequired = true;
    else delete user.interactionRequired;
    return json(sim.res, 200, {
      userPrincipalName: user.userPrincipalName,
      tokensValidFrom: user.tokensValidFrom ?? null,
      interactionRequired: Boolean(user.interactionRequired),
    });
  }
  // The partner's access to a customer's tenant: the app's consent there, and the GDAP relationship.
  const accessAction = /^\/sandbox\/customers\/([^/]+)\/partner-access$/.exec(path);
  if (accessAction && method === 'POST') {
    const customer = state.customers.get((accessAction[1] ?? '').toLowerCase());
    if (!customer) return json(sim.res, 404, { error: `no customer ${accessAction[1]} in the sandbox` });
    const body = parseJson(sim.body) as { partnerAppConsented?: unknown; gdap?: unknown } | undefined;
    const clientId = state.partnerApp.clientId;
    if (typeof body?.partnerAppConsented === 'boolean') {
      if (!body.partnerAppConsented) delete customer.servicePrincipals[clientId];
      else customer.servicePrincipals[clientId] ??= randomUUID();
    }
    if (typeof body?.gdap === 'boolean') customer.gdap = body.gdap;
    return json(sim.res, 200, {
      partnerAppConsented: Boolean(customer.servicePrincipals[clientId]),
      gdap: customer.gdap,
    });
  }
  if (path === '/sandbox/faults' && method === 'POST') {
    const body = parseJson(sim.body) as ({ service?: Service } & Partial<Faults>) | undefined;
    if (!body?.service || !Services.includes(body.service))
      return json(sim.res, 400, { error: `service must be one of ${Services.join(', ')}` });
    const { service, ...set } = body;
    faults.set(service, set);
    return json(sim.res, 200, faults.get(service));
  }
  if (path === '/sandbox/faults' && method === 'DELETE') {
    faults.clear();
    return json(sim.res, 204);
  }
  json(sim.res, 404, { error: 'unknown sandbox control' });
}
