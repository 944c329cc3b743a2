import { randomUUID } from 'node:crypto';
import type { RoleAssignmentVerifier, ScopeCheck } from '../../shared/adapters/arm/roleAssignmentVerifier';
import { ReinstatementRepository } from '../../shared/storage/reinstatementRepository';
import { verifyScopes } from '../../shared/workflow/verification';
import { ADMIN_AGENTS_ID, sampleRequest } from '../support/fixtures';
import { startAzurite, uniqueTableName, type RunningAzurite } from '../support/azurite';

/**
 * ARM throttles per subscription and caller: once it answers 429 for one customer, that customer's
 * other scopes wait for the next run (asking again at once would only be refused again and lengthen
 * the wait), while other customers' checks go on. The verifier here is the product's own seam,
 * recording what it was asked; ARM's 429 itself is covered against the sandbox in test/adapters.
 */
let azurite: RunningAzurite;
let repository: ReinstatementRepository;
beforeAll(async () => {
  azurite = await startAzurite();
  repository = ReinstatementRepository.fromConnectionString(azurite.connectionString, uniqueTableName());
  await repository.ensureTable();
});
afterAll(() => azurite.stop());

const tenantA = randomUUID();
const tenantB = randomUUID();
const subs = Array.from({ length: 3 }, () => `/subscriptions/${randomUUID()}`);

/** A reinstatement of `tenant` waiting for its role assignments on `scopes`. */
async function waiting(tenant: string, scopes: string[]) {
  const id = `r-${randomUUID().replace(/-/g, '')}`;
  await repository.create(id, sampleRequest({ customerTenantId: tenant, scopes }), { actor: 'partner' });
  for (const [from, to] of [
    ['Requested', 'InvitationSent'],
    ['InvitationSent', 'Accepted'],
    ['Accepted', 'AwaitingRoleAssignment'],
  ] as const)
    await repository.transition(id, { from: [from], to, audit: { what: to, actor: 'system' } });
  await repository.update(id, (r) => ({ next: { ...r, partnerGroupObjectId: ADMIN_AGENTS_ID } }));
  return repository.require(id);
}

it('skips the rest of a throttled customer for this run, checks the others, and reports the wait', async () => {
  const a = await waiting(tenantA, subs);
  const b = await waiting(tenantB, subs.slice(0, 2));
  const asked: string[] = [];
  const verifier: RoleAssignmentVerifier = {
    async verify(tenant, scope): Promise<ScopeCheck> {
      asked.push(`${tenant === tenantA ? 'A' : 'B'} ${subs.indexOf(scope)}`);
      if (tenant === tenantA)
        return { kind: 'throttled', retryAfterMs: 42_000, explanation: 'Azure asked to wait 42 s' };
      return { kind: 'missing', finding: 'no-access', explanation: 'nothing granted yet' };
    },
  };
  const summary = await verifyScopes({ repository, verifier, now: () => new Date() }, [a, b], 1, 'timer');
  // A's first scope was refused, so A's two others were not asked; B's both were.
  expect(asked).toEqual(['A 0', 'B 0', 'B 1']);
  expect(summary).toMatchObject({ checked: 5, throttled: 3, stillPending: 2, backOffMs: 42_000 });
  const skipped = summary.scopes.filter((s) => s.explanation.startsWith('not checked this time'));
  expect(skipped.map((s) => [s.reinstatementId, subs.indexOf(s.scope)])).toEqual([
    [a.id, 1],
    [a.id, 2],
  ]);
});
