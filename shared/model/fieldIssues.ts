import type { z } from 'zod';
import { ValidationError, type FieldIssue } from './validationError';

/** `['contact', 'email']` → `contact.email`; `['scopes', 2]` → `scopes[2]`; `[]` → `body`. */
export function fieldPath(path: readonly PropertyKey[], root = 'body'): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out || root;
}

/** Turns zod's issues into ours: one per field, unknown keys named individually. */
export function toFieldIssues(error: z.ZodError, root = 'body'): FieldIssue[] {
  const issues: FieldIssue[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        issues.push({ field: fieldPath([...issue.path, key], root), rule: 'is not a known field' });
      }
    } else {
      issues.push({ field: fieldPath(issue.path, root), rule: issue.message });
    }
  }
  return issues;
}

/** Parses with a zod schema, throwing our ValidationError that names every offending field. */
export function parseWith<T extends z.ZodType>(schema: T, input: unknown, root = 'body'): z.output<T> {
  const result = schema.safeParse(input);
  if (!result.success) throw new ValidationError(toFieldIssues(result.error, root));
  return result.data;
}
