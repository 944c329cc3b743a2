import { ValidationError } from '../model/validationError';
import { PayloadTooLargeError, UnsupportedMediaTypeError } from './errors';

/** What a route reads from a request body, and how much of it. */
export type BodyType = 'application/json' | 'text/csv' | 'application/x-www-form-urlencoded';

export interface BodyRules {
  accept: readonly BodyType[];
  maxBytes: number;
}

export interface ReadBody {
  contentType: BodyType;
  text: string;
}

/**
 * Checks a body against a route's rules before anything reads it: the size (413), the content type
 * (415; a body sent without a content type is read as JSON) and, for JSON, that it parses (400
 * naming the body).
 */
export function checkBody(
  contentTypeHeader: string | null,
  byteLength: number,
  text: string,
  rules: BodyRules,
): ReadBody {
  if (byteLength > rules.maxBytes) throw new PayloadTooLargeError(rules.maxBytes);
  const declared = (contentTypeHeader ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  const contentType = declared === '' ? 'application/json' : declared;
  if (!(rules.accept as readonly string[]).includes(contentType))
    throw new UnsupportedMediaTypeError(rules.accept);
  return { contentType: contentType as BodyType, text };
}

/** Parses JSON text, or refuses naming the body. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw ValidationError.single('body', 'must be JSON');
  }
}
