import * as df from 'durable-functions';
import type { InvocationContext, Timer } from '@azure/functions';
import { getContainer } from '../../shared/app/container';
import { Scans } from '../../shared/api/scans';
import { getConfig } from '../../shared/config/appConfig';
import { workflowClient } from '../workflowClient';

/** The scan of the partner's customers on SCAN_SCHEDULE (off unless set). */
export async function scheduledScan(
  _timer: Timer,
  client: df.DurableClient,
  context: InvocationContext,
): Promise<void> {
  const { scanId, existing } = await new Scans(await getContainer(), workflowClient(client)).start(
    'schedule',
  );
  context.log(`scan ${scanId} ${existing ? 'is still running' : 'started'}`);
}

const schedule = getConfig().schedule.scanSchedule;
if (schedule) df.app.client.timer('scheduledScan', { schedule, handler: scheduledScan });
