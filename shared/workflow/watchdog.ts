import type { IdentityHealth } from '../adapters/identity/partnerUserTokens';
import type { AlertDispatch, DeliveryReport } from '../alerts/alertDispatch';
import { backlogAlert } from '../alerts/happenings';
import type { AppConfig } from '../config/appConfig';
import type { Backlog, MailDispatch } from '../email/dispatch';
import type { BulkJobRepository } from '../storage/bulkJobRepository';
import type { ReinstatementRepository } from '../storage/reinstatementRepository';
import type { ScanRepository } from '../storage/scanRepository';
import { isReinstatementId } from '../model/identifiers';
import type { OperationsSample } from '../telemetry/metrics';
import { RESUMABLE_STATES } from '../model/states';
import { allPages } from '../storage/reinstatementRepository';
import {
  Orchestrations,
  type BulkStartInput,
  type InstanceStatus,
  type ScanInput,
  type WorkflowClient,
} from './contract';
import { watchVerificationIdentity, type IdentityWatchDeps } from './identityWatch';
import { endThroughOrchestration, reinstatementInput } from './starting';
import { wakeMailDispatcher } from './wakeMailDispatcher';

export interface WatchdogReport {
  examined: number;
  /** Records without an orchestration (a start that died midway, a purged instance): started again. */
  resumed: number;
  /** Records whose orchestration failed or was terminated: Failed, with that reason. */
  failed: number;
  bulkJobsResumed: number;
  /** Scans whose record says running without an orchestration: started again. */
  scansResumed: number;
  mailDispatcherWoken: boolean;
  /** Webhook posts tried in this run (the digest's and urgent alerts' retries). */
  alertDeliveries: DeliveryReport;
  /** Verification's identity: well, or what is wrong with it; whether the partner's team was told. */
  identity: { healthy: boolean; problem?: string; notified: boolean };
  /** What the run saw, for the operations metrics: reinstatements per state, the mail queue, the identity. */
  seen: { byState: Record<string, number>; backlog?: Backlog; identity?: IdentityHealth };
}

/** A record this young may still be having its orchestration started by whoever created it. */
const START_GRACE_MS = 120_000;

/**
 * No record waits for an orchestration that no longer exists. Every reinstatement that is not final
 * is compared with its orchestration, from two listings (the running instances and the broken ones)
 * rather than one call per record: one without an orchestration is started again (it resumes from the
 * record's state); one whose orchestration failed or was terminated is marked Failed with that
 * reason, and the partner's team is told (an operator may then retry it). Bulk jobs left unfinished
 * without their orchestration, and a mail queue without its dispatcher, are resumed too.
 */
export interface WatchdogDeps extends IdentityWatchDeps {
  config: IdentityWatchDeps['config'] & Pick<AppConfig, 'schedule'>;
  repository: ReinstatementRepository;
  bulkJobs: Pick<BulkJobRepository, 'unfinished'>;
  scans: Pick<ScanRepository, 'running'>;
  mail: MailDispatch;
  alerts: Pick<AlertDispatch, 'record' | 'recordUrgent' | 'deliverDue'>;
}

export async function runWatchdog(app: WatchdogDeps, workflow: WorkflowClient): Promise<WatchdogReport> {
  const report: WatchdogReport = {
    examined: 0,
    resumed: 0,
    failed: 0,
    bulkJobsResumed: 0,
    scansResumed: 0,
    mailDispatcherWoken: false,
    alertDeliveries: { delivered: 0, retrying: 0, refused: 0, gaveUp: 0 },
    identity: { healthy: true, notified: false },
    seen: { byState: {} },
  };
  const running = new Set(
    (await workflow.list(['Pending', 'Running', 'ContinuedAsNew'])).map((i) => i.instanceId),
  );
  const broken = new Map(
    (await workflow.list(['Failed', 'Terminated']))
      .filter((i) => isReinstatementId(i.instanceId))
      .map((i) => [i.instanceId, i] as const),
  );
  const now = app.now().getTime();
  for (const state of RESUMABLE_STATES) {
    report.seen.byState[state] = 0;
    for await (const items of allPages((page) => app.repository.listByState(state, page), 500)) {
      report.examined += items.length;
      report.seen.byState[state] = (report.seen.byState[state] ?? 0) + items.length;
      for (const r of items) {
        if (running.has(r.id)) continue;
        const instance = broken.get(r.id);
        if (instance) {
          // A fresh orchestration under its id records the end (its flow owns every move).
          const end = { outcome: 'Failed', reason: whyStopped(instance), actor: 'watchdog' } as const;
          if (await endThroughOrchestration({ config: app.config, workflow }, r.id, end)) report.failed++;
        } else if (now - Date.parse(r.updatedAt) >= START_GRACE_MS) {
          // Started under the same id again: a start that raced it is refused, not doubled.
          await app.repository.record(r.id, {
            what: 'resumed',
            actor: 'watchdog',
            details: { from: r.state },
          });
          await workflow.start(Orchestrations.reinstatement, r.id, reinstatementInput(app.config, r.id));
          report.resumed++;
        }
      }
    }
  }
  for (const job of await app.bulkJobs.unfinished()) {
    const input: BulkStartInput = { jobId: job.id, pages: job.pages };
    if (!running.has(job.id) && (await workflow.start(Orchestrations.bulkStart, job.id, input)))
      report.bulkJobsResumed++;
  }
  for (const scanId of await app.scans.running()) {
    const input: ScanInput = { scanId, transientRetryHours: app.config.schedule.transientRetryHours };
    // Its saved pages and finished customers make the restarted scan go on where it stopped.
    if (!running.has(scanId) && (await workflow.start(Orchestrations.scan, scanId, input)))
      report.scansResumed++;
  }
  const backlog = await app.mail.backlog();
  report.seen.backlog = backlog;
  if (backlog.lanes.people.queued + backlog.lanes.bulk.queued > 0) {
    await wakeMailDispatcher(workflow);
    report.mailDispatcherWoken = true;
  }
  const stalled = backlogAlert(backlog, app.now());
  if (stalled) await app.alerts.record(stalled);
  const { health, notified } = await watchVerificationIdentity(app, workflow);
  report.seen.identity = health;
  // Webhook posts that failed earlier are tried again here, every watchdog run.
  report.alertDeliveries = await app.alerts.deliverDue();
  report.identity = {
    healthy: health.healthy,
    notified,
    ...(health.problem ? { problem: health.problem.explanation } : {}),
  };
  return report;
}

function whyStopped(instance: InstanceStatus): string {
  const text = typeof instance.output === 'string' ? instance.output : JSON.stringify(instance.output ?? '');
  const details = text.replace(/\s+/g, ' ').slice(0, 300);
  return instance.runtimeStatus === 'Failed'
    ? `its orchestration failed: ${details || 'no details'}`
    : `its orchestration was terminated${details ? `: ${details}` : ''}`;
}

/** The watchdog's run, as the sample the gauges record. */
export function operationsSampleOf(seen: WatchdogReport['seen']): OperationsSample {
  return {
    activeByState: seen.byState,
    mail: {
      queuedByLane: Object.fromEntries(
        Object.entries(seen.backlog?.lanes ?? {}).map(([lane, l]) => [lane, l.queued]),
      ),
      ...(seen.backlog ? { expectedFinish: seen.backlog.expectedFinish } : {}),
      sentLastHour: seen.backlog?.sentLastHour ?? 0,
    },
    identity: {
      healthy: seen.identity?.healthy ?? true,
      mode: seen.identity?.mode ?? 'unknown',
      // The kind, never the explanation: that names the partner user.
      ...(seen.identity?.problem ? { problem: seen.identity.problem.kind } : {}),
      ...(seen.identity?.inactivityDaysLeft !== undefined
        ? { daysLeft: seen.identity.inactivityDaysLeft }
        : {}),
    },
  };
}
