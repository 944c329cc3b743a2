import { ReinstatementStates } from '../model/states';
import { Attributes, Metrics } from './names';

/**
 * What the operations team runs against Application Insights: the alert rules' and the workbook's
 * Kusto queries, built from the names the code records (names.ts), so that a renamed metric or
 * attribute changes the queries with it. They use Application Insights' own tables (customMetrics,
 * requests, dependencies), as a query scoped to the Application Insights resource sees them.
 * docs/OPERATIONS.md explains each alert and repeats these queries.
 */

const dim = (key: string) => `tostring(customDimensions["${key}"])`;

/**
 * The partner's team is mailed this many days before the partner user's sign-in would lapse
 * (WARN_DAYS_LEFT in shared/workflow/identityWatch.ts); the alert fires on the same day.
 */
export const IDENTITY_WARN_DAYS = 14;

export interface AlertRule {
  /** The rule's resource name after the prefix, e.g. `identity`. */
  key: string;
  displayName: string;
  description: string;
  /** 0 critical … 4 verbose. */
  severity: 0 | 1 | 2 | 3 | 4;
  /** Fires when the query returns a row (Count > 0) over the window. */
  query: string;
  windowSize: string;
  evaluationFrequency: string;
}

export const ALERT_RULES: AlertRule[] = [
  {
    key: 'identity',
    displayName: 'Verification identity failing or lapsing',
    description: `Verification's identity cannot read customers' role assignments (a lapsed, revoked or MFA-bound sign-in, a withdrawn consent), or the partner user's sign-in lapses within ${IDENTITY_WARN_DAYS} days unused. Reconnect it: docs/OPERATIONS.md.`,
    severity: 1,
    query: [
      'customMetrics',
      `| where name in ("${Metrics.identityHealthy.name}", "${Metrics.identityDaysLeft.name}")`,
      '| summarize arg_max(timestamp, value) by name',
      `| where (name == "${Metrics.identityHealthy.name}" and value < 1) or (name == "${Metrics.identityDaysLeft.name}" and value <= ${IDENTITY_WARN_DAYS})`,
    ].join('\n'),
    windowSize: 'PT1H',
    evaluationFrequency: 'PT15M',
  },
  {
    key: 'mail-stuck',
    displayName: 'Mail backlog not moving for an hour',
    description:
      'Mails are queued and ACS accepted none in the last hour: ACS is failing or throttling, the quota settings are wrong, or the mail dispatcher stopped. docs/OPERATIONS.md.',
    severity: 2,
    query: [
      'customMetrics',
      `| where name in ("${Metrics.mailBacklog.name}", "${Metrics.mailSentLastHour.name}")`,
      `| summarize arg_max(timestamp, value) by name, lane = ${dim('mail.lane')}`,
      `| summarize queued = sumif(value, name == "${Metrics.mailBacklog.name}"), sentLastHour = maxif(value, name == "${Metrics.mailSentLastHour.name}")`,
      '| where queued > 0 and sentLastHour == 0',
    ].join('\n'),
    windowSize: 'PT30M',
    evaluationFrequency: 'PT15M',
  },
  {
    key: 'failed',
    displayName: 'Reinstatements failed',
    description:
      'At least one reinstatement ended Failed (a step kept failing past TRANSIENT_RETRY_HOURS, ACS refused a mail, or its orchestration broke). The partner ops mailbox has the reason; docs/OPERATIONS.md.',
    severity: 2,
    query: [
      'customMetrics',
      `| where name == "${Metrics.transitions.name}" and ${dim('reinstatement.to_state')} == "Failed"`,
      '| summarize failed = sum(value)',
      '| where failed > 0',
    ].join('\n'),
    windowSize: 'PT15M',
    evaluationFrequency: 'PT15M',
  },
  {
    key: 'http-5xx',
    displayName: 'HTTP 5xx above 5 %',
    description:
      "More than 5 % of the app's HTTP requests (at least 3) answered 5xx: storage, the Durable Functions host or a bug. docs/OPERATIONS.md.",
    severity: 2,
    query: [
      'requests',
      `| where ${dim(Attributes.faasTrigger)} == "http"`,
      '| summarize total = count(), failed = countif(toint(resultCode) >= 500)',
      '| where failed >= 3 and failed * 20 > total',
    ].join('\n'),
    windowSize: 'PT15M',
    evaluationFrequency: 'PT5M',
  },
  {
    key: 'partner-center-throttling',
    displayName: 'Partner Center throttling the partner',
    description:
      "Partner Center answered 429 and at least 50 requests waited out its Retry-After within 15 minutes: the partner tenant's 500 requests a minute are used up, often by another tool on the same tenant. Scans and the checks before starting slow down; nothing is lost. docs/OPERATIONS.md.",
    severity: 3,
    query: [
      'customMetrics',
      `| where name == "${Metrics.partnerCenterBudgetRefused.name}" and ${dim('partner_center.budget.cause')} == "retry-after"`,
      '| summarize heldBack = sum(value)',
      '| where heldBack >= 50',
    ].join('\n'),
    windowSize: 'PT15M',
    evaluationFrequency: 'PT15M',
  },
  {
    key: 'watchdog-silent',
    displayName: 'Watchdog not reporting',
    description:
      'The watchdog (every 10 minutes) recorded nothing for an hour: the function app is down or its timers do not run, and the other alerts are blind. docs/OPERATIONS.md.',
    severity: 1,
    query: [
      'customMetrics',
      `| where name == "${Metrics.active.name}"`,
      '| summarize samples = count()',
      '| where samples == 0',
    ].join('\n'),
    windowSize: 'PT1H',
    evaluationFrequency: 'PT15M',
  },
];

/** A workbook tile: its title, query and chart. */
export interface WorkbookQuery {
  title: string;
  query: string;
  visualization: 'barchart' | 'timechart' | 'table' | 'tiles';
}

const stateOrder = `case(${ReinstatementStates.map((s, i) => `state == "${s}", ${i + 1}`).join(', ')}, ${ReinstatementStates.length + 1})`;

export const WORKBOOK_QUERIES: WorkbookQuery[] = [
  {
    title: 'Funnel: reinstatements that reached each state',
    visualization: 'barchart',
    query: [
      'customMetrics',
      `| where name == "${Metrics.transitions.name}"`,
      `| extend state = ${dim('reinstatement.to_state')}`,
      '| summarize reinstatements = sum(value) by state',
      `| extend order = ${stateOrder}`,
      '| order by order asc',
      '| project state, reinstatements',
    ].join('\n'),
  },
  {
    title: 'In flight now, per state',
    visualization: 'table',
    query: [
      'customMetrics',
      `| where name == "${Metrics.active.name}"`,
      `| summarize arg_max(timestamp, value) by state = ${dim('reinstatement.state')}`,
      `| extend order = ${stateOrder}`,
      '| order by order asc',
      '| project state, reinstatements = value, sampled = timestamp',
    ].join('\n'),
  },
  {
    title: 'Time spent in each state (hours)',
    visualization: 'table',
    query: [
      'customMetrics',
      `| where name == "${Metrics.timeInState.name}"`,
      `| extend state = ${dim('reinstatement.state')}`,
      '| summarize average = round(sum(valueSum) / sum(valueCount) / 3600, 1), longest = round(max(valueMax) / 3600, 1), left = sum(valueCount) by state',
      `| extend order = ${stateOrder}`,
      '| order by order asc',
      '| project-away order',
    ].join('\n'),
  },
  {
    title: 'Mail backlog per lane',
    visualization: 'timechart',
    query: [
      'customMetrics',
      `| where name == "${Metrics.mailBacklog.name}"`,
      `| summarize queued = max(value) by lane = ${dim('mail.lane')}, bin(timestamp, 10m)`,
    ].join('\n'),
  },
  {
    title: 'Mail: expected finish and sends in the last hour',
    visualization: 'tiles',
    query: [
      'customMetrics',
      `| where name in ("${Metrics.mailFinishIn.name}", "${Metrics.mailSentLastHour.name}")`,
      '| summarize arg_max(timestamp, value) by name',
      `| project measure = iff(name == "${Metrics.mailFinishIn.name}", "hours until the last queued mail goes", "mails sent in the last hour"), value = iff(name == "${Metrics.mailFinishIn.name}", round(value / 3600, 1), value)`,
    ].join('\n'),
  },
  {
    title: "Throttling by Microsoft's services",
    visualization: 'timechart',
    query: [
      'customMetrics',
      `| where name == "${Metrics.throttled.name}"`,
      `| summarize answers429 = sum(value) by service = ${dim(Attributes.dependencyService)}, bin(timestamp, 1h)`,
    ].join('\n'),
  },
  {
    title: "Partner Center's shared request budget",
    visualization: 'timechart',
    query: [
      'customMetrics',
      `| where name in ("${Metrics.partnerCenterBudgetUsed.name}", "${Metrics.partnerCenterBudgetRefused.name}")`,
      `| summarize sentLastMinute = maxif(value, name == "${Metrics.partnerCenterBudgetUsed.name}"), heldBack = sumif(value, name == "${Metrics.partnerCenterBudgetRefused.name}") by bin(timestamp, 10m)`,
    ].join('\n'),
  },
  {
    title: 'Role-assignment checks per finding',
    visualization: 'barchart',
    query: [
      'customMetrics',
      `| where name == "${Metrics.findings.name}"`,
      `| summarize checks = sum(value) by finding = ${dim('verification.finding')}`,
      '| order by checks desc',
    ].join('\n'),
  },
  {
    title: "Verification's identity",
    visualization: 'table',
    query: [
      'customMetrics',
      `| where name in ("${Metrics.identityHealthy.name}", "${Metrics.identityDaysLeft.name}")`,
      `| summarize arg_max(timestamp, value, customDimensions) by name`,
      `| project measure = name, value, problem = ${dim('verification.identity.problem')}, sampled = timestamp`,
    ].join('\n'),
  },
];
