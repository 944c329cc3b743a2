import { Events, MAIL_DISPATCHER_INSTANCE, Orchestrations, type WorkflowClient } from './contract';

/** Wakes the mail dispatcher, or starts it when it is not running: a queued mail waits for it. */
export async function wakeMailDispatcher(workflow: WorkflowClient): Promise<void> {
  if (await workflow.raise(MAIL_DISPATCHER_INSTANCE, Events.Wake, {})) return;
  await workflow.start(Orchestrations.mailDispatcher, MAIL_DISPATCHER_INSTANCE, {});
}
