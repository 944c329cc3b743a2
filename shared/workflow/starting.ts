import type { AppConfig } from '../config/appConfig';
import type { Lane } from '../email/pace';
import { activeKey } from '../model/activeKey';
import type { Reinstatement } from '../model/reinstatement';
import type { ReinstatementRequest } from '../model/request';
import { renderScope } from '../model/scopes';
import { ReinstatementExistsError, type ReinstatementRepository } from '../storage/reinstatementRepository';
import { Orchestrations, type ReinstatementInput, type WorkflowClient } from './contract';

export type StartResult =
  | { kind: 'started'; id: string; reinstatement: Reinstatement }
  /** The same customer and scopes are already being reinstated; `reinstatement` once it is recorded. */
  | { kind: 'existing'; id: string; reinstatement?: Reinstatement };

/** What an orchestration is given at start: the configured schedule, fixed for its whole life. */
export function reinstatementInput(
  config: Pick<AppConfig, 'schedule'>,
  id: string,
  start: 'fresh' | 'resume' | 'retry' | { end: NonNullable<ReinstatementInput['end']> } = 'resume',
  invitationLane: Lane = 'bulk',
): ReinstatementInput {
  const schedule = config.schedule;
  return {
    reinstatementId: id,
    schedule: {
      invitationReminderDays: schedule.invitationReminderDays,
      invitationExpiryDays: schedule.invitationExpiryDays,
      roleAssignmentReminderDays: schedule.roleAssignmentReminderDays,
      roleAssignmentDeadlineDays: schedule.roleAssignmentDeadlineDays,
      transientRetryHours: schedule.transientRetryHours,
    },
    ...(start === 'fresh' ? { fresh: true } : {}),
    ...(start === 'retry' ? { retry: true } : {}),
    ...(typeof start === 'object' ? start : {}),
    invitationLane,
  };
}

/**
 * Ends a reinstatement whose orchestration is gone (failed, terminated, never started) through a
 * fresh orchestration under its id that only records the end, so that its flow still makes every
 * move of its state. Answers false when an orchestration is running for it after all (it ends it).
 */
export function endThroughOrchestration(
  deps: { config: Pick<AppConfig, 'schedule'>; workflow: WorkflowClient },
  id: string,
  end: NonNullable<ReinstatementInput['end']>,
): Promise<boolean> {
  return deps.workflow.start(Orchestrations.reinstatement, id, reinstatementInput(deps.config, id, { end }));
}

/**
 * Starts one validated request under `id`: claims the customer and scopes (one running
 * reinstatement each), records it, starts its orchestration. Safe to repeat with the same id (a
 * bulk page retried after a crash): each step finds its own work done and goes on, so a row is
 * started exactly once.
 */
export async function startReinstatement(
  deps: {
    config: Pick<AppConfig, 'schedule'>;
    repository: ReinstatementRepository;
    workflow: WorkflowClient;
  },
  request: ReinstatementRequest,
  id: string,
  requestedBy: string,
  /** `people` for a person's own request: its invitation goes ahead of bulk jobs'. */
  invitationLane: Lane,
): Promise<StartResult> {
  const { repository, workflow } = deps;
  const holder = await repository.claimActive(
    activeKey(request.customerTenantId, request.scopes.map(renderScope)),
    id,
  );
  if (holder !== id) {
    const existing = await repository.get(holder);
    // A start that died between recording and starting its orchestration is completed here.
    if (existing?.state === 'Requested' && !(await workflow.status(holder)))
      await workflow.start(
        Orchestrations.reinstatement,
        holder,
        reinstatementInput(deps.config, holder, 'resume', invitationLane),
      );
    return { kind: 'existing', id: holder, ...(existing ? { reinstatement: existing } : {}) };
  }
  let reinstatement: Reinstatement;
  try {
    reinstatement = await repository.create(id, request, { actor: 'partner', details: { by: requestedBy } });
  } catch (error) {
    if (!(error instanceof ReinstatementExistsError)) throw error;
    reinstatement = await repository.require(id);
  }
  await workflow.start(
    Orchestrations.reinstatement,
    id,
    reinstatementInput(
      deps.config,
      id,
      reinstatement.state === 'Requested' ? 'fresh' : 'resume',
      invitationLane,
    ),
  );
  return { kind: 'started', id, reinstatement };
}
