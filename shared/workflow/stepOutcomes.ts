import type { Failure } from '../adapters/outcomes';
import type { StepOutcome } from './contract';

/** A service's failure as a step outcome: throttling and outages are waited out, the rest is final. */
export function failureStep<T>(failure: Failure, service: string): StepOutcome<T> {
  switch (failure.kind) {
    case 'throttled':
      return { kind: 'retry', reason: `${service} is throttling`, afterMs: failure.retryAfterMs };
    case 'transient':
      return { kind: 'retry', reason: failure.message };
    case 'permanent':
      return { kind: 'failed', reason: `${service} refused: ${failure.message}` };
  }
}
