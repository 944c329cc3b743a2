import { z } from 'zod';
import { MAX_BULK_ROWS } from '../bulkCsv';
import { LANGUAGES } from '../../model/languages';
import { reinstatementRequestSchema } from '../../model/request';
import { ReinstatementStates } from '../../model/states';
import { MAIL_TEMPLATE_KINDS } from '../../email/templates/mailTemplate';
import { scanReinstatementsSchema } from '../scans';
import { WATCH_CHANGES } from '../../model/watch';
import * as answers from './responseSchemas';

/**
 * The OpenAPI 3.1 description of the partner API. Request bodies come from the zod schemas that
 * validate them, answers from the schemas in responseSchemas.ts (held to the code's types at compile
 * time); only the routes, parameters and prose are written here. Served at GET /api/openapi.json and
 * committed as docs/openapi.json (`npm run generate`), which a test keeps equal.
 */
const SCHEMAS = {
  ReinstatementRequest: reinstatementRequestSchema,
  Problem: answers.problemSchema,
  Reinstatement: answers.reinstatementSchema,
  ReinstatementView: answers.reinstatementViewSchema,
  AuditEntry: answers.auditEntrySchema,
  Mail: answers.mailViewSchema,
  StartAnswer: answers.startAnswerSchema,
  ReinstatementList: answers.listAnswerSchema,
  VerificationSummary: answers.verificationSummarySchema,
  AcceptanceAnswer: answers.acceptanceAnswerSchema,
  ResendAnswer: answers.resendAnswerSchema,
  StateAnswer: answers.stateAnswerSchema,
  RowResult: answers.rowResultSchema,
  BulkAccepted: answers.bulkAcceptedSchema,
  BulkJobStatus: answers.bulkJobStatusSchema,
  EmailBacklog: answers.backlogSchema,
  WebhookReadiness: answers.webhookReadinessSchema,
  IdentityHealth: answers.identityHealthSchema,
  Health: answers.healthSchema,
  ScanStarted: answers.scanStartedSchema,
  ScanStatus: answers.scanStatusSchema,
  ScanResult: answers.scanResultSchema,
  ScanResultList: answers.scanResultListSchema,
  ScanReinstatementsRequest: scanReinstatementsSchema,
  Alert: answers.alertSchema,
  AlertOverview: answers.alertOverviewSchema,
  DigestSent: answers.digestSentSchema,
} as const;
type SchemaName = keyof typeof SCHEMAS;

const ref = (name: SchemaName) => ({ $ref: `#/components/schemas/${name}` });
const json = (name: SchemaName, description: string) => ({
  description,
  content: { 'application/json': { schema: ref(name) } },
});
const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: ref('Problem') } },
});
const unauthorized = { description: 'No valid function key' };
const scanIdParameter = {
  name: 'scanId',
  in: 'path',
  required: true,
  description: 'The scan id (`s-` and 32 hex digits)',
  schema: { type: 'string' },
};
const idempotencyKeyHeader = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description:
    'Names this submission (draft-ietf-httpapi-idempotency-key-header; 1 to 255 visible ASCII characters, quoted or bare): the same key within a day is answered the first job (200, `existing: true`); the same key with a different body is refused (422). Without a key, the same body (content type and bytes) within ten minutes is the same submission.',
  schema: { type: 'string', maxLength: 257 },
};
const sameSubmission = json(
  'BulkAccepted',
  'The same submission was accepted already: its job (`existing: true`); nothing new started',
);
const idParameter = {
  name: 'id',
  in: 'path',
  required: true,
  description: 'The reinstatement id (`r-` and 32 hex digits)',
  schema: { type: 'string' },
};

/** Every component schema, generated from zod with references between them. */
function componentSchemas(): Record<string, unknown> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(SCHEMAS)) registry.add(schema, { id });
  const generated = z.toJSONSchema(registry, {
    io: 'input',
    unrepresentable: 'any',
    uri: (id) => `#/components/schemas/${id}`,
  }) as { schemas: Record<string, Record<string, unknown>> };
  return Object.fromEntries(
    // The dialect and ids are the document's own in OpenAPI 3.1: dropped from each component.
    Object.entries(generated.schemas).map(([id, schema]) => [
      id,
      Object.fromEntries(Object.entries(schema).filter(([key]) => key !== '$schema' && key !== '$id')),
    ]),
  );
}

const action = (summary: string, description: string, ok: Record<string, unknown>) => ({
  post: {
    summary,
    description,
    tags: ['reinstatements'],
    parameters: [idParameter],
    responses: {
      ...ok,
      '400': problem('A malformed id'),
      '401': unauthorized,
      '404': problem('No such reinstatement'),
      '409': problem('Not possible in the current state (the answer names the states that allow it)'),
    },
  },
});

/**
 * Every operation may fail unexpectedly (a 500 problem document that reveals nothing), or meet a
 * dependency that does not answer (503 with Retry-After).
 */
interface Operation {
  summary: string;
  responses: Record<string, unknown>;
  [field: string]: unknown;
}

function withServerErrors(paths: Record<string, Record<string, Operation>>) {
  for (const operations of Object.values(paths))
    for (const operation of Object.values(operations)) {
      operation.responses['500'] = problem('An unexpected failure (logged; the answer reveals nothing)');
      operation.responses['503'] ??= problem(
        'Table storage (or another service the app stands on) does not answer; nothing was changed. `Retry-After` says when to try again',
      );
    }
  return paths;
}

export function openApiDocument(): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: {
      title: 'CSP admin-rights reinstatement',
      version: '1',
      description:
        "Gets a Microsoft CSP partner's admin rights on customers' Azure subscriptions back: invitation, acceptance, the customer's role assignment, verification. Errors are RFC 9457 problem documents naming each field.",
    },
    servers: [{ url: '/api' }],
    security: [{ functionKeyHeader: [] }, { functionKeyQuery: [] }],
    tags: [
      { name: 'reinstatements', description: 'Start, follow and act on reinstatements' },
      { name: 'bulk', description: 'Many at once' },
      { name: 'operations', description: 'Mail, webhook and identity readiness' },
      { name: 'scan', description: "Find the partner's customers who lost admin rights" },
    ],
    paths: withServerErrors({
      '/reinstatements': {
        post: {
          summary: 'Start one reinstatement',
          description:
            'Validated before anything is written. While one runs for the same customer and scopes, that one is answered (200, `existing: true`).',
          tags: ['reinstatements'],
          requestBody: {
            required: true,
            content: { 'application/json': { schema: ref('ReinstatementRequest') } },
          },
          responses: {
            '202': json('StartAnswer', 'Started; `Location` and `statusUrl` name it'),
            '200': json('StartAnswer', 'Already running for this customer and these scopes'),
            '400': problem(
              "Invalid: every field that broke a rule is named; nothing was written. With PARTNER_CENTER_START_CHECK (on by default) also a customer Partner Center does not list as the partner's, or a scope whose subscription is not one of the customer's Azure plan subscriptions",
            ),
            '401': unauthorized,
            '413': problem('The body is over 256 KB'),
            '415': problem('Not application/json'),
            '503': problem(
              'Partner Center could not be asked before the start (throttled or down), or storage does not answer; nothing was started. `Retry-After` says when to try again',
            ),
          },
        },
        get: {
          summary: 'List reinstatements, a page at a time',
          tags: ['reinstatements'],
          parameters: [
            {
              name: 'state',
              in: 'query',
              schema: { type: 'string', enum: [...ReinstatementStates] },
            },
            {
              name: 'customer',
              in: 'query',
              description: "The customer's tenant id",
              schema: { type: 'string', format: 'uuid' },
            },
            { name: 'pageSize', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 500 } },
            { name: 'continuationToken', in: 'query', schema: { type: 'string' } },
          ],
          responses: {
            '200': json('ReinstatementList', 'A page; `continuationToken` when there is more'),
            '400': problem('An invalid filter or page size'),
            '401': unauthorized,
          },
        },
      },
      '/reinstatements/bulk': {
        post: {
          summary: 'Start many at once',
          description: `Up to ${MAX_BULK_ROWS} rows, as a JSON array of requests or as text/csv with the header \`customerTenantId,customerName,contactName,contactEmail,scopes,delegatedAdmin,note,language\` (several scopes separated by \`;\`; \`language\` may be left out, and each optional cell empty). Every row is validated at once; the answer lists the invalid rows (nothing of them is written) and durable work starts the valid ones.`,
          tags: ['bulk'],
          parameters: [idempotencyKeyHeader],
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: {
                  type: 'array',
                  minItems: 1,
                  maxItems: MAX_BULK_ROWS,
                  items: ref('ReinstatementRequest'),
                },
              },
              'text/csv': { schema: { type: 'string' } },
            },
          },
          responses: {
            '202': json('BulkAccepted', 'Accepted; follow `statusUrl`'),
            '200': sameSubmission,
            '400': problem(
              'Not one row is valid (each row and its reasons in `results`), the body is malformed, or the Idempotency-Key is',
            ),
            '401': unauthorized,
            '422': problem('The Idempotency-Key was used for a different body'),
            '413': problem('The body is over 20 MB'),
            '415': problem('Neither application/json nor text/csv'),
          },
        },
      },
      '/reinstatements/bulk/{jobId}': {
        get: {
          summary: "A bulk job's progress and per-row results",
          tags: ['bulk'],
          parameters: [
            { name: 'jobId', in: 'path', required: true, schema: { type: 'string' } },
            { name: 'page', in: 'query', schema: { type: 'integer', minimum: 1 } },
            { name: 'pageSize', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000 } },
          ],
          responses: {
            '200': json('BulkJobStatus', 'Counts per outcome, done or not, and a page of row results'),
            '400': problem('An invalid page'),
            '401': unauthorized,
            '404': problem('No such bulk job'),
          },
        },
      },
      '/reinstatements/{id}': {
        get: {
          summary: 'One reinstatement, with its scopes, mails and audit trail',
          tags: ['reinstatements'],
          parameters: [idParameter],
          responses: {
            '200': json('ReinstatementView', 'The reinstatement'),
            '400': problem('A malformed id'),
            '401': unauthorized,
            '404': problem('No such reinstatement'),
          },
        },
      },
      '/reinstatements/{id}/acceptance': action(
        'The customer accepted',
        'The partner confirms the acceptance when no webhook told the product.',
        { '202': json('AcceptanceAnswer', 'Recorded; the instructions follow') },
      ),
      '/reinstatements/{id}/verify': action(
        'Check the role assignments now',
        'Each pending scope is checked and what was found is answered in words.',
        { '200': json('VerificationSummary', 'What each scope check found') },
      ),
      '/reinstatements/{id}/resend': action(
        "Send the current step's mail again",
        'The invitation or the instructions, paced like any other mail.',
        { '202': json('ResendAnswer', 'Queued') },
      ),
      '/reinstatements/{id}/cancel': action('Cancel', 'Ends it in whatever state it is.', {
        '200': json('StateAnswer', 'Ended at once: the final state'),
        '202': json('StateAnswer', 'Its orchestration is winding down (`cancelling: true`)'),
      }),
      '/reinstatements/{id}/retry': action(
        'Retry a Failed one',
        'Resumes where it failed, never re-sending a sent mail.',
        {
          '202': json('StateAnswer', 'Resumed'),
        },
      ),
      '/scans': {
        post: {
          summary: "Scan the partner's customers for lost admin rights",
          description:
            "Lists the partner's customers from Partner Center, each one's Azure subscriptions, and checks each with the verification rule, paced to Partner Center's limit. One scan runs at a time: while one runs, it is answered (200, `existing: true`); requests at the same moment start one scan between them.",
          tags: ['scan'],
          responses: {
            '202': json('ScanStarted', 'Started; follow `statusUrl`'),
            '200': json('ScanStarted', 'A scan is already running: that one'),
            '401': unauthorized,
          },
        },
      },
      '/scans/{scanId}': {
        get: {
          summary: 'A scan: running or done, customers listed and scanned, counts per outcome',
          tags: ['scan'],
          parameters: [scanIdParameter],
          responses: {
            '200': json('ScanStatus', 'The scan'),
            '400': problem('A malformed scan id'),
            '401': unauthorized,
            '404': problem('No such scan'),
          },
        },
      },
      '/scans/{scanId}/results': {
        get: {
          summary:
            "A scan's results, one per Azure subscription (or per customer it could not list), a page at a time",
          tags: ['scan'],
          parameters: [
            scanIdParameter,
            {
              name: 'outcome',
              in: 'query',
              schema: { type: 'string', enum: ['has-access', 'lost-access', 'could-not-check'] },
            },
            { name: 'change', in: 'query', schema: { type: 'string', enum: [...WATCH_CHANGES] } },
            { name: 'pageSize', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000 } },
            { name: 'continuationToken', in: 'query', schema: { type: 'string' } },
          ],
          responses: {
            '200': json('ScanResultList', 'A page; `continuationToken` when there is more'),
            '400': problem('An invalid scan id, outcome, change or page size'),
            '401': unauthorized,
            '404': problem('No such scan'),
          },
        },
      },
      '/scans/{scanId}/findings.csv': {
        get: {
          summary:
            'The customers that lost access, as a bulk-start CSV (fill in the contact columns, then post it to /reinstatements/bulk)',
          tags: ['scan'],
          parameters: [scanIdParameter],
          responses: {
            '200': {
              description: 'CSV in the bulk-start format',
              content: { 'text/csv': { schema: { type: 'string' } } },
            },
            '400': problem('A malformed scan id'),
            '401': unauthorized,
            '404': problem('No such scan'),
          },
        },
      },
      '/scans/{scanId}/reinstatements': {
        post: {
          summary: "Start reinstatements for chosen customers of a scan's findings, with their contacts",
          tags: ['scan'],
          parameters: [scanIdParameter, idempotencyKeyHeader],
          requestBody: {
            required: true,
            content: { 'application/json': { schema: ref('ScanReinstatementsRequest') } },
          },
          responses: {
            '202': json('BulkAccepted', 'Accepted as a bulk job; follow `statusUrl`'),
            '200': sameSubmission,
            '400': problem('Invalid: a customer not among the findings, a bad contact (each named)'),
            '401': unauthorized,
            '422': problem('The Idempotency-Key was used for a different body'),
            '404': problem('No such scan'),
            '413': problem('The body is over 5 MB'),
            '415': problem('Not application/json'),
          },
        },
      },
      '/email/backlog': {
        get: {
          summary: 'Mail waiting for its place in the pace, per lane, and the expected finish',
          tags: ['operations'],
          responses: { '200': json('EmailBacklog', 'The backlog'), '401': unauthorized },
        },
      },
      '/webhooks/partner-center/readiness': {
        get: {
          summary: 'Whether Partner Center will deliver acceptances, as it says now',
          tags: ['operations'],
          responses: {
            '200': json('WebhookReadiness', 'The registration as Partner Center has it'),
            '401': unauthorized,
          },
        },
        post: {
          summary: "Register the webhook (never replacing another tool's) and send the test event",
          tags: ['operations'],
          responses: {
            '200': json('WebhookReadiness', 'The registration and the validation'),
            '401': unauthorized,
          },
        },
      },
      '/alerts': {
        get: {
          summary: "What the partner's team was told: the latest alerts, digests and webhook deliveries",
          description:
            'Alerts are recorded as things happen (a subscription newly lost or regained by the watch, a reinstatement back, failed or expired, the verification sign-in needing a person, mail not moving) and go out together in the digest; see docs/ALERTS.md.',
          tags: ['operations'],
          responses: {
            '200': json('AlertOverview', 'The latest alerts and deliveries'),
            '401': unauthorized,
          },
        },
      },
      '/alerts/digest': {
        post: {
          summary: 'Send the digest of what is new now, as DIGEST_SCHEDULE does',
          description:
            'One mail to PARTNER_OPS_EMAIL, one Teams card and the signed JSON posts when those webhooks are set. Requests at the same moment send one digest between them (`in-progress` for the others); with nothing new, nothing is sent (`nothing-new`).',
          tags: ['operations'],
          responses: { '200': json('DigestSent', 'Sent, being sent, or nothing new'), '401': unauthorized },
        },
      },
      '/identity/readiness': {
        get: {
          summary:
            "Verification's identity: connected partner user, last use, days before it lapses, problems",
          tags: ['operations'],
          responses: { '200': json('IdentityHealth', 'The identity'), '401': unauthorized },
        },
      },
      '/identity/consent': {
        get: {
          summary: "The consent step: opened in a browser, it sends a partner user to Entra ID's sign-in",
          tags: ['operations'],
          responses: {
            '302': { description: "To Entra ID's sign-in (`Location`)" },
            '401': unauthorized,
          },
        },
      },
      '/mails/preview/{kind}': {
        get: {
          summary: "Any mail kind for a sample reinstatement, as the partner's templates word it",
          tags: ['operations'],
          parameters: [
            {
              name: 'kind',
              in: 'path',
              required: true,
              schema: { type: 'string', enum: [...MAIL_TEMPLATE_KINDS] },
            },
            {
              name: 'format',
              in: 'query',
              description: '`text` for the plain-text part; the HTML part otherwise',
              schema: { type: 'string', enum: ['html', 'text'] },
            },
            {
              name: 'language',
              in: 'query',
              description:
                "The reader's language (DEFAULT_LANGUAGE when absent); a language the partner wrote no template for falls back to the default language's, as the mails do. The partner's notice is always in English.",
              schema: { type: 'string', enum: [...LANGUAGES] },
            },
          ],
          responses: {
            '200': {
              description:
                'The mail (its subject in `X-Mail-Subject`, URL-encoded; its language in `Content-Language`)',
              content: {
                'text/html': { schema: { type: 'string' } },
                'text/plain': { schema: { type: 'string' } },
              },
            },
            '400': problem('The language is not one the product writes in'),
            '401': unauthorized,
            '404': problem('No such mail kind'),
          },
        },
      },
      '/openapi.json': {
        get: {
          summary: 'This document',
          tags: ['operations'],
          security: [],
          responses: {
            '200': {
              description: 'OpenAPI 3.1',
              content: { 'application/json': { schema: { type: 'object' } } },
            },
          },
        },
      },
      '/health': {
        get: {
          summary: "Health: storage answers, and how verification's identity stands",
          tags: ['operations'],
          security: [],
          responses: {
            '200': json('Health', 'Table storage answers; the verification identity as it stands'),
            '503': problem(
              'A part the app needs does not answer: `failing` names it (`storage`); `Retry-After` says when to ask again',
            ),
          },
        },
      },
    }),
    components: {
      securitySchemes: {
        functionKeyHeader: { type: 'apiKey', in: 'header', name: 'x-functions-key' },
        functionKeyQuery: { type: 'apiKey', in: 'query', name: 'code' },
      },
      schemas: componentSchemas(),
    },
  };
}
