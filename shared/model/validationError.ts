/** One reason an input was rejected: the field (a dotted path, `scopes[2]`) and the rule it broke. */
export interface FieldIssue {
  field: string;
  rule: string;
}

/**
 * Raised for any input from outside that breaks a rule. It carries every issue found, so the caller
 * can fix a request in one round trip; the HTTP layer turns it into a 400 problem document.
 */
export class ValidationError extends Error {
  readonly issues: readonly FieldIssue[];

  constructor(issues: FieldIssue[]) {
    super(issues.map((i) => `${i.field}: ${i.rule}`).join('; '));
    this.name = 'ValidationError';
    this.issues = issues;
  }

  static single(field: string, rule: string): ValidationError {
    return new ValidationError([{ field, rule }]);
  }
}
