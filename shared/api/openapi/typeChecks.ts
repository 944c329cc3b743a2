import type { z } from 'zod';
import type { IdentityHealth } from '../../adapters/identity/partnerUserTokens';
import type { Readiness } from '../../adapters/partnerCenter/webhookReadiness';
import type { Backlog } from '../../email/dispatch';
import type { DescribedIssue } from '../../model/validationError';
import type { Reinstatement, ScopeFinding } from '../../model/reinstatement';
import type { RowResult } from '../../storage/bulkJobRepository';
import type { VerificationSummary } from '../../workflow/verification';
import type { BulkJobStatus } from '../bulkStarts';
import type { ScanStatus } from '../scans';
import type { ScanResult } from '../../storage/scanRepository';
import type { ReinstatementView } from '../reinstatementService';
import type { DigestRecord } from '../../storage/alertRepository';
import type * as schemas from './responseSchemas';

/**
 * Compile-time only: each answer's schema describes exactly the type the code answers with. A field
 * added, dropped or retyped on one side and not the other is a `tsc` error here.
 */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Out<S extends z.ZodType> = z.output<S>;

export const typeChecks: [
  Same<Out<typeof schemas.reinstatementSchema>, Reinstatement>,
  Same<Out<typeof schemas.reinstatementViewSchema>, ReinstatementView>,
  Same<Out<typeof schemas.verificationSummarySchema>, VerificationSummary>,
  Same<Out<typeof schemas.rowResultSchema>, RowResult>,
  Same<Out<typeof schemas.bulkJobStatusSchema>, BulkJobStatus>,
  Same<Out<typeof schemas.backlogSchema>, Backlog>,
  Same<Out<typeof schemas.webhookReadinessSchema>, Readiness>,
  Same<Out<typeof schemas.identityHealthSchema>, IdentityHealth>,
  Same<Out<typeof schemas.fieldIssueSchema>, DescribedIssue>,
  Same<(typeof schemas.ScopeFindings)[number], ScopeFinding>,
  Same<Out<typeof schemas.scanResultSchema>, ScanResult>,
  Same<Out<typeof schemas.scanStatusSchema>, ScanStatus>,
  Same<Out<typeof schemas.alertOverviewSchema>['digests'][number], DigestRecord>,
] = [true, true, true, true, true, true, true, true, true, true, true, true, true];
