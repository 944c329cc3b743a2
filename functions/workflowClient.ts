import * as df from 'durable-functions';
import type { InstanceStatus, WorkflowClient } from '../shared/workflow/contract';

const FINISHED = ['Completed', 'Failed', 'Terminated'];

/**
 * The app's view of Durable Functions, over the real durable client. durable-functions' client
 * throws on an unknown instance's status and treats an event for a finished instance as delivered,
 * so both are asked after the status here.
 */
export function workflowClient(client: df.DurableClient): WorkflowClient {
  const status = async (instanceId: string): Promise<InstanceStatus | undefined> => {
    try {
      const found = await client.getStatus(instanceId, { showInput: false });
      return {
        runtimeStatus: found.runtimeStatus as InstanceStatus['runtimeStatus'],
        output: found.output,
        customStatus: found.customStatus,
      };
    } catch (error) {
      if (error instanceof Error && /HTTP 404/.test(error.message)) return undefined;
      throw error;
    }
  };
  const running = (found: InstanceStatus | undefined) =>
    found !== undefined && !FINISHED.includes(found.runtimeStatus);
  return {
    status,
    async start(name, instanceId, input) {
      if (running(await status(instanceId))) return false;
      try {
        await client.startNew(name, { instanceId, input });
        return true;
      } catch (error) {
        // The extension refuses to start an instance id that is already running: that is the point.
        if (running(await status(instanceId))) return false;
        throw error;
      }
    },
    async raise(instanceId, event, data) {
      if (!running(await status(instanceId))) return false;
      await client.raiseEvent(instanceId, event, data);
      return true;
    },
  };
}
