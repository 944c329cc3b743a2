import { mapWithConcurrency } from '../../lib/concurrency';
import { errorMessage } from '../../lib/errors';
import type { AppConfig } from '../config/appConfig';
import { ValidationError } from '../model/validationError';
import type { BulkJobRepository, RowResult } from '../storage/bulkJobRepository';
import type { ReinstatementRepository } from '../storage/reinstatementRepository';
import { done, type BulkActivities, type BulkPageCounts } from './contract';
import { checkWithPartnerCenter, type AzureSubscriptionBook, type StartCheck } from './startCheck';
import { startReinstatement } from './starting';

export interface BulkActivityDeps {
  config: Pick<AppConfig, 'schedule' | 'partner'>;
  repository: ReinstatementRepository;
  bulkJobs: BulkJobRepository;
  partnerCenter: AzureSubscriptionBook;
}

/** Rows of a page started at once. */
const ROW_CONCURRENCY = 8;
/** A row's start is tried this often within one page run before it is reported as failed. */
const ROW_ATTEMPTS = 3;

/** The bulk job's activity: start the rows of one stored page, each under an id fixed by the row. */
export function createBulkActivities(deps: BulkActivityDeps): BulkActivities {
  return {
    async startBulkPage({ jobId, page: number, lane = 'bulk' }, env) {
      const page = await deps.bulkJobs.page(jobId, number);
      if (page.results) return done(countResults(page.results));
      // Partner Center could not be asked for some row: the page is tried again later, as a whole
      // (rows it started keep their ids, so they are not started twice).
      let unanswered: Extract<StartCheck, { kind: 'unanswered' }> | undefined;
      const results = await mapWithConcurrency(
        page.rows,
        ROW_CONCURRENCY,
        async ({ row, request }): Promise<RowResult | undefined> => {
          const id = bulkRowId(jobId, row);
          if (deps.config.partner.checkBeforeStart && !(await deps.repository.get(id))) {
            const check = await checkWithPartnerCenter(deps.partnerCenter, request);
            if (check.kind === 'refused')
              return { row, status: 'invalid', errors: [...new ValidationError(check.issues).issues] };
            if (check.kind === 'unanswered') {
              unanswered = check;
              return undefined;
            }
          }
          let last: unknown;
          // A passing fault (storage busy) is tried again at once; a row that still fails is reported.
          for (let attempt = 1; attempt <= ROW_ATTEMPTS; attempt++) {
            try {
              const started = await startReinstatement(
                { config: deps.config, repository: deps.repository, workflow: env.workflow },
                request,
                id,
                `bulk ${jobId}`,
                lane,
              );
              return { row, status: started.kind, id: started.id };
            } catch (error) {
              last = error;
              await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
            }
          }
          return {
            row,
            status: 'failed',
            error: `could not be started (${errorMessage(last).slice(0, 160)}); post this row again`,
          };
        },
      );
      if (unanswered)
        return {
          kind: 'retry',
          reason: unanswered.explanation,
          ...(unanswered.failure.kind === 'throttled' ? { afterMs: unanswered.failure.retryAfterMs } : {}),
        };
      const recorded = results.filter((result): result is RowResult => result !== undefined);
      await deps.bulkJobs.recordResults(jobId, number, recorded);
      return done(countResults(recorded));
    },
  };
}

/** A bulk row's reinstatement id: fixed by the job and the row, so a retried page cannot twin it. */
export function bulkRowId(jobId: string, row: number): string {
  return `${jobId.replace(/^b-/, 'r-')}-${row}`.slice(0, 64);
}

function countResults(results: RowResult[]): BulkPageCounts {
  const count = (status: RowResult['status']) => results.filter((result) => result.status === status).length;
  return {
    started: count('started'),
    existing: count('existing'),
    invalid: count('invalid'),
    failed: count('failed'),
  };
}
