import type { ScopeFinding, ScopeVerification } from '../model/reinstatement';
import type { Words } from '../model/words';

/** Where one requested scope stands. */
export const SCOPE_STATUS_WORDS: Record<ScopeVerification, Words> = {
  Pending: { label: 'Not granted yet', explanation: 'The last check did not find Owner for the partner.' },
  Verified: { label: 'Granted', explanation: "Owner for the partner's group, checked in Azure." },
};

/** What the last check of a scope found (the explanation of each check says the particulars). */
export const FINDING_WORDS: Record<ScopeFinding, Words> = {
  verified: { label: 'Owner granted', explanation: "Owner for the partner's group at this scope or above." },
  'no-access': {
    label: 'Nothing granted yet',
    explanation: 'Azure shows the partner nothing there yet (no grant, or not yet replicated).',
  },
  'narrower-scope': {
    label: 'Granted too narrowly',
    explanation: 'Owner is granted, but only below the requested scope.',
  },
  'wrong-role': {
    label: 'Another role',
    explanation: "The partner's group holds a role there, but not Owner.",
  },
  'other-principal': {
    label: 'Granted to someone else',
    explanation: "Owner is granted there, but not to the partner's group.",
  },
  'not-found': {
    label: 'Scope not found',
    explanation: "The subscription or scope does not exist, or is not in the customer's tenant.",
  },
  'could-not-check': {
    label: 'Could not check',
    explanation: 'Azure did not answer (throttling, an outage); it is checked again later.',
  },
  'partner-identity': {
    label: "Partner's sign-in refused",
    explanation: "The partner's verification identity could not sign in to the customer's tenant.",
  },
};
