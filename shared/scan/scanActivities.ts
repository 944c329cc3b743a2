import { mapWithConcurrency } from '../../lib/concurrency';
import type { RoleAssignmentVerifier, ScopeCheck } from '../adapters/arm/roleAssignmentVerifier';
import type { PartnerGroupLookup } from '../adapters/graph/partnerGroupLookup';
import { describeFailure, type Failure } from '../adapters/outcomes';
import type { AlertDispatch } from '../alerts/alertDispatch';
import { watchAlerts } from '../alerts/happenings';
import type { PartnerCenterClient } from '../adapters/partnerCenter/partnerCenterClient';
import { normalizeGuid } from '../model/identifiers';
import { parseScope } from '../model/scopes';
import { isFinalState } from '../model/states';
import type { ReinstatementRepository } from '../storage/reinstatementRepository';
import { countResults, type ScanRepository, type ScanResult } from '../storage/scanRepository';
import { done, type ScanActivities } from '../workflow/contract';
import { watchFacts } from './watchChanges';

export interface ScanDeps {
  scans: ScanRepository;
  partnerCenter: PartnerCenterClient;
  verifier: RoleAssignmentVerifier;
  groupLookup: PartnerGroupLookup;
  repository: ReinstatementRepository;
  alerts: Pick<AlertDispatch, 'record'>;
  now: () => Date;
}

/** Customers Partner Center returns per page of the scan. */
export const SCAN_PAGE_SIZE = 100;
/** Customers checked at once within a page. */
const CUSTOMER_CONCURRENCY = 4;
/**
 * How long the watch trusts the Azure plans it last listed for a customer: meanwhile it asks their
 * entitlements directly (one Partner Center call instead of two), and lists again after this, so a
 * plan added to a customer is found within a week (a removed one at once: its entitlements answer 404).
 */
const PLAN_RELIST_MS = 7 * 86_400_000;

/** What stops a page for now: a throttled or failing service, waited out by the orchestration. */
class WaitAndRetry extends Error {
  constructor(
    readonly reason: string,
    readonly afterMs?: number,
  ) {
    super(reason);
  }
}

const transient = (failure: Failure) => failure.kind !== 'permanent';

/**
 * One Azure subscription's standing, from the verification rule's check: Owner for the partner group
 * as a ForeignGroup at the subscription is access; anything else seen is lost access with what was
 * seen; an identity or a permanent Azure refusal could not be checked. Throttling and outages are
 * waited out (undefined here).
 */
export function classify(
  check: ScopeCheck,
): Pick<ScanResult, 'outcome' | 'finding' | 'explanation'> | undefined {
  switch (check.kind) {
    case 'verified':
      return { outcome: 'has-access', explanation: check.explanation };
    case 'missing':
      return { outcome: 'lost-access', finding: check.finding, explanation: check.explanation };
    case 'identity':
      return { outcome: 'could-not-check', finding: 'partner-identity', explanation: check.explanation };
    case 'error':
      return transient(check.failure)
        ? undefined
        : { outcome: 'could-not-check', explanation: check.explanation };
    case 'throttled':
      return undefined;
  }
}

/**
 * The scan's activities: list a page of the partner's customers (kept, with Partner Center's
 * continuation token, so a resumed scan walks the same pages), classify a page's customers (skipping
 * those already finished, so no subscription is checked twice), and close the scan.
 */
export function createScanActivities(deps: ScanDeps): ScanActivities {
  return {
    async listScanPage(input) {
      const saved = await deps.scans.page(input.scanId, input.page);
      if (saved)
        return done({
          customers: saved.customers.length,
          ...(saved.next ? { next: saved.next } : {}),
          calls: 0,
        });
      const listed = await deps.partnerCenter.customers(input.continuationToken, SCAN_PAGE_SIZE);
      if (!listed.ok)
        return transient(listed.failure)
          ? {
              kind: 'retry',
              reason: `listing customers: ${describeFailure(listed.failure)}`,
              ...(listed.failure.kind === 'throttled' ? { afterMs: listed.failure.retryAfterMs } : {}),
            }
          : {
              kind: 'failed',
              reason: `Partner Center refused the customer list: ${describeFailure(listed.failure)}`,
            };
      await deps.scans.savePage(input.scanId, input.page, listed.customers, listed.next);
      const record = await deps.scans.get(input.scanId);
      await deps.scans.update(input.scanId, {
        customersListed: (record?.customersListed ?? 0) + listed.customers.length,
      });
      return done({
        customers: listed.customers.length,
        ...(listed.next ? { next: listed.next } : {}),
        calls: 1,
      });
    },

    async scanCustomers(input) {
      const saved = await deps.scans.page(input.scanId, input.page);
      if (!saved)
        return { kind: 'failed', reason: `page ${input.page} of scan ${input.scanId} was never listed` };
      const group = await deps.groupLookup.lookup();
      if (group.kind === 'failed')
        return { kind: 'retry', reason: `looking up the partner group: ${describeFailure(group.failure)}` };
      if (group.kind !== 'found')
        return {
          kind: 'failed',
          reason: `the partner group ${group.displayName} is ${group.kind === 'notFound' ? 'not found' : 'ambiguous'}`,
        };
      const previousScanId = (await deps.scans.get(input.scanId))?.previousScanId;
      let calls = 0;
      let scanned = 0;
      // The first wait (a throttled or refused Partner Center call, an outage) stops the page: no
      // worker takes another customer, and the activity answers only once every worker has stopped,
      // so nothing of this page still runs while the orchestration waits (the budget's wait included).
      let wait: WaitAndRetry | undefined;
      await mapWithConcurrency(saved.customers, CUSTOMER_CONCURRENCY, async (customer) => {
        if (wait) return;
        try {
          if (await deps.scans.isCustomerDone(input.scanId, customer.tenantId)) return;
          const at = deps.now().toISOString();
          const base = { customerTenantId: customer.tenantId, customerName: customer.name, checkedAt: at };
          const running = await runningReinstatements(deps.repository, customer.tenantId);
          // The customer's results without a subscription: any running reinstatement of it counts.
          const inReinstatement = running[0] ? { inReinstatement: running[0].id } : {};
          // A subscription's: only one whose scopes lie in that subscription.
          const reinstating = (subscriptionId: string) => {
            const covering = running.find((r) =>
              r.scopes.some((s) => parseScope(s.scope).subscriptionId === normalizeGuid(subscriptionId)),
            );
            return covering ? { inReinstatement: covering.id } : {};
          };
          const previous = previousScanId
            ? await deps.scans.customerResults(previousScanId, customer.tenantId)
            : [];
          const known = knownPlans(previous, Date.parse(at));
          const listed = await deps.partnerCenter.azureSubscriptions(customer.tenantId, known?.planIds);
          calls += listed.calls;
          if (!listed.ok) {
            if (transient(listed.failure) && !input.giveUp)
              throw new WaitAndRetry(
                `listing ${customer.name}'s Azure subscriptions: ${describeFailure(listed.failure)}`,
                listed.failure.kind === 'throttled' ? listed.failure.retryAfterMs : undefined,
              );
            await deps.scans.recordCustomer(
              input.scanId,
              customer.tenantId,
              comparedWithPrevious(previous, [
                {
                  ...base,
                  ...inReinstatement,
                  outcome: 'could-not-check',
                  explanation: notListedBecause(listed.failure),
                },
              ]),
            );
            scanned++;
            return;
          }
          const results: ScanResult[] = [];
          const plans = {
            azurePlanIds: listed.planIds.join(','),
            plansListedAt: listed.plansListed ? at : (known?.listedAt ?? at),
          };
          for (const subscriptionId of listed.subscriptionIds) {
            const check = await deps.verifier.verify(
              customer.tenantId,
              `/subscriptions/${subscriptionId}`,
              group.groupId,
            );
            const found = classify(check);
            if (!found && !input.giveUp)
              throw new WaitAndRetry(
                `checking ${customer.name}'s subscription ${subscriptionId}: ${check.explanation}`,
                check.kind === 'throttled' ? check.retryAfterMs : undefined,
              );
            results.push({
              ...base,
              ...reinstating(subscriptionId),
              ...plans,
              subscriptionId,
              ...(found ?? { outcome: 'could-not-check', explanation: check.explanation }),
            });
          }
          await deps.scans.recordCustomer(
            input.scanId,
            customer.tenantId,
            comparedWithPrevious(previous, results),
          );
          scanned++;
        } catch (error) {
          if (!(error instanceof WaitAndRetry)) throw error;
          wait ??= error;
        }
      });
      if (wait)
        return {
          kind: 'retry',
          reason: wait.reason,
          ...(wait.afterMs !== undefined ? { afterMs: wait.afterMs } : {}),
        };
      return done({ scanned, calls });
    },

    async finishScan(input) {
      const record = await deps.scans.get(input.scanId);
      let results = await deps.scans.allResults(input.scanId);
      const finishedAt = deps.now().toISOString();
      // Only a scan that listed every customer can tell what Partner Center no longer lists, and only
      // such a scan is the next one's baseline (a partial one would make the rest look new).
      if (!input.stoppedBecause) {
        if (record?.previousScanId) {
          const gone = goneSince(await deps.scans.allResults(record.previousScanId), results, finishedAt);
          await deps.scans.recordGone(input.scanId, gone);
          results = [...results, ...gone];
        }
        await deps.scans.markLatestFinished(input.scanId, finishedAt);
      }
      // Recorded before the scan is done, so a scan resumed after a crash records what is missing
      // (each alert once: its id names the scan and the subscription).
      await mapWithConcurrency(watchAlerts(input.scanId, results), 16, (alert) => deps.alerts.record(alert));
      const counts = countResults(results);
      await deps.scans.update(input.scanId, {
        state: 'done',
        finishedAt,
        ...(input.stoppedBecause ? { stoppedBecause: input.stoppedBecause } : {}),
        customersScanned: new Set(results.filter((r) => r.change !== 'gone').map((r) => r.customerTenantId))
          .size,
      });
      return done(counts);
    },
  };
}

/** A reinstatement of this customer that has not ended, if there is one. */
async function runningReinstatements(
  repository: ReinstatementRepository,
  tenantId: string,
): Promise<{ id: string; scopes: { scope: string }[] }[]> {
  const page = await repository.listByCustomer(tenantId, { pageSize: 50 });
  return page.items.filter((r) => !isFinalState(r.state));
}

const subscriptionKey = (r: Pick<ScanResult, 'customerTenantId' | 'subscriptionId'>) =>
  `${r.customerTenantId}/${r.subscriptionId ?? ''}`;

/**
 * The Azure plans the previous scan listed for a customer, while that listing is under a week old:
 * the watch's cheap signal (its subscriptions are asked of those plans directly). Undefined when
 * the results do not agree or the listing is older, so the plans are listed again.
 */
export function knownPlans(
  previous: ScanResult[],
  now: number,
): { planIds: string[]; listedAt: string } | undefined {
  const current = previous.filter((r) => r.change !== 'gone');
  const first = current[0];
  if (!first?.azurePlanIds || !first.plansListedAt) return undefined;
  if (now - Date.parse(first.plansListedAt) >= PLAN_RELIST_MS) return undefined;
  const same = current.every(
    (r) => r.azurePlanIds === first.azurePlanIds && r.plansListedAt === first.plansListedAt,
  );
  return same ? { planIds: first.azurePlanIds.split(','), listedAt: first.plansListedAt } : undefined;
}

/** A customer's results with the watch's facts, from the previous finished scan's results for it. */
function comparedWithPrevious(previous: ScanResult[], results: ScanResult[]): ScanResult[] {
  const before = new Map(previous.filter((r) => r.change !== 'gone').map((r) => [subscriptionKey(r), r]));
  return results.map((r) => ({ ...r, ...watchFacts(r, before.get(subscriptionKey(r))) }));
}

/**
 * The previous scan's subscriptions this scan did not see, as `gone` results. A customer whose
 * subscriptions could not be listed this time says nothing about them, so they are not gone.
 */
function goneSince(previous: ScanResult[], current: ScanResult[], at: string): ScanResult[] {
  const seen = new Set(current.map(subscriptionKey));
  const unlisted = new Set(current.filter((r) => !r.subscriptionId).map((r) => r.customerTenantId));
  return previous
    .filter((r) => r.change !== 'gone' && r.subscriptionId && !seen.has(subscriptionKey(r)))
    .filter((r) => !unlisted.has(r.customerTenantId))
    .map((r) => ({
      customerTenantId: r.customerTenantId,
      customerName: r.customerName,
      ...(r.subscriptionId ? { subscriptionId: r.subscriptionId } : {}),
      outcome: r.outcome,
      explanation: 'Partner Center no longer lists this Azure subscription for the customer.',
      checkedAt: at,
      change: 'gone' as const,
      ...(r.lastKnown ? { lastKnown: r.lastKnown } : {}),
      ...(r.lastAccessAt || r.outcome === 'has-access'
        ? { lastAccessAt: r.lastAccessAt ?? r.checkedAt }
        : {}),
    }));
}

/** Why a customer's subscriptions could not be listed, in words a partner can act on. */
export function notListedBecause(failure: Failure): string {
  if (failure.kind === 'permanent' && failure.status === 403)
    return (
      "Partner Center refused to list this customer's Azure subscriptions (403 Forbidden): the app " +
      "may read only customers it has access to; check in Partner Center that the customer is still the partner's " +
      'and that the app has its Partner Center role'
    );
  if (failure.kind === 'permanent' && failure.status === 404)
    return "Partner Center does not know this customer as the partner's any more (404 Not Found)";
  return `Partner Center did not list this customer's Azure subscriptions, also after retries (${describeFailure(failure)})`;
}
