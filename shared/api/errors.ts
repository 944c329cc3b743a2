import type { ReinstatementState } from '../model/states';

/** The action is not possible in the reinstatement's current state (409). */
export class StateConflictError extends Error {
  constructor(
    readonly action: string,
    readonly state: ReinstatementState,
    readonly allowedIn: readonly ReinstatementState[],
  ) {
    super(
      `${action} is not possible while the reinstatement is ${state}; it is possible when ${allowedIn.join(' or ')}`,
    );
    this.name = 'StateConflictError';
  }
}

/** The request body is larger than this route accepts (413). */
export class PayloadTooLargeError extends Error {
  constructor(readonly limitBytes: number) {
    super(`the body may be at most ${Math.round(limitBytes / 1024 / 1024)} MB`);
    this.name = 'PayloadTooLargeError';
  }
}

/** The request body's content type is not one this route reads (415). */
export class UnsupportedMediaTypeError extends Error {
  constructor(readonly accepted: readonly string[]) {
    super(`the body must be ${accepted.join(' or ')}`);
    this.name = 'UnsupportedMediaTypeError';
  }
}

/** Something the request names does not exist (404). */
export class NotFoundError extends Error {
  constructor(readonly what: string) {
    super(`no such ${what}`);
    this.name = 'NotFoundError';
  }
}

/** An Idempotency-Key already names a different request (422, as the IETF draft says). */
export class IdempotencyKeyReusedError extends Error {
  constructor() {
    super('this Idempotency-Key was used for a different request; use a new key for a new request');
    this.name = 'IdempotencyKeyReusedError';
  }
}

/** A check the start depends on could not be made (503): nothing was started; `retryAfterSeconds` says when to ask again. */
export class CheckUnavailableError extends Error {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
    this.name = 'CheckUnavailableError';
  }
}
