import { Events, isRunning, MAIL_DISPATCHER_INSTANCE, Orchestrations, type WorkflowClient } from './contract';

/** Wakes the mail dispatcher, or starts it when it is not running: a queued mail waits for it. */
export async function wakeMailDispatcher(workflow: WorkflowClient): Promise<void> {
  if (isRunning(await workflow.status(MAIL_DISPATCHER_INSTANCE)))
    await workflow.raise(MAIL_DISPATCHER_INSTANCE, Events.Wake, {});
  else await workflow.start(Orchestrations.mailDispatcher, MAIL_DISPATCHER_INSTANCE, {});
}
