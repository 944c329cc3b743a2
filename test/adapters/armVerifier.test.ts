import { AuthorizationManagementClient } from '@azure/arm-authorization';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ArmRoleAssignmentVerifier } from '../../shared/adapters/arm/roleAssignmentVerifier';
import { OWNER_ROLE_DEFINITION_ID } from '../../lib/azure/builtInRoles';
import { mapWithConcurrency } from '../../lib/concurrency';
import { findKnownErrors } from '../../shared/instructions/knownErrors';
import { CUSTOMER_TENANT, SUBSCRIPTION } from '../support/fixtures';
import { customerAdminArm, startSandboxWorld, type SandboxWorld } from '../support/sandboxHarness';

const READER = 'acdd72a7-3385-48ef-bd42-f606fba81ae7';
const sub = `/subscriptions/${SUBSCRIPTION}`;
const rg = `${sub}/resourceGroups/rg-prod`;
const vm = `${rg}/providers/Microsoft.Compute/virtualMachines/vm1`;

let world: SandboxWorld;
let verifier: ArmRoleAssignmentVerifier;
let customerArm: AuthorizationManagementClient;
let groupId: string;

beforeAll(async () => {
  world = await startSandboxWorld();
  const customer = world.cloud.state.addCustomer(CUSTOMER_TENANT, [SUBSCRIPTION]);
  groupId = world.cloud.state.adminAgents.id;
  verifier = new ArmRoleAssignmentVerifier(world.config, (await world.verificationIdentity()).tokensIn);
  // The customer's administrator, granting roles with the real SDK (what New-AzRoleAssignment does).
  customerArm = customerAdminArm(world.cloud.url, readFileSync(world.caFile, 'utf8'), customer, SUBSCRIPTION);
});
afterAll(() => world.stop());
afterEach(() => world.cloud.faults.clear());

/** The customer grants a role; `principalType: null` leaves it out, as a script that forgot it would. */
const grant = (
  scope: string,
  {
    role = OWNER_ROLE_DEFINITION_ID,
    principalType = 'ForeignGroup',
    principalId = groupId,
    name = randomUUID(),
  }: { role?: string; principalType?: string | null; principalId?: string; name?: string } = {},
) =>
  customerArm.roleAssignments.create(scope, name, {
    roleDefinitionId: `/subscriptions/${SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/${role}`,
    principalId,
    ...(principalType ? { principalType: principalType as 'ForeignGroup' } : {}),
  });

describe('role-assignment verification through @azure/arm-authorization against the simulated ARM', () => {
  it('says there is no access yet while the partner cannot read the scope (403)', async () => {
    expect(await verifier.verify(CUSTOMER_TENANT, sub, groupId)).toEqual({
      kind: 'missing',
      finding: 'no-access',
      explanation: expect.stringContaining('no access yet'),
    });
  });

  it('refuses to create a ForeignGroup assignment without the principal type, or with another type', async () => {
    await expect(grant(rg, { principalType: null })).rejects.toMatchObject({
      statusCode: 400,
      code: 'PrincipalNotFound',
    });
    await expect(grant(rg, { principalType: 'Group' })).rejects.toMatchObject({
      statusCode: 400,
      code: 'UnmatchedPrincipalType',
    });
  });

  it('explains each way a grant can miss: a weaker role, Owner held by someone else, Owner on a narrower scope', async () => {
    const other = `${sub}/resourceGroups/rg-other`;
    await grant(other, { role: READER });
    expect(await verifier.verify(CUSTOMER_TENANT, other, groupId)).toEqual({
      kind: 'missing',
      finding: 'wrong-role',
      explanation: 'the role assigned is Reader; Owner is needed',
    });
    // The customer's own administrator principal: a local service principal, not the partner group.
    const stranger = world.cloud.state.customers.get(CUSTOMER_TENANT)!.admin.objectId;
    await grant(other, { principalId: stranger, principalType: 'ServicePrincipal' });
    expect(await verifier.verify(CUSTOMER_TENANT, other, groupId)).toEqual({
      kind: 'missing',
      finding: 'other-principal',
      explanation: `Owner is assigned to another principal (${stranger}, ServicePrincipal), not to the partner group (${groupId}); the partner group has Reader`,
    });
    await grant(rg);
    expect(await verifier.verify(CUSTOMER_TENANT, sub, groupId)).toEqual({
      kind: 'missing',
      finding: 'narrower-scope',
      explanation:
        'Owner is assigned on resource group rg-prod, but this request is for the whole subscription',
    });
    await grant(vm);
    expect(await verifier.verify(CUSTOMER_TENANT, vm, groupId)).toMatchObject({ kind: 'verified' });
  });

  it('says a subscription that does not exist is not found, so the partner checks the id', async () => {
    expect(await verifier.verify(CUSTOMER_TENANT, `/subscriptions/${randomUUID()}`, groupId)).toEqual({
      kind: 'missing',
      finding: 'not-found',
      explanation: expect.stringContaining('was not found'),
    });
  });

  it('verifies Owner to the partner group as ForeignGroup at the scope or above it, for every scope kind', async () => {
    const name = randomUUID();
    const first = await grant(sub, { name });
    // A script run twice: the same PUT is idempotent, the same grant under a new name is refused.
    expect(await grant(sub, { name })).toMatchObject({ id: first.id, principalId: groupId });
    await expect(grant(sub)).rejects.toMatchObject({ statusCode: 409, code: 'RoleAssignmentExists' });
    await expect(grant(rg, { name })).rejects.toMatchObject({
      statusCode: 400,
      code: 'RoleAssignmentUpdateNotPermitted',
    });
    for (const scope of [sub, rg, vm]) {
      expect(await verifier.verify(CUSTOMER_TENANT, scope, groupId)).toEqual({
        kind: 'verified',
        assignmentId: expect.stringContaining('/roleAssignments/'),
        grantedAt: expect.any(String),
        explanation: `Owner is granted to the partner group on subscription ${SUBSCRIPTION}`,
      });
    }
  });

  it('reports throttling with the wait ARM asked for, and 5xx, dropped connections and malformed bodies as errors', async () => {
    world.cloud.faults.set('arm', { rate429: 1, retryAfterSeconds: 0 });
    expect(await verifier.verify(CUSTOMER_TENANT, sub, groupId)).toEqual({
      kind: 'throttled',
      retryAfterMs: 0,
      explanation: 'could not check: Azure answered 429; it is checked again later',
    });
    world.cloud.faults.set('arm', { rate429: 0, rate5xx: 1 });
    expect(await verifier.verify(CUSTOMER_TENANT, sub, groupId)).toMatchObject({
      kind: 'error',
      failure: { kind: 'transient', status: 503 },
    });
    world.cloud.faults.set('arm', { rate5xx: 0, dropRate: 1 });
    expect(await verifier.verify(CUSTOMER_TENANT, sub, groupId)).toMatchObject({
      kind: 'error',
      failure: { kind: 'transient' },
    });
    world.cloud.faults.set('arm', { dropRate: 0, malformedRate: 1 });
    expect(await verifier.verify(CUSTOMER_TENANT, sub, groupId)).toMatchObject({ kind: 'error' });
  });

  it('checks many scopes with bounded concurrency, in order', async () => {
    let inFlight = 0;
    let peak = 0;
    const scopes = Array.from({ length: 20 }, (_, i) =>
      i % 2 ? rg : `${rg}/providers/Microsoft.Compute/virtualMachines/vm${i}`,
    );
    const results = await mapWithConcurrency(scopes, 4, async (scope) => {
      peak = Math.max(peak, ++inFlight);
      try {
        return await verifier.verify(CUSTOMER_TENANT, scope, groupId);
      } finally {
        inFlight--;
      }
    });
    expect(peak).toBeLessThanOrEqual(4);
    expect(results.every((r) => r.kind === 'verified')).toBe(true);
  });

  it('never puts an unchecked value into the OData filter', async () => {
    await expect(verifier.verify(CUSTOMER_TENANT, sub, "x' or principalId ne '")).rejects.toThrow('GUIDs');
  });
});

describe("the customer's errors, as ARM answers them, lead to their known entry", () => {
  /** What the customer's tool printed for a failed grant: ARM's code and message. */
  const printed = async (attempt: Promise<unknown>) => {
    try {
      await attempt;
    } catch (error) {
      const { code, message } = error as { code?: string; message: string };
      return `(${code}) ${message}`;
    }
    throw new Error('the grant did not fail');
  };

  it.each([
    [
      'PrincipalNotFound',
      'principal-not-found',
      () => grant(`${sub}/resourceGroups/rg-pnf`, { principalType: null }),
    ],
    [
      'UnmatchedPrincipalType',
      'unmatched-principal-type',
      () => grant(`${sub}/resourceGroups/rg-upt`, { principalType: 'Group' }),
    ],
    [
      'RoleAssignmentExists',
      'role-assignment-exists',
      async () => {
        await grant(`${sub}/resourceGroups/rg-dup`);
        return grant(`${sub}/resourceGroups/rg-dup`);
      },
    ],
    [
      'AuthorizationFailed',
      'authorization-failed',
      // Someone who is not Owner there: the partner's own user, trying to grant itself.
      async () =>
        new AuthorizationManagementClient(
          (await world.verificationIdentity()).tokensIn(CUSTOMER_TENANT),
          SUBSCRIPTION,
          {
            endpoint: world.cloud.url,
            credentialScopes: ['https://management.azure.com/.default'],
            tlsOptions: { ca: readFileSync(world.caFile, 'utf8') },
          },
        ).roleAssignments.create(`${sub}/resourceGroups/rg-af`, randomUUID(), {
          roleDefinitionId: `/subscriptions/${SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/${OWNER_ROLE_DEFINITION_ID}`,
          principalId: groupId,
          principalType: 'ForeignGroup',
        }),
    ],
  ])('%s', async (code, entry, attempt) => {
    const message = await printed(attempt());
    expect(message).toContain(`(${code})`);
    expect(findKnownErrors(message)[0]?.id).toBe(entry);
  });
});

describe("the customer's administrator removes a grant with ARM's DELETE", () => {
  // Role Assignments - Delete: 200 with the deleted assignment, 204 when it does not exist.
  // https://learn.microsoft.com/rest/api/authorization/role-assignments/delete
  it('answers 200 with the deleted assignment, then 204, and the assignment is gone', async () => {
    const scope = `${sub}/resourceGroups/rg-removed`;
    const name = randomUUID();
    await grant(scope, { name });
    const statuses: number[] = [];
    const onResponse = (raw: { status: number }) => void statuses.push(raw.status);
    const deleted = await customerArm.roleAssignments.delete(scope, name, { onResponse });
    expect(deleted).toMatchObject({ name, principalId: groupId, principalType: 'ForeignGroup', scope });
    await customerArm.roleAssignments.delete(scope, name, { onResponse });
    expect(statuses).toEqual([200, 204]);
    await expect(customerArm.roleAssignments.get(scope, name)).rejects.toMatchObject({
      statusCode: 404,
      code: 'RoleAssignmentNotFound',
    });
  });
});
