import { TableClient } from '@azure/data-tables';
import { claim, readClaim, release } from '../../lib/tables/claims';
import { startAzurite, uniqueTableName, type RunningAzurite } from '../support/azurite';

/**
 * Claims as two app instances make them: each with a client of its own on the same table (Azure
 * scales a function app out; nothing in one instance's memory is shared with another).
 */
let azurite: RunningAzurite;
let instances: [TableClient, TableClient];
beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(() => azurite.stop());
beforeEach(async () => {
  const name = uniqueTableName('claims');
  const client = () =>
    TableClient.fromConnectionString(azurite.connectionString, name, { allowInsecureConnection: true });
  instances = [client(), client()];
  await instances[0].createTable();
});

const at = '2026-12-04T10:00:00.000Z';

describe('claims in Table storage', () => {
  it('of 40 claimants at once on two instances, exactly one wins and the others are told who', async () => {
    const outcomes = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        claim(
          instances[i % 2] as TableClient,
          'claim-x',
          { holder: `c${i}`, claimedAt: at },
          async () => true,
        ),
      ),
    );
    const winners = outcomes.flatMap((o, i) => (o.won ? [`c${i}`] : []));
    expect(winners).toHaveLength(1);
    for (const o of outcomes) if (!o.won) expect(o.claim.holder).toBe(winners[0]);
    expect((await readClaim(instances[0], 'claim-x'))?.holder).toBe(winners[0]);
  });

  it('a claim whose work ended is taken over by exactly one of many, with the facts it stores', async () => {
    await claim(instances[0], 'claim-y', { holder: 'old', claimedAt: at }, async () => true);
    const ended = async (held: { holder: string }) => held.holder !== 'old';
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        claim(
          instances[i % 2] as TableClient,
          'claim-y',
          { holder: `n${i}`, claimedAt: at, facts: { digest: `d${i}` } },
          ended,
        ),
      ),
    );
    expect(outcomes.filter((o) => o.won)).toHaveLength(1);
    const held = await readClaim(instances[1], 'claim-y');
    expect(held?.facts.digest).toBe(`d${held?.holder.slice(1)}`);
  });

  it('is released only by its holder', async () => {
    await claim(instances[0], 'claim-z', { holder: 'a', claimedAt: at }, async () => true);
    await release(instances[1], 'claim-z', 'b');
    expect((await readClaim(instances[0], 'claim-z'))?.holder).toBe('a');
    await release(instances[1], 'claim-z', 'a');
    expect(await readClaim(instances[0], 'claim-z')).toBeUndefined();
  });
});
