import { ValidationError } from '../model/validationError';
import { InvalidTransitionError } from '../model/states';
import { ReinstatementNotFoundError } from '../storage/reinstatementRepository';

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
  if (error instanceof InvalidTransitionError)
    return problem(409, 'Not possible in the current state', error.message, { state: error.from });
  return problem(500, 'Something went wrong on our side', 'The error was logged; try again later.');
}

/** Parses a JSON body, or answers with a problem naming the body. */
export function parseJsonBody(
  text: string,
): { ok: true; value: unknown } | { ok: false; response: ApiResponse } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return {
      ok: false,
      response: problem(400, 'The request is not valid', 'body: must be JSON', {
        errors: [{ field: 'body', rule: 'must be JSON' }],
      }),
    };
  }
}
