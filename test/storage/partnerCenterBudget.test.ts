import { TableClient } from '@azure/data-tables';
import { PartnerCenterBudget } from '../../shared/adapters/partnerCenter/requestBudget';
import { startAzurite, uniqueTableName, type RunningAzurite } from '../support/azurite';
import { PARTNER_TENANT } from '../support/fixtures';

/**
 * The Partner Center request budget as two app instances share it: each with its own client on the
 * same table, taking places at the same moments, on one clock. The mechanism is shown at a limit of
 * 50 a minute (every place taken is a conditional write of one row: 500 take long on a loaded test
 * machine); the product's budget is Partner Center's 500.
 */
const LIMIT = 50;
let azurite: RunningAzurite;
let now: number;
let instances: [PartnerCenterBudget, PartnerCenterBudget];
beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(() => azurite.stop());
beforeEach(async () => {
  now = Date.parse('2026-12-04T10:00:00.500Z');
  const name = uniqueTableName('budget');
  const budget = () =>
    new PartnerCenterBudget(
      TableClient.fromConnectionString(azurite.connectionString, name, { allowInsecureConnection: true }),
      PARTNER_TENANT,
      () => new Date(now),
      LIMIT,
    );
  instances = [budget(), budget()];
  await TableClient.fromConnectionString(azurite.connectionString, name, {
    allowInsecureConnection: true,
  }).createTable();
});

/** `n` places asked for by eight callers at once (four on each instance), each asking in turn. */
async function takeAll(n: number) {
  const grants: Awaited<ReturnType<PartnerCenterBudget['take']>>[] = [];
  let asked = 0;
  await Promise.all(
    Array.from({ length: 8 }, async (_, caller) => {
      while (asked < n) {
        asked++;
        grants.push(await instances[caller % 2]!.take());
      }
    }),
  );
  return grants;
}

describe('one Partner Center budget, shared', () => {
  it("is Partner Center's documented 500 a minute unless told otherwise", () => {
    expect(
      new PartnerCenterBudget(instances[0]['table' as never], PARTNER_TENANT, () => new Date()).limit,
    ).toBe(500);
  });

  it('grants 50 of 60 places asked for by eight callers on two instances, and says when the next is free', async () => {
    const grants = await takeAll(60);
    expect(grants.filter((g) => g.granted)).toHaveLength(LIMIT);
    const refused = grants.flatMap((g) => (g.granted ? [] : [g.waitMs]));
    // The places taken at 10:00:00 leave the counted window (61 whole seconds) at 10:01:01.
    expect(new Set(refused)).toEqual(new Set([60_500]));
    expect(await instances[1].usage()).toEqual({ limit: LIMIT, usedLastMinute: LIMIT });
    now += 60_000;
    expect((await instances[0].take()).granted).toBe(false);
    now += 500;
    expect((await takeAll(10)).every((g) => g.granted)).toBe(true);
  });

  it('spread over time, never holds more than the limit in any minute', async () => {
    const at: number[] = [];
    for (let step = 0; step < 12; step++) {
      for (const g of await takeAll(10)) if (g.granted) at.push(now);
      now += 10_000;
    }
    for (const t of at) expect(at.filter((u) => u > t - 60_000 && u <= t).length).toBeLessThanOrEqual(LIMIT);
    // Two minutes: the first minute's 50, then each 10 s what leaves the counted window.
    expect(at.length).toBe(2 * LIMIT);
  }, 120_000);

  it("honours Partner Center's Retry-After for every caller", async () => {
    await instances[0].throttled(30_000);
    const refused = await instances[1].take();
    expect(refused).toEqual({
      granted: false,
      waitMs: 30_000,
      reason: 'Partner Center asked to wait (429 Retry-After)',
    });
    expect((await instances[1].usage()).pausedUntil).toBe(new Date(now + 30_000).toISOString());
    // A shorter wait asked for later does not shorten the pause.
    await instances[1].throttled(5_000);
    now += 29_999;
    expect((await instances[0].take()).granted).toBe(false);
    now += 1;
    expect((await instances[0].take()).granted).toBe(true);
  });
});
