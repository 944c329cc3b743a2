import type { IdentityHealth } from '../adapters/identity/partnerUserTokens';
import type { Backlog } from '../email/dispatch';
import type { Alert } from '../model/alerts';
import type { Reinstatement } from '../model/reinstatement';
import type { ScanResult } from '../storage/scanRepository';
import { dayInWords } from '../text/words';

const HOUR_MS = 3_600_000;
/** Mail waiting this long with none sent in the last hour is not moving. */
const STALLED_AFTER_MS = HOUR_MS;

/**
 * Each alert's summary is one line without a final stop (mails and cards put a link after it).
 *
 * The alerts the watch's scan gives: a subscription that lost access since the previous scan, and
 * one that regained it. Ids name the scan and the subscription, so a resumed scan records them once.
 */
export function watchAlerts(scanId: string, results: ScanResult[]): Alert[] {
  return results.flatMap((r): Alert[] => {
    if (r.change !== 'newly-lost' && r.change !== 'regained') return [];
    const where = r.subscriptionId ? `Azure subscription ${r.subscriptionId}` : 'its Azure subscriptions';
    const lost = r.change === 'newly-lost';
    return [
      {
        id: `${lost ? 'access-lost' : 'access-regained'}-${scanId}-${r.customerTenantId}-${r.subscriptionId ?? 'customer'}`,
        kind: lost ? 'access-lost' : 'access-regained',
        at: r.checkedAt,
        summary: lost
          ? `${r.customerName}: no admin rights on ${where}${r.lastAccessAt ? ` (last had them ${dayInWords(r.lastAccessAt)})` : ''}`
          : `${r.customerName}: admin rights on ${where} again`,
        customerName: r.customerName,
        customerTenantId: r.customerTenantId,
        ...(r.subscriptionId ? { subscriptionId: r.subscriptionId } : {}),
      },
    ];
  });
}

/**
 * The alert for a reinstatement that ended: back (for the record), failed or expired (to act on).
 * Cancelled ones were ended by a person, who knows. One per ending: a retried one that fails again
 * ends at another time.
 */
export function endingAlert(r: Reinstatement): Alert | undefined {
  const kind =
    r.state === 'Reinstated'
      ? 'reinstated'
      : r.state === 'Failed'
        ? 'reinstatement-failed'
        : r.state === 'Expired'
          ? 'reinstatement-expired'
          : undefined;
  if (!kind) return undefined;
  const what =
    kind === 'reinstated'
      ? 'admin rights back, checked in Azure'
      : kind === 'reinstatement-failed'
        ? `the reinstatement failed${r.stateReason ? `: ${r.stateReason}` : ''}`
        : 'the reinstatement expired: the customer did not act before the deadline';
  return {
    id: `ended-${r.id}-${r.stateChangedAt}`,
    kind,
    at: r.stateChangedAt,
    summary: `${r.customerName}: ${what}`,
    customerName: r.customerName,
    customerTenantId: r.customerTenantId,
    reinstatementId: r.id,
  };
}

/** Verification's identity needs a person: at most one alert a day. */
export function identityAlert(health: IdentityHealth, now: Date): Alert {
  return {
    id: `identity-${now.toISOString().slice(0, 10)}`,
    kind: 'identity-needs-attention',
    at: now.toISOString(),
    summary: health.problem
      ? `Verification cannot sign in to customers: ${health.problem.explanation}`
      : `Verification's sign-in lapses in ${health.inactivityDaysLeft} days unless renewed`,
  };
}

/** Mail waiting for over an hour with none sent in the last hour: at most one alert a day. */
export function backlogAlert(backlog: Backlog, now: Date): Alert | undefined {
  const queued = backlog.lanes.people.queued + backlog.lanes.bulk.queued;
  const oldest = [backlog.lanes.people.oldestQueuedAt, backlog.lanes.bulk.oldestQueuedAt]
    .filter((at): at is string => Boolean(at))
    .sort()[0];
  if (!queued || backlog.sentLastHour > 0 || !oldest) return undefined;
  if (now.getTime() - Date.parse(oldest) < STALLED_AFTER_MS) return undefined;
  return {
    id: `backlog-${now.toISOString().slice(0, 10)}`,
    kind: 'mail-backlog-stalled',
    at: now.toISOString(),
    summary: `${queued} ${queued === 1 ? 'mail is' : 'mails are'} waiting, the oldest since ${dayInWords(oldest)}, and none went out in the last hour${backlog.failingSince ? `; Azure Communication Services has been failing since ${dayInWords(backlog.failingSince)}` : ''}`,
  };
}
