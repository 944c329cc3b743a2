import * as df from 'durable-functions';
import type { InvocationContext, Timer } from '@azure/functions';
import { getContainer } from '../../shared/app/container';
import { Alerts } from '../../shared/api/alerts';
import { getConfig } from '../../shared/config/appConfig';
import { workflowClient } from '../workflowClient';

/** The alerts' digest on DIGEST_SCHEDULE (daily at 07:00 UTC unless set, or off). */
export async function alertDigest(
  _timer: Timer,
  client: df.DurableClient,
  context: InvocationContext,
): Promise<void> {
  const outcome = await new Alerts(await getContainer(), workflowClient(client)).sendDigest();
  context.log(
    outcome.state === 'sent'
      ? `alert digest ${outcome.digestId} sent with ${outcome.alerts} alerts`
      : `alert digest: ${outcome.state}`,
  );
}

const schedule = getConfig().alerts.digestSchedule;
if (schedule) df.app.client.timer('alertDigest', { schedule, handler: alertDigest });
