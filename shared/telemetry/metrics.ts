import { metrics, type Counter, type Gauge, type Histogram, type MeterProvider } from '@opentelemetry/api';
import { INSTRUMENTATION_SCOPE, Metrics, type MicrosoftService } from './names';

/**
 * The product's metrics (names and meaning in names.ts). Instruments are made from whichever meter
 * provider is registered when the first value is recorded, and again if it changes (a test that
 * installs its own), so recording before telemetry starts costs nothing and loses nothing that matters.
 */
interface Instruments {
  transitions: Counter;
  timeInState: Histogram;
  active: Gauge;
  mailBacklog: Gauge;
  mailFinishIn: Gauge;
  mailSentLastHour: Gauge;
  throttled: Counter;
  partnerCenterBudgetUsed: Gauge;
  partnerCenterBudgetRefused: Counter;
  findings: Counter;
  identityHealthy: Gauge;
  identityDaysLeft: Gauge;
}

let made: { provider: MeterProvider; instruments: Instruments } | undefined;

function instruments(): Instruments {
  const provider = metrics.getMeterProvider();
  if (made?.provider === provider) return made.instruments;
  const meter = provider.getMeter(INSTRUMENTATION_SCOPE);
  const options = (m: { unit: string; description: string }) => ({
    unit: m.unit,
    description: m.description,
  });
  const instruments: Instruments = {
    transitions: meter.createCounter(Metrics.transitions.name, options(Metrics.transitions)),
    timeInState: meter.createHistogram(Metrics.timeInState.name, options(Metrics.timeInState)),
    active: meter.createGauge(Metrics.active.name, options(Metrics.active)),
    mailBacklog: meter.createGauge(Metrics.mailBacklog.name, options(Metrics.mailBacklog)),
    mailFinishIn: meter.createGauge(Metrics.mailFinishIn.name, options(Metrics.mailFinishIn)),
    mailSentLastHour: meter.createGauge(Metrics.mailSentLastHour.name, options(Metrics.mailSentLastHour)),
    throttled: meter.createCounter(Metrics.throttled.name, options(Metrics.throttled)),
    partnerCenterBudgetUsed: meter.createGauge(
      Metrics.partnerCenterBudgetUsed.name,
      options(Metrics.partnerCenterBudgetUsed),
    ),
    partnerCenterBudgetRefused: meter.createCounter(
      Metrics.partnerCenterBudgetRefused.name,
      options(Metrics.partnerCenterBudgetRefused),
    ),
    findings: meter.createCounter(Metrics.findings.name, options(Metrics.findings)),
    identityHealthy: meter.createGauge(Metrics.identityHealthy.name, options(Metrics.identityHealthy)),
    identityDaysLeft: meter.createGauge(Metrics.identityDaysLeft.name, options(Metrics.identityDaysLeft)),
  };
  made = { provider, instruments };
  return instruments;
}

/**
 * A reinstatement entered `to` (from `from`, or new), after `secondsIn` in `from`. Called once per
 * committed move, so a replayed or retried step that moves nothing counts nothing.
 */
export function recordStateMove(from: string | undefined, to: string, secondsIn: number | undefined): void {
  const i = instruments();
  i.transitions.add(1, { 'reinstatement.from_state': from ?? 'none', 'reinstatement.to_state': to });
  if (from && secondsIn !== undefined && secondsIn >= 0)
    i.timeInState.record(secondsIn, { 'reinstatement.state': from });
}

export function recordThrottled(service: MicrosoftService): void {
  instruments().throttled.add(1, { 'dependency.service': service });
}

/** Why the shared Partner Center budget held a request back. */
export type BudgetRefusalCause = 'limit' | 'retry-after' | 'busy';

export function recordPartnerCenterBudgetRefused(cause: BudgetRefusalCause): void {
  instruments().partnerCenterBudgetRefused.add(1, { 'partner_center.budget.cause': cause });
}

/** The watchdog's look at the shared Partner Center budget. */
export function recordPartnerCenterBudgetUsage(usage: { limit: number; usedLastMinute: number }): void {
  instruments().partnerCenterBudgetUsed.record(usage.usedLastMinute, {
    'partner_center.budget.limit': usage.limit,
  });
}

export function recordVerificationFinding(finding: string): void {
  instruments().findings.add(1, { 'verification.finding': finding });
}

/** What the watchdog sees every run: the basis of the gauges the alerts and the workbook read. */
export interface OperationsSample {
  /** Reinstatements not yet final, per state (every such state, zeros included). */
  activeByState: Record<string, number>;
  mail: {
    queuedByLane: Record<string, number>;
    /** When the last queued mail should go; absent or past when nothing is queued. */
    expectedFinish?: string;
    sentLastHour: number;
  };
  identity: { healthy: boolean; mode: string; problem?: string; daysLeft?: number };
}

export function recordOperationsSample(sample: OperationsSample, now: Date): void {
  const i = instruments();
  for (const [state, count] of Object.entries(sample.activeByState))
    i.active.record(count, { 'reinstatement.state': state });
  let queued = 0;
  for (const [lane, count] of Object.entries(sample.mail.queuedByLane)) {
    i.mailBacklog.record(count, { 'mail.lane': lane });
    queued += count;
  }
  const finish = sample.mail.expectedFinish ? Date.parse(sample.mail.expectedFinish) : NaN;
  i.mailFinishIn.record(
    queued > 0 && Number.isFinite(finish) ? Math.max(0, (finish - now.getTime()) / 1000) : 0,
  );
  i.mailSentLastHour.record(sample.mail.sentLastHour);
  i.identityHealthy.record(sample.identity.healthy ? 1 : 0, {
    'verification.identity.mode': sample.identity.mode,
    'verification.identity.problem': sample.identity.problem ?? 'none',
  });
  if (sample.identity.daysLeft !== undefined) i.identityDaysLeft.record(sample.identity.daysLeft);
}
