import * as df from 'durable-functions';
import { ORCHESTRATOR, type WorkflowClient } from '../shared/api/reinstatementService';

/** The service's view of Durable Functions, over the real durable client. */
export function workflowClient(client: df.DurableClient): WorkflowClient {
  return {
    async start(instanceId, input) {
      try {
        await client.startNew(ORCHESTRATOR, { instanceId, input });
      } catch (error) {
        // The extension refuses to start an instance id that is already running: that is the point.
        const status = await client.getStatus(instanceId).catch(() => undefined);
        if (!status || ['Completed', 'Failed', 'Terminated'].includes(String(status.runtimeStatus)))
          throw error;
      }
    },
    raise: (instanceId, event, data) => client.raiseEvent(instanceId, event, data),
  };
}
