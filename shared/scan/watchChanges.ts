import type { ScanOutcome, WatchChange, WatchFacts } from '../model/watch';

export interface Standing {
  outcome: ScanOutcome;
  checkedAt: string;
}

/** The watch's facts for a result, from the previous scan's result for the same subscription. */
export function watchFacts(
  current: Standing,
  previous: (Standing & Partial<WatchFacts>) | undefined,
): WatchFacts {
  const known = current.outcome === 'could-not-check' ? undefined : current.outcome;
  const before = previous ? (previous.lastKnown ?? knownOf(previous.outcome)) : undefined;
  const lastKnown = known ?? before;
  const previousAccessAt =
    previous?.lastAccessAt ?? (previous?.outcome === 'has-access' ? previous.checkedAt : undefined);
  const lastAccessAt = known === 'has-access' ? current.checkedAt : previousAccessAt;
  const accessSince =
    known === 'has-access'
      ? before === 'has-access'
        ? (previous?.accessSince ?? previousAccessAt ?? current.checkedAt)
        : current.checkedAt
      : undefined;
  return {
    change: changeOf(previous !== undefined, before, known),
    ...(lastKnown ? { lastKnown } : {}),
    ...(lastAccessAt ? { lastAccessAt } : {}),
    ...(accessSince ? { accessSince } : {}),
  };
}

function changeOf(
  seenBefore: boolean,
  before: 'has-access' | 'lost-access' | undefined,
  now: 'has-access' | 'lost-access' | undefined,
): WatchChange {
  if (!seenBefore) return 'new';
  if (before === 'has-access' && now === 'lost-access') return 'newly-lost';
  if (before === 'lost-access' && now === 'has-access') return 'regained';
  return 'unchanged';
}

const knownOf = (outcome: ScanOutcome) => (outcome === 'could-not-check' ? undefined : outcome);
