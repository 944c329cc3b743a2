import type { IdentityHealth, PartnerUserTokens } from '../adapters/identity/partnerUserTokens';
import type { AlertDispatch } from '../alerts/alertDispatch';
import { identityAlert } from '../alerts/happenings';
import type { AppConfig } from '../config/appConfig';
import type { MailDispatch } from '../email/dispatch';
import { senderOf } from '../email/templates/composeMail';
import { composeIdentityNotice } from '../email/templates/identityNotice';
import type { WorkflowClient } from './contract';
import { wakeMailDispatcher } from './wakeMailDispatcher';

const DAY_MS = 86_400_000;
/** The partner's team is warned this many days before the partner user's sign-in would lapse. */
const WARN_DAYS_LEFT = 14;

/**
 * Keeps verification's identity alive (an idle product would otherwise lose the partner user's
 * sign-in after 90 days) and tells the partner's team at once (a mail, and an urgent alert to the
 * webhooks), at most once a day, when it needs a person:
 * a sign-in that lapsed, was revoked or wants MFA, or one about to lapse.
 */
export interface IdentityWatchDeps {
  config: Pick<AppConfig, 'partner' | 'links'>;
  partnerUser: Pick<PartnerUserTokens, 'keepAlive' | 'lastNoticeAt' | 'noticeSent'>;
  mail: Pick<MailDispatch, 'enqueue'>;
  alerts: Pick<AlertDispatch, 'recordUrgent'>;
  now: () => Date;
}

export async function watchVerificationIdentity(
  app: IdentityWatchDeps,
  workflow: WorkflowClient,
): Promise<{ health: IdentityHealth; notified: boolean }> {
  const health = await app.partnerUser.keepAlive();
  const lapsing = health.inactivityDaysLeft !== undefined && health.inactivityDaysLeft <= WARN_DAYS_LEFT;
  if (health.mode !== 'secureApplicationModel' || (health.healthy && !lapsing))
    return { health, notified: false };
  const now = app.now();
  const last = await app.partnerUser.lastNoticeAt();
  if (last && now.getTime() - Date.parse(last) < DAY_MS) return { health, notified: false };
  const queued = await app.mail.enqueue({
    key: {
      stream: 'verification-identity',
      kind: 'identity-notice',
      sequence: Math.floor(now.getTime() / DAY_MS),
    },
    lane: 'people',
    to: app.config.partner.opsEmail,
    ...composeIdentityNotice(
      health,
      `${app.config.links.publicBaseUrl}/api/identity/consent`,
      senderOf(app.config),
    ),
  });
  if (queued.wake) await wakeMailDispatcher(workflow);
  // Urgent: the webhooks hear of it now too, not in the next digest.
  await app.alerts.recordUrgent(identityAlert(health, now));
  await app.partnerUser.noticeSent(now.toISOString());
  return { health, notified: true };
}
