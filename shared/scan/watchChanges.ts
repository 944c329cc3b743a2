import type { ScanOutcome } from '../storage/scanRepository';

/**
 * How a subscription's standing moved since the previous finished scan (the watch):
 * - `new`: the previous scan did not see it (a new customer or subscription, or the first scan);
 * - `newly-lost`: it had access at the last check that could tell, and has none now;
 * - `regained`: it had none at the last check that could tell, and has access now;
 * - `unchanged`: as it was (or it could not be checked now, which changes nothing known);
 * - `gone`: the previous scan saw it and Partner Center no longer lists it.
 */
export const WATCH_CHANGES = ['new', 'newly-lost', 'regained', 'unchanged', 'gone'] as const;
export type WatchChange = (typeof WATCH_CHANGES)[number];
export const isWatchChange = (value: string): value is WatchChange =>
  (WATCH_CHANGES as readonly string[]).includes(value);

/** What the watch carries from one scan to the next for a subscription. */
export interface WatchFacts {
  change: WatchChange;
  /** The last outcome that could tell (has or lost access); absent while it never could be checked. */
  lastKnown?: 'has-access' | 'lost-access';
  /** When the last check that found access ran. */
  lastAccessAt?: string;
  /** Since when it has had access without a break seen by the watch (only while it has access). */
  accessSince?: string;
}

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
