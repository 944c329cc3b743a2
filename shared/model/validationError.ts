import { fieldLabel, jsonPointer } from './fieldLabels';

/** One reason an input was rejected: the field (a dotted path, `scopes[2]`) and the rule it broke. */
export interface FieldIssue {
  field: string;
  rule: string;
}

/** An issue as answered: the path for tools (`field`, `pointer`) and the field's name for people. */
export interface DescribedIssue extends FieldIssue {
  /** RFC 6901 JSON Pointer into the body (or the parameter's name as one segment). */
  pointer: string;
  label: string;
}

/**
 * Raised for any input from outside that breaks a rule. It carries every issue found, so the caller
 * can fix a request in one round trip; the HTTP layer turns it into a 400 problem document whose
 * `detail` is this message, in the words of the form ("Contact email: must be an email address").
 */
export class ValidationError extends Error {
  readonly issues: readonly DescribedIssue[];

  constructor(issues: readonly FieldIssue[]) {
    const described = issues.map((i) => ({
      field: i.field,
      pointer: jsonPointer(i.field),
      label: fieldLabel(i.field),
      rule: i.rule,
    }));
    super(described.map((i) => `${i.label}: ${i.rule}`).join('; '));
    this.name = 'ValidationError';
    this.issues = described;
  }

  static single(field: string, rule: string): ValidationError {
    return new ValidationError([{ field, rule }]);
  }
}
