import { describeFailure, type Failure } from '../adapters/outcomes';
import type { ReinstatementRequest } from '../model/request';
import type { FieldIssue } from '../model/validationError';

/**
 * What the check asks of Partner Center: a customer's Azure plan subscriptions
 * (`GET /v1/customers/{id}/subscriptions`, then each plan's `azureEntitlements`). Partner Center
 * answers 404 for a customer that is not the partner's.
 * https://learn.microsoft.com/partner-center/developer/get-all-of-a-customer-s-subscriptions
 * https://learn.microsoft.com/partner-center/developer/get-a-list-of-azure-entitlements-for-subscription
 */
export interface AzureSubscriptionBook {
  azureSubscriptions(
    customerTenantId: string,
  ): Promise<{ ok: true; subscriptionIds: string[] } | { ok: false; failure: Failure }>;
}

export type StartCheck =
  | { kind: 'passed' }
  /** The customer is not the partner's, or a scope's subscription is not the customer's: never mailed. */
  | { kind: 'refused'; issues: FieldIssue[] }
  /** Partner Center could not be asked (throttled, down, or it refused the app): ask again later. */
  | { kind: 'unanswered'; failure: Failure; explanation: string };

/** How many of the customer's subscriptions a refusal names, so a person can spot the right one. */
const LISTED = 5;

/**
 * Before anything is mailed: is the customer the partner's in Partner Center, and is every scope's
 * subscription one of that customer's Azure plan subscriptions? A typo in a tenant ID or a
 * subscription ID would otherwise send a stranger an invitation, or ask a customer to grant
 * access on a subscription the partner does not sell them.
 */
export async function checkWithPartnerCenter(
  book: AzureSubscriptionBook,
  request: Pick<ReinstatementRequest, 'customerTenantId' | 'scopes'>,
): Promise<StartCheck> {
  const listed = await book.azureSubscriptions(request.customerTenantId);
  if (!listed.ok) {
    const { failure } = listed;
    if (failure.kind === 'permanent' && failure.status === 404)
      return {
        kind: 'refused',
        issues: [
          {
            field: 'customerTenantId',
            rule:
              'is not a customer of this partner in Partner Center. Check the ID: in Partner Center, ' +
              'Customers, the customer, Account, "Microsoft ID"',
          },
        ],
      };
    // Partner Center refused for this customer (403 and the like): asking again will not change
    // that, so the start is refused with the reason instead of being put off for ever.
    if (failure.kind === 'permanent')
      return {
        kind: 'refused',
        issues: [
          {
            field: 'customerTenantId',
            rule:
              `could not be checked: Partner Center refused to list this customer's Azure subscriptions ` +
              `(${failure.status ? `HTTP ${failure.status}` : 'refused'}). Check in Partner Center that the customer ` +
              "is still the partner's and that the app has its Partner Center role",
          },
        ],
      };
    return {
      kind: 'unanswered',
      failure,
      explanation: `Partner Center could not be asked whether this customer and its subscriptions are the partner's (${describeFailure(failure)})`,
    };
  }
  const owned = new Set(listed.subscriptionIds);
  const theirs = listed.subscriptionIds.length
    ? `its Azure plan lists ${listed.subscriptionIds.slice(0, LISTED).join(', ')}${listed.subscriptionIds.length > LISTED ? ` and ${listed.subscriptionIds.length - LISTED} more` : ''}`
    : 'it lists no Azure plan subscription for this customer';
  const issues = request.scopes.flatMap((scope, index): FieldIssue[] =>
    owned.has(scope.subscriptionId)
      ? []
      : [
          {
            field: `scopes[${index}]`,
            rule: `names subscription ${scope.subscriptionId}, which is not one of this customer's Azure subscriptions in Partner Center (${theirs})`,
          },
        ],
  );
  return issues.length ? { kind: 'refused', issues } : { kind: 'passed' };
}
