import { isRestError } from '@azure/core-rest-pipeline';
import { ValidationError } from '../model/validationError';
import { InvalidTransitionError } from '../model/states';
import { ReinstatementNotFoundError } from '../storage/reinstatementRepository';
import {
  CheckUnavailableError,
  IdempotencyKeyReusedError,
  NotFoundError,
  PayloadTooLargeError,
  StateConflictError,
  UnsupportedMediaTypeError,
} from './errors';

/** An HTTP answer, in the shape @azure/functions handlers return. */
export interface ApiResponse {
  status: number;
  headers?: Record<string, string>;
  jsonBody?: unknown;
  body?: string;
}

/** RFC 9457 problem document. */
export function problem(
  status: number,
  title: string,
  detail?: string,
  extra: Record<string, unknown> = {},
): ApiResponse {
  return {
    status,
    headers: { 'Content-Type': 'application/problem+json' },
    jsonBody: { type: 'about:blank', title, status, ...(detail ? { detail } : {}), ...extra },
  };
}

/** Maps what went wrong to an answer; anything unexpected is a 500 that reveals nothing. */
export function problemFor(error: unknown): ApiResponse {
  if (error instanceof ValidationError)
    return problem(400, 'The request is not valid', error.message, { errors: error.issues });
  if (error instanceof ReinstatementNotFoundError) return problem(404, 'No such reinstatement');
  if (error instanceof NotFoundError) return problem(404, `No such ${error.what}`);
  if (error instanceof StateConflictError)
    return problem(409, 'Not possible in the current state', error.message, {
      state: error.state,
      possibleWhen: error.allowedIn,
    });
  if (error instanceof InvalidTransitionError)
    return problem(409, 'Not possible in the current state', error.message, { state: error.from });
  if (error instanceof PayloadTooLargeError)
    return problem(413, 'The request body is too large', error.message, { limitBytes: error.limitBytes });
  if (error instanceof IdempotencyKeyReusedError)
    return problem(422, 'Idempotency-Key reused', error.message, { field: 'Idempotency-Key' });
  if (error instanceof UnsupportedMediaTypeError)
    return problem(415, 'Unsupported content type', error.message, { accepted: error.accepted });
  if (error instanceof CheckUnavailableError) {
    const answer = problem(503, 'A check before starting could not be made', error.message);
    return { ...answer, headers: { ...answer.headers, 'Retry-After': String(error.retryAfterSeconds) } };
  }
  if (isRestError(error) && error.statusCode === undefined) {
    // No HTTP answer at all (refused, reset, timed out): a service the app stands on is down, not a bug.
    const answer = problem(
      503,
      'A service the app depends on does not answer',
      'Table storage (or another Azure service) did not answer; nothing was changed. Try again in a little while; /api/health names the part that is down.',
    );
    return { ...answer, headers: { ...answer.headers, 'Retry-After': '30' } };
  }
  return problem(500, 'Something went wrong on our side', 'The error was logged; try again later.');
}
