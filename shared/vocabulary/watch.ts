import type { ScanOutcome, WatchChange } from '../model/watch';
import type { Words } from '../model/words';

/**
 * The watch's identifiers as the partner's team reads them on the console's Access page. The API
 * keeps the identifiers (`outcome`, `change`), for tools.
 */

/** What the latest scan found for one Azure subscription. */
export const OUTCOME_WORDS: Record<ScanOutcome, Words> = {
  'has-access': {
    label: 'Has admin rights',
    explanation: "The partner's group holds Owner on this Azure subscription, checked in Azure.",
  },
  'lost-access': {
    label: 'Lost admin rights',
    explanation: "The partner's group no longer holds Owner on this Azure subscription.",
  },
  'could-not-check': {
    label: 'Could not check',
    explanation: 'Azure or Partner Center did not answer this time; the next scan checks again.',
  },
};

/** How a subscription moved since the previous finished scan. */
export const CHANGE_WORDS: Record<WatchChange, Words> = {
  'newly-lost': {
    label: 'Newly lost',
    explanation: 'It had admin rights at the previous scan that could tell, and has none now.',
  },
  regained: {
    label: 'Regained',
    explanation: 'It had no admin rights at the previous scan that could tell, and has them now.',
  },
  new: {
    label: 'New',
    explanation: 'The previous scan did not see it: a new customer or subscription, or the first scan.',
  },
  unchanged: {
    label: 'No change',
    explanation: 'As it was at the previous scan (a check that could not tell changes nothing known).',
  },
  gone: {
    label: 'No longer in Partner Center',
    explanation: 'The previous scan saw it; Partner Center no longer lists it for the customer.',
  },
};

export const outcomeLabel = (outcome: ScanOutcome): string => OUTCOME_WORDS[outcome].label;
export const changeLabel = (change: WatchChange): string => CHANGE_WORDS[change].label;
