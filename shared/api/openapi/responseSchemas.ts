import { z } from 'zod';
import { ReinstatementStates } from '../../model/states';
import { AuditActors } from '../../model/audit';
import { LANGUAGES } from '../../model/languages';
import { WATCH_CHANGES } from '../../model/watch';
import { ALERT_KINDS } from '../../model/alerts';

/**
 * The shapes of the API's answers, as schemas: the OpenAPI document is generated from them, and
 * `typeChecks.ts` holds each one to the TypeScript type the code answers with, so that neither can
 * change without the other. (Requests are described by the zod schemas that validate them.)
 */
const timestamp = z.string().meta({ format: 'date-time' });
const state = z.enum(ReinstatementStates);

export const ScopeFindings = [
  'verified',
  'no-access',
  'narrower-scope',
  'wrong-role',
  'other-principal',
  'not-found',
  'could-not-check',
  'partner-identity',
] as const;

export const fieldIssueSchema = z.strictObject({
  field: z.string().meta({ description: 'The path of the field, e.g. scopes[0] or contact.email' }),
  pointer: z.string().meta({ description: 'RFC 6901 JSON Pointer to the field, e.g. /scopes/0' }),
  label: z.string().meta({ description: 'The field as people know it, e.g. Azure scope 1' }),
  rule: z.string().meta({ description: 'The rule it broke, in words' }),
});

export const problemSchema = z
  .looseObject({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    errors: z.array(fieldIssueSchema).optional().meta({ description: 'Each field that broke a rule (400)' }),
    state: state.optional().meta({ description: 'The current state (409)' }),
    possibleWhen: z.array(state).optional().meta({ description: 'The states that allow the action (409)' }),
    limitBytes: z.number().int().optional().meta({ description: 'The body size limit (413)' }),
    accepted: z.array(z.string()).optional().meta({ description: 'The content types accepted (415)' }),
  })
  .meta({ description: 'RFC 9457 problem document (application/problem+json)' });

const scopeCheckSchema = z.strictObject({
  at: timestamp,
  finding: z.enum(ScopeFindings),
  explanation: z.string(),
});

export const reinstatementSchema = z.strictObject({
  id: z.string(),
  customerTenantId: z.string().meta({ format: 'uuid' }),
  customerName: z.string(),
  contact: z.strictObject({ name: z.string(), email: z.string() }),
  delegatedAdmin: z.boolean(),
  note: z.string().optional(),
  language: z.enum(LANGUAGES).optional().meta({
    description: "The customer's language; absent on records made before languages (DEFAULT_LANGUAGE)",
  }),
  scopes: z.array(
    z.strictObject({
      scope: z.string(),
      kind: z.enum(['subscription', 'resourceGroup', 'resource']),
      status: z.enum(['Pending', 'Verified']),
      verifiedAt: timestamp.optional(),
      lastCheck: scopeCheckSchema.optional(),
    }),
  ),
  state,
  stateReason: z.string().optional(),
  partnerGroupObjectId: z.string().optional(),
  invitationSentAt: timestamp.optional(),
  instructionsSentAt: timestamp.optional(),
  acceptedAt: timestamp.optional(),
  failedIn: state.optional(),
  trouble: z
    .strictObject({
      step: z.string(),
      reason: z.string(),
      attempts: z.number().int(),
      since: timestamp,
      nextAttemptAt: timestamp,
    })
    .optional(),
  lastCustomerCheckAt: timestamp.optional(),
  createdAt: timestamp,
  updatedAt: timestamp,
  stateChangedAt: timestamp,
  counters: z.strictObject({
    remindersSent: z.number().int(),
    resends: z.number().int(),
    verificationChecks: z.number().int(),
    linkClicks: z.number().int(),
  }),
  auditCount: z.number().int(),
});

export const auditEntrySchema = z.strictObject({
  reinstatementId: z.string(),
  sequence: z.number().int(),
  at: timestamp,
  what: z.string(),
  actor: z.enum(AuditActors),
  details: z.record(z.string(), z.unknown()).optional(),
  fromState: state.optional(),
  toState: state.optional(),
});

export const mailViewSchema = z.strictObject({
  kind: z.string(),
  sequence: z.number().int(),
  state: z.enum(['queued', 'sending', 'accepted', 'failed', 'withdrawn']),
  to: z.string(),
  subject: z.string(),
  queuedAt: timestamp,
  sentAt: timestamp.optional(),
  failure: z.string().optional(),
});

export const reinstatementViewSchema = z.strictObject({
  ...reinstatementSchema.shape,
  step: z.unknown().optional().meta({ description: 'What the orchestration is doing now, while it runs' }),
  audit: z.array(auditEntrySchema),
  mails: z.array(mailViewSchema),
});

export const startAnswerSchema = z.strictObject({
  id: z.string(),
  state,
  existing: z.boolean(),
  statusUrl: z.string().meta({ format: 'uri' }),
  invitationExpectedBy: timestamp.optional().meta({
    description:
      "When a new start's invitation is expected to go at the latest: the next free place in people's lane of the mail pace, behind the people's mails already queued (ahead of any bulk job's queue)",
  }),
});

export const listAnswerSchema = z.strictObject({
  items: z.array(reinstatementSchema),
  continuationToken: z.string().optional(),
});

const scopeOutcomeSchema = z.strictObject({
  reinstatementId: z.string(),
  scope: z.string(),
  ...scopeCheckSchema.shape,
});

export const verificationSummarySchema = z.strictObject({
  checked: z.number().int(),
  verified: z.number().int(),
  stillPending: z.number().int(),
  throttled: z.number().int(),
  failed: z.number().int(),
  durationMs: z.number(),
  scopes: z.array(scopeOutcomeSchema),
  advanced: z.array(z.string()),
  backOffMs: z.number().optional(),
});

export const acceptanceAnswerSchema = z.strictObject({ id: z.string(), accepted: z.literal(true) });
export const resendAnswerSchema = z.strictObject({
  id: z.string(),
  mail: z.enum(['invitation', 'instructions']),
  sequence: z.number().int(),
});
export const stateAnswerSchema = z.strictObject({
  id: z.string(),
  state,
  cancelling: z.literal(true).optional(),
});

export const rowResultSchema = z.union([
  z.strictObject({ row: z.number().int(), status: z.enum(['started', 'existing']), id: z.string() }),
  z.strictObject({ row: z.number().int(), status: z.literal('invalid'), errors: z.array(fieldIssueSchema) }),
  z.strictObject({ row: z.number().int(), status: z.literal('failed'), error: z.string() }),
]);

export const bulkAcceptedSchema = z.strictObject({
  jobId: z.string(),
  statusUrl: z.string().meta({ format: 'uri' }),
  rows: z.number().int(),
  valid: z.number().int(),
  invalid: z.number().int(),
  invalidRows: z.array(rowResultSchema),
  existing: z.boolean().meta({
    description:
      'The same submission (same Idempotency-Key within a day, or same body within ten minutes) was accepted already: this is its job, and nothing new was started',
  }),
});

export const bulkJobStatusSchema = z.strictObject({
  id: z.string(),
  createdAt: timestamp,
  createdBy: z.string(),
  rows: z.number().int(),
  valid: z.number().int(),
  invalid: z.number().int(),
  pages: z.number().int(),
  done: z.boolean(),
  counts: z.strictObject({
    started: z.number().int(),
    existing: z.number().int(),
    invalid: z.number().int(),
    failed: z.number().int(),
    pending: z.number().int(),
  }),
  results: z.array(rowResultSchema),
  page: z.number().int(),
  pageSize: z.number().int(),
  totalPages: z.number().int(),
});

const laneBacklogSchema = z.strictObject({ queued: z.number().int(), oldestQueuedAt: timestamp.optional() });
export const backlogSchema = z.strictObject({
  lanes: z.strictObject({ people: laneBacklogSchema, bulk: laneBacklogSchema }),
  expectedFinish: timestamp,
  bulkSpacingMs: z.number(),
  limits: z.strictObject({ perMinute: z.number().int(), perHour: z.number().int() }),
  sentLastMinute: z.number().int(),
  sentLastHour: z.number().int(),
  failingSince: timestamp.optional(),
});

export const webhookReadinessSchema = z.strictObject({
  checkedAt: timestamp,
  registered: z.boolean(),
  urlCurrent: z.boolean(),
  eventsPresent: z.boolean(),
  missingEvents: z.array(z.string()),
  conflict: z.strictObject({ registeredUrl: z.string(), registeredEvents: z.array(z.string()) }).optional(),
  lastValidation: z
    .strictObject({
      result: z.enum(['delivered', 'failed', 'pending', 'not-run']),
      at: timestamp,
      correlationId: z.string().optional(),
    })
    .optional(),
  error: z.string().optional(),
});

export const identityHealthSchema = z.strictObject({
  mode: z.enum(['secureApplicationModel', 'appOnly']),
  healthy: z.boolean(),
  connected: z.boolean(),
  user: z.string().optional(),
  connectedAt: timestamp.optional(),
  lastExchangeAt: timestamp.optional(),
  tokenIssuedAt: timestamp.optional(),
  inactivityDaysLeft: z.number().int().optional(),
  problem: z
    .strictObject({
      kind: z.enum([
        'app-not-consented',
        'no-partner-access',
        'tenant-not-found',
        'refresh-token-expired',
        'refresh-token-revoked',
        'interaction-required',
        'app-credential',
        'not-connected',
        'token-refused',
      ]),
      explanation: z.string(),
      at: z.string(),
    })
    .optional(),
  note: z.string(),
});

export const healthSchema = z.strictObject({
  status: z.literal('ok'),
  partnerTenantId: z.string(),
  taskHub: z.string(),
  storage: z.literal('ok').meta({ description: 'Table storage answered within three seconds' }),
  verificationIdentity: identityHealthSchema.meta({
    description:
      "How verification's identity stands (as /api/identity/readiness says); an unhealthy identity is reported here, not a failure of the app",
  }),
});

/** The answers handlers build inline, typed from their schemas (`satisfies` at each handler). */
export type StartAnswer = z.output<typeof startAnswerSchema>;
export type ReinstatementList = z.output<typeof listAnswerSchema>;
export type AcceptanceAnswer = z.output<typeof acceptanceAnswerSchema>;
export type ResendAnswer = z.output<typeof resendAnswerSchema>;
export type StateAnswer = z.output<typeof stateAnswerSchema>;
export type BulkAccepted = z.output<typeof bulkAcceptedSchema>;
export type HealthAnswer = z.output<typeof healthSchema>;

export const scanStartedSchema = z.strictObject({
  scanId: z.string(),
  existing: z.boolean(),
  statusUrl: z.string().meta({ format: 'uri' }),
});
export type ScanStarted = z.output<typeof scanStartedSchema>;

const scanOutcome = z.enum(['has-access', 'lost-access', 'could-not-check']);

export const scanResultSchema = z.strictObject({
  customerTenantId: z.string(),
  customerName: z.string(),
  subscriptionId: z.string().optional(),
  outcome: scanOutcome,
  finding: z.string().optional(),
  explanation: z.string(),
  inReinstatement: z.string().optional(),
  checkedAt: timestamp,
  change: z
    .enum(WATCH_CHANGES)
    .optional()
    .meta({ description: 'How it moved since the previous finished scan (the watch)' }),
  lastKnown: z
    .enum(['has-access', 'lost-access'])
    .optional()
    .meta({ description: 'The last outcome that could tell, carried over a check that could not' }),
  lastAccessAt: timestamp.optional().meta({ description: 'When the last check that found access ran' }),
  accessSince: timestamp
    .optional()
    .meta({ description: 'Since when it has had access without a break the watch saw' }),
  azurePlanIds: z
    .string()
    .optional()
    .meta({ description: "The customer's Azure plan subscriptions in Partner Center, comma-separated" }),
  plansListedAt: timestamp
    .optional()
    .meta({ description: "When the customer's subscriptions were last listed to find its Azure plans" }),
});

export const scanStatusSchema = z.strictObject({
  id: z.string(),
  createdAt: timestamp,
  createdBy: z.string(),
  state: z.enum(['running', 'done']),
  finishedAt: timestamp.optional(),
  stoppedBecause: z
    .string()
    .optional()
    .meta({ description: 'Why the scan ended before listing every customer, when it did' }),
  customersListed: z.number().int(),
  customersScanned: z.number().int(),
  findings: z
    .strictObject({
      customers: z.number().int().meta({
        description:
          'Customers in findings.csv: lost access on a subscription, and nothing reinstates them yet',
      }),
      alreadyBeingReinstated: z.number().int(),
      explanation: z
        .string()
        .optional()
        .meta({ description: 'Why there is nothing to start, when there is nothing' }),
    })
    .meta({ description: "What the scan found to start (findings.csv's rows)" }),
  counts: z.strictObject({
    results: z.number().int().meta({
      description:
        'Every result: subscriptions + customersNotListed, and also hasAccess + lostAccess + couldNotCheck',
    }),
    subscriptions: z.number().int().meta({ description: 'Azure subscriptions checked (or tried)' }),
    customersNotListed: z.number().int().meta({
      description:
        'Customers whose Azure subscriptions Partner Center did not list: one result each, could not check',
    }),
    hasAccess: z.number().int(),
    lostAccess: z.number().int(),
    couldNotCheck: z.number().int(),
    inReinstatement: z.number().int(),
    newlyLost: z.number().int(),
    regained: z.number().int(),
    gone: z.number().int(),
  }),
  previousScanId: z
    .string()
    .optional()
    .meta({ description: 'The finished scan whose results this one is compared with' }),
});

export const scanResultListSchema = z.strictObject({
  items: z.array(scanResultSchema),
  continuationToken: z.string().optional(),
});

export const alertSchema = z.strictObject({
  id: z.string(),
  kind: z.enum(ALERT_KINDS),
  label: z.string().meta({ description: 'The kind in words' }),
  needsAction: z.boolean(),
  at: z.string().meta({ format: 'date-time' }),
  summary: z.string().meta({ description: 'One sentence: who, what, where' }),
  link: z.string().meta({ format: 'uri', description: 'Where a person acts on it (the console)' }),
  digest: z
    .string()
    .meta({ description: "The digest that carried it; '' while none has; `urgent` when sent at once" }),
  customerName: z.string().optional(),
  customerTenantId: z.string().optional(),
  subscriptionId: z.string().optional(),
  reinstatementId: z.string().optional(),
});

export const alertOverviewSchema = z.strictObject({
  alerts: z.array(alertSchema).meta({ description: 'The latest 100, newest first' }),
  digests: z
    .array(
      z.strictObject({
        id: z.string(),
        state: z.enum(['collecting', 'collected', 'sent', 'empty']),
        claimedAt: z.string(),
        sentAt: z.string().optional(),
        alerts: z.number().int().optional(),
      }),
    )
    .meta({ description: 'The latest 10 digests' }),
  deliveries: z.strictObject({
    pending: z.number().int(),
    delivered: z.number().int(),
    refused: z.number().int(),
    gaveUp: z.number().int(),
    problems: z
      .array(
        z.strictObject({
          id: z.string(),
          channel: z.enum(['teams', 'json']),
          state: z.enum(['pending', 'delivered', 'refused', 'gave-up']),
          attempts: z.number().int(),
          lastError: z.string().optional(),
        }),
      )
      .meta({ description: 'Webhook posts not delivered (yet), with what the webhook answered' }),
  }),
  settings: z.strictObject({
    digestSchedule: z.string().optional(),
    teams: z.boolean(),
    jsonWebhook: z.boolean(),
  }),
});
export type AlertOverview = z.output<typeof alertOverviewSchema>;

export const digestSentSchema = z.strictObject({
  state: z.enum(['sent', 'in-progress', 'nothing-new']),
  digestId: z.string().optional(),
  alerts: z.number().int().optional(),
  headline: z.string().optional(),
});
export type DigestSent = z.output<typeof digestSentSchema>;
