import { z } from 'zod';
import { isGuid, normalizeGuid } from '../../model/identifiers';

/** The Partner Center events this product acts on, plus the validation event. */
export const HANDLED_EVENTS = [
  'reseller-relationship-accepted-by-customer',
  'dap-admin-relationship-approved',
  'test-created',
] as const;
export type HandledEvent = (typeof HANDLED_EVENTS)[number];

export interface PartnerCenterEvent {
  eventName: HandledEvent;
  resourceUri: string;
  /** The customer the event is about, from `.../v1/customers/{tenant-id}`; absent for test-created. */
  customerTenantId?: string;
  changedAt: string;
}

const eventSchema = z.object({
  EventName: z.string().max(100),
  ResourceUri: z.string().max(2048),
  ResourceName: z.string().max(200).nullish(),
  AuditUri: z.string().max(2048).nullish(),
  ResourceChangeUtcDate: z.string().max(64),
});

/**
 * Parses a webhook body (https://learn.microsoft.com/partner-center/developer/partner-center-webhook-events).
 * Unknown events and bodies that do not fit are answered as such, never thrown.
 */
export function parsePartnerCenterEvent(
  rawBody: string,
): { ok: true; event: PartnerCenterEvent } | { ok: false; reason: string } {
  let json: unknown;
  try {
    json = JSON.parse(rawBody);
  } catch {
    return { ok: false, reason: 'body is not JSON' };
  }
  const parsed = eventSchema.safeParse(json);
  if (!parsed.success) return { ok: false, reason: 'body is not a Partner Center event' };
  const { EventName, ResourceUri, ResourceChangeUtcDate } = parsed.data;
  if (!(HANDLED_EVENTS as readonly string[]).includes(EventName))
    return { ok: false, reason: `event ${EventName.slice(0, 60)} is not handled` };
  const changedAt = Date.parse(ResourceChangeUtcDate);
  if (Number.isNaN(changedAt)) return { ok: false, reason: 'ResourceChangeUtcDate is not a date' };
  const eventName = EventName as HandledEvent;
  if (eventName === 'test-created')
    return {
      ok: true,
      event: { eventName, resourceUri: ResourceUri, changedAt: new Date(changedAt).toISOString() },
    };
  let path: string;
  try {
    path = new URL(ResourceUri).pathname;
  } catch {
    return { ok: false, reason: 'ResourceUri is not a URL' };
  }
  const customer = /\/v1\/customers\/([^/]+)\/?$/i.exec(path)?.[1];
  if (!customer || !isGuid(customer))
    return { ok: false, reason: 'ResourceUri does not name a customer tenant' };
  return {
    ok: true,
    event: {
      eventName,
      resourceUri: ResourceUri,
      customerTenantId: normalizeGuid(customer),
      changedAt: new Date(changedAt).toISOString(),
    },
  };
}
