import * as df from 'durable-functions';
import { SpanNames } from '../shared/telemetry/names';
import {
  inReinstatementSpan,
  isReinstatementInstance,
  SpanKind,
} from '../shared/telemetry/reinstatementTrace';
import {
  Orchestrations,
  isRunning,
  type InstanceStatus,
  type WorkflowClient,
} from '../shared/workflow/contract';

/**
 * The app's view of Durable Functions, over the real durable client. durable-functions' client
 * throws on an unknown instance's status (answered here as undefined), refuses to start an instance
 * that is running (answered as false), and treats an event for a finished instance as delivered:
 * callers that need the instance running ask its status first. Starting a reinstatement or raising an
 * event to one is a span of its trace, linked to what asked (a request, a bulk start, the watchdog).
 */
export function workflowClient(client: df.DurableClient): WorkflowClient {
  const traced = <T>(reinstatement: boolean, id: string, name: string, step: string, fn: () => Promise<T>) =>
    reinstatement ? inReinstatementSpan(id, name, { kind: SpanKind.PRODUCER, step }, fn) : fn();
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
  return {
    status,
    start: (name, instanceId, input) =>
      traced(name === Orchestrations.reinstatement, instanceId, SpanNames.start(name), 'start', async () => {
        try {
          await client.startNew(name, { instanceId, input });
          return true;
        } catch (error) {
          // The extension refuses to start an instance id that is already running: that is the point.
          if (isRunning(await status(instanceId))) return false;
          throw error;
        }
      }),
    async list(statuses) {
      const found = await client.getStatusBy({ runtimeStatus: statuses as df.OrchestrationRuntimeStatus[] });
      return found.map((s) => ({
        instanceId: s.instanceId,
        runtimeStatus: s.runtimeStatus as InstanceStatus['runtimeStatus'],
        output: s.output,
        customStatus: s.customStatus,
      }));
    },
    raise: (instanceId, event, data) =>
      traced(isReinstatementInstance(instanceId), instanceId, SpanNames.raise(event), event, async () => {
        try {
          await client.raiseEvent(instanceId, event, data);
          return true;
        } catch (error) {
          if (error instanceof Error && /No instance with ID/.test(error.message)) return false;
          throw error;
        }
      }),
  };
}
