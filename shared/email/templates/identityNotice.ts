import type { IdentityHealth } from '../../adapters/identity/partnerUserTokens';
import { renderMessage, type EmailContent, type Sender } from './message';

/** Tells the partner's team that verification's identity needs a person, and what to do. */
export function composeIdentityNotice(
  health: IdentityHealth,
  consentUrl: string,
  sender: Sender,
): EmailContent {
  const lapsing = !health.problem && health.inactivityDaysLeft !== undefined;
  const subject = health.problem
    ? 'Action needed: verification cannot sign in to customers'
    : `Action needed: verification's sign-in lapses in ${health.inactivityDaysLeft} days`;
  return renderMessage(
    subject,
    [
      {
        kind: 'paragraph',
        text: health.problem
          ? `Role assignments cannot be verified: ${health.problem.explanation}.`
          : `The partner user's sign-in that verification uses has not been renewed and lapses in ${health.inactivityDaysLeft} days.`,
      },
      {
        kind: 'paragraph',
        text: `Until this is fixed, reinstatements wait at the verification step; nothing is lost.${
          health.user ? ` Connected user: ${health.user}.` : ''
        }`,
      },
      {
        kind: 'link',
        label: lapsing
          ? 'To renew it, a member of the partner group signs in here (with the function key):'
          : 'To connect a partner user again, a member of the partner group signs in here (with the function key):',
        url: consentUrl,
      },
    ],
    sender,
    'partner',
  );
}
