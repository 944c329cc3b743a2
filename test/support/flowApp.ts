/**
 * The product's orchestrators, registered as the function app registers them, with activities that
 * the test in this process hands in (flowActivities.current): the orchestration logic alone, on the
 * offline runtime's real durable-functions replay, without storage, mail or Microsoft behind it.
 */
import * as df from 'durable-functions';
import { bulkStartOrchestrator } from '../../shared/workflow/bulkStartOrchestrator';
import { ACTIVITY_NAMES, Orchestrations, type Activities } from '../../shared/workflow/contract';
import { mailDispatcher } from '../../shared/workflow/mailDispatcher';
import { reinstatementOrchestrator } from '../../shared/workflow/reinstatementOrchestrator';
import { scanOrchestrator } from '../../shared/workflow/scanOrchestrator';

export const flowActivities: { current: Partial<Activities> } = { current: {} };

df.app.orchestration(Orchestrations.reinstatement, reinstatementOrchestrator);
df.app.orchestration(Orchestrations.mailDispatcher, mailDispatcher);
df.app.orchestration(Orchestrations.bulkStart, bulkStartOrchestrator);
df.app.orchestration(Orchestrations.scan, scanOrchestrator);

for (const name of ACTIVITY_NAMES)
  df.app.activity(name, {
    handler: async (input: unknown) => {
      const activity = flowActivities.current[name] as
        ((input: unknown, env: unknown) => unknown) | undefined;
      if (!activity) throw new Error(`the test gave no ${name} activity`);
      return activity(input, { workflow: undefined });
    },
  });
