import type { Container } from '../app/container';
import { alertLink } from '../alerts/alertMessages';
import { ALERT_WORDS } from '../model/alerts';
import type { WorkflowClient } from '../workflow/contract';
import { wakeMailDispatcher } from '../workflow/wakeMailDispatcher';
import type { AlertOverview, DigestSent } from './openapi/responseSchemas';

/** The alerts as the API shows them, and the digest sent on request (docs/ALERTS.md). */
export class Alerts {
  constructor(
    private readonly app: Pick<Container, 'alerts' | 'alertStore' | 'config'>,
    private readonly workflow: WorkflowClient,
  ) {}

  async overview(): Promise<AlertOverview> {
    const { alertStore, config } = this.app;
    const [alerts, digests, deliveries] = await Promise.all([
      alertStore.latest(100),
      alertStore.latestDigests(10),
      alertStore.deliveries(),
    ]);
    const counted = (state: string) => deliveries.filter((d) => d.state === state).length;
    return {
      alerts: alerts.map((a) => ({
        ...a,
        label: ALERT_WORDS[a.kind].label,
        needsAction: ALERT_WORDS[a.kind].needsAction,
        link: alertLink(config.links.publicBaseUrl, a),
      })),
      digests,
      deliveries: {
        pending: counted('pending'),
        delivered: counted('delivered'),
        refused: counted('refused'),
        gaveUp: counted('gave-up'),
        problems: deliveries
          .filter((d) => d.state !== 'delivered' && d.lastError)
          .map((d) => ({
            id: d.id,
            channel: d.channel,
            state: d.state,
            attempts: d.attempts,
            ...(d.lastError ? { lastError: d.lastError } : {}),
          })),
      },
      settings: {
        ...(config.alerts.digestSchedule ? { digestSchedule: config.alerts.digestSchedule } : {}),
        teams: Boolean(config.alerts.teamsWebhookUrl),
        jsonWebhook: Boolean(config.alerts.jsonWebhook),
      },
    };
  }

  /** Sends the digest of what is new (one, whoever else asks at the same moment). */
  async sendDigest(): Promise<DigestSent> {
    const outcome = await this.app.alerts.sendDigest();
    if (outcome.state === 'sent') {
      if (outcome.wake) await wakeMailDispatcher(this.workflow);
      return {
        state: outcome.state,
        digestId: outcome.digestId,
        alerts: outcome.alerts,
        headline: outcome.headline,
      };
    }
    return outcome;
  }
}
