import { mapWithConcurrency } from '../../lib/concurrency';
import type { Container } from '../app/container';
import type { Reinstatement } from '../model/reinstatement';
import { RESUMABLE_STATES } from '../model/states';
import { allPages } from '../storage/reinstatementRepository';
import { Orchestrations, type BulkStartInput, type InstanceStatus, type WorkflowClient } from './contract';
import { endReinstatement } from './ending';
import { reinstatementInput } from './starting';
import { wakeMailDispatcher } from './wakeMailDispatcher';

export interface WatchdogReport {
  examined: number;
  /** Records whose orchestration never started (the start died midway): started now. */
  resumed: number;
  /** Records whose orchestration failed, was terminated or ended without an outcome: Failed, with why. */
  failed: number;
  bulkJobsResumed: number;
  mailDispatcherWoken: boolean;
}

/** A record this young may still be having its orchestration started by whoever created it. */
const START_GRACE_MS = 120_000;

/**
 * No record waits for an orchestration that no longer exists. Compares every reinstatement that is
 * not final with its orchestration: one that never started is started (it resumes from the record's
 * state); one that failed, was terminated or ended without recording an outcome is marked Failed
 * with that reason, and the partner's team is told (an operator may then retry it). Bulk jobs left
 * unfinished without their orchestration, and a mail queue without its dispatcher, are resumed too.
 */
export async function runWatchdog(app: Container, workflow: WorkflowClient): Promise<WatchdogReport> {
  const report: WatchdogReport = {
    examined: 0,
    resumed: 0,
    failed: 0,
    bulkJobsResumed: 0,
    mailDispatcherWoken: false,
  };
  for (const state of RESUMABLE_STATES) {
    for await (const items of allPages((page) => app.repository.listByState(state, page), 200)) {
      report.examined += items.length;
      await mapWithConcurrency(items, 16, async (r) => {
        const outcome = await repair(app, workflow, r, await workflow.status(r.id));
        if (outcome) report[outcome]++;
      });
    }
  }
  for (const job of await app.bulkJobs.unfinished()) {
    const input: BulkStartInput = { jobId: job.id, pages: job.pages };
    if (await workflow.start(Orchestrations.bulkStart, job.id, input)) report.bulkJobsResumed++;
  }
  const backlog = await app.mail.backlog();
  if (backlog.lanes.people.queued + backlog.lanes.bulk.queued > 0) {
    await wakeMailDispatcher(workflow);
    report.mailDispatcherWoken = true;
  }
  return report;
}

async function repair(
  app: Container,
  workflow: WorkflowClient,
  r: Reinstatement,
  status: InstanceStatus | undefined,
): Promise<'resumed' | 'failed' | undefined> {
  if (!status) {
    if (app.now().getTime() - Date.parse(r.updatedAt) < START_GRACE_MS) return undefined;
    await app.repository.record(r.id, { what: 'resumed', actor: 'watchdog', details: { from: r.state } });
    await workflow.start(Orchestrations.reinstatement, r.id, reinstatementInput(app.config, r.id));
    return 'resumed';
  }
  const why =
    status.runtimeStatus === 'Failed'
      ? `its orchestration failed: ${describe(status.output)}`
      : status.runtimeStatus === 'Terminated'
        ? `its orchestration was terminated${status.output ? `: ${describe(status.output)}` : ''}`
        : status.runtimeStatus === 'Completed'
          ? 'its orchestration ended without recording an outcome'
          : undefined;
  if (!why) return undefined;
  await endReinstatement(app, workflow, r.id, 'Failed', why, 'watchdog');
  return 'failed';
}

function describe(output: unknown): string {
  const text = typeof output === 'string' ? output : JSON.stringify(output ?? 'no details');
  return text.replace(/\s+/g, ' ').slice(0, 300);
}
