/** What the watch knows of a subscription between scans; shared by the scan and its storage. */

/** What a scan found for one subscription. */
export type ScanOutcome = 'has-access' | 'lost-access' | 'could-not-check';

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
