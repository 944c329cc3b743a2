import type { ScopeCheckResult, ScopeFinding } from '../model/reinstatement';
import type { MessageKey, Translator } from './translator';

const FINDING_KEYS: Record<ScopeFinding, MessageKey> = {
  verified: 'finding.verified',
  'no-access': 'finding.no-access',
  'narrower-scope': 'finding.narrower-scope',
  'wrong-role': 'finding.wrong-role',
  'other-principal': 'finding.other-principal',
  'not-found': 'finding.not-found',
  'could-not-check': 'finding.could-not-check',
  'partner-identity': 'finding.partner-identity',
};

/**
 * What a check of one scope found, for the customer. Verification records one English sentence with
 * the particulars (the role it saw, the resource group); in English that sentence is shown as it is,
 * in any other language the finding's own words (without the particulars, which are not translated).
 */
export function scopeCheckInWords(
  check: Pick<ScopeCheckResult, 'finding' | 'explanation'>,
  t: Translator,
): string {
  return t.language === 'en' ? check.explanation : t.text(FINDING_KEYS[check.finding]);
}
