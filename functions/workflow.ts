import * as df from 'durable-functions';
import { getContainer } from '../shared/app/container';
import { ORCHESTRATOR } from '../shared/api/reinstatementService';
import type { Activities } from '../shared/workflow/activities';
import { Activity, reinstatementOrchestrator } from '../shared/workflow/reinstatementOrchestrator';

df.app.orchestration(ORCHESTRATOR, reinstatementOrchestrator);

// Each activity is a one-line hand-off to the activities built from the app's dependencies.
for (const name of Object.values(Activity)) {
  df.app.activity(name, {
    handler: async (input: unknown) => {
      const activities = (await getContainer()).activities;
      return (activities[name as keyof Activities] as (arg: unknown) => Promise<unknown>)(input);
    },
  });
}
