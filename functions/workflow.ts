import * as df from 'durable-functions';
import type { InvocationContext } from '@azure/functions';
import { getContainer } from '../shared/app/container';
import { bulkStartOrchestrator } from '../shared/workflow/bulkStartOrchestrator';
import {
  ACTIVITY_NAMES,
  Orchestrations,
  type ActivityEnv,
  type ActivityInput,
  type ActivityName,
  type ActivityOutput,
  type Activities,
} from '../shared/workflow/contract';
import { mailDispatcher } from '../shared/workflow/mailDispatcher';
import { reinstatementOrchestrator } from '../shared/workflow/reinstatementOrchestrator';
import { scanOrchestrator } from '../shared/workflow/scanOrchestrator';
import { inActivitySpan } from '../shared/telemetry/invocationSpans';
import { workflowClient } from './workflowClient';

df.app.orchestration(Orchestrations.reinstatement, reinstatementOrchestrator);
df.app.orchestration(Orchestrations.mailDispatcher, mailDispatcher);
df.app.orchestration(Orchestrations.bulkStart, bulkStartOrchestrator);
df.app.orchestration(Orchestrations.scan, scanOrchestrator);

/** Each activity, as the registrations see it: its input and output from the one contract. */
type Registry = {
  [K in ActivityName]: (input: ActivityInput<K>, env: ActivityEnv) => Promise<ActivityOutput<K>>;
};

/**
 * Each activity is a one-line hand-off to the activities built from the app's dependencies, in a span
 * of its own: in its reinstatement's trace when its input names one.
 */
function registerActivity<K extends ActivityName>(name: K): void {
  df.app.activity(name, {
    extraInputs: [df.input.durableClient()],
    handler: (input: ActivityInput<K>, context: InvocationContext) =>
      inActivitySpan(name, input, context.invocationId, async () => {
        const activities: Registry = (await getContainer()).activities satisfies Activities;
        return activities[name](input, { workflow: workflowClient(df.getClient(context)) });
      }),
  });
}

for (const name of ACTIVITY_NAMES) registerActivity(name);
