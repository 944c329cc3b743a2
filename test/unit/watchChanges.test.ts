import { watchFacts } from '../../shared/scan/watchChanges';
import { knownPlans } from '../../shared/scan/scanActivities';
import type { ScanResult } from '../../shared/storage/scanRepository';

const MON = '2026-11-30T05:30:00.000Z';
const TUE = '2026-12-01T05:30:00.000Z';
const WED = '2026-12-02T05:30:00.000Z';

describe("the watch's change of a subscription since the previous scan", () => {
  it('is new when the previous scan did not see it, with access since now when it has access', () => {
    expect(watchFacts({ outcome: 'has-access', checkedAt: TUE }, undefined)).toEqual({
      change: 'new',
      lastKnown: 'has-access',
      lastAccessAt: TUE,
      accessSince: TUE,
    });
    expect(watchFacts({ outcome: 'lost-access', checkedAt: TUE }, undefined)).toEqual({
      change: 'new',
      lastKnown: 'lost-access',
    });
  });

  it('is newly-lost from access to none, keeping the date of the last check that had access', () => {
    const monday = { outcome: 'has-access' as const, checkedAt: MON, accessSince: MON, lastAccessAt: MON };
    expect(watchFacts({ outcome: 'lost-access', checkedAt: TUE }, monday)).toEqual({
      change: 'newly-lost',
      lastKnown: 'lost-access',
      lastAccessAt: MON,
    });
  });

  it('is regained from none to access, and unchanged with access keeps since when', () => {
    const lost = { outcome: 'lost-access' as const, checkedAt: MON, lastKnown: 'lost-access' as const };
    const regained = watchFacts({ outcome: 'has-access', checkedAt: TUE }, lost);
    expect(regained).toEqual({
      change: 'regained',
      lastKnown: 'has-access',
      lastAccessAt: TUE,
      accessSince: TUE,
    });
    expect(
      watchFacts(
        { outcome: 'has-access', checkedAt: WED },
        { outcome: 'has-access', checkedAt: TUE, ...regained },
      ),
    ).toEqual({
      change: 'unchanged',
      lastKnown: 'has-access',
      lastAccessAt: WED,
      accessSince: TUE,
    });
  });

  it('counts a check that could not tell as no change, and compares the next one with what was known', () => {
    const had = {
      outcome: 'has-access' as const,
      checkedAt: MON,
      lastKnown: 'has-access' as const,
      lastAccessAt: MON,
      accessSince: MON,
    };
    const unknown = watchFacts({ outcome: 'could-not-check', checkedAt: TUE }, had);
    expect(unknown).toEqual({ change: 'unchanged', lastKnown: 'has-access', lastAccessAt: MON });
    expect(
      watchFacts(
        { outcome: 'lost-access', checkedAt: WED },
        { outcome: 'could-not-check', checkedAt: TUE, ...unknown },
      ).change,
    ).toBe('newly-lost');
  });
});

describe("the watch's cheap signal: the Azure plans the previous scan listed", () => {
  const at = '2026-12-05T05:30:00.000Z';
  const listed = (plansListedAt: string, azurePlanIds = 'p-1', change: ScanResult['change'] = 'unchanged') =>
    ({
      customerTenantId: 't',
      customerName: 'Contoso',
      subscriptionId: 's',
      outcome: 'has-access',
      explanation: '',
      checkedAt: plansListedAt,
      change,
      azurePlanIds,
      plansListedAt,
    }) as ScanResult;
  const now = Date.parse(at);

  it('trusts a listing under a week old on which every result agrees', () => {
    expect(knownPlans([listed(at, 'p-1,p-2'), listed(at, 'p-1,p-2')], now + 86_400_000)).toEqual({
      planIds: ['p-1', 'p-2'],
      listedAt: at,
    });
    // A gone subscription's row says nothing about today's plans.
    expect(knownPlans([listed(at), listed('2026-01-01T00:00:00.000Z', 'old', 'gone')], now)?.planIds).toEqual(
      ['p-1'],
    );
  });

  it('lists again after a week, when results disagree, or when none knew its plans', () => {
    expect(knownPlans([listed(at)], now + 7 * 86_400_000)).toBeUndefined();
    expect(knownPlans([listed(at, 'p-1'), listed(at, 'p-2')], now)).toBeUndefined();
    expect(knownPlans([{ ...listed(at), azurePlanIds: undefined } as ScanResult], now)).toBeUndefined();
    expect(knownPlans([], now)).toBeUndefined();
  });
});
