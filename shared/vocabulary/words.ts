/** What a person reads for one of the product's identifiers: a label, and a line saying what it means. */
export interface Words {
  label: string;
  explanation: string;
}

/** "invitation-reminder-sent" → "Invitation reminder sent"; "clicksSoFar" → "Clicks so far". */
export function wordsOfIdentifier(identifier: string): string {
  const spaced = identifier
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[-_.]+/g, ' ')
    .trim()
    .toLowerCase();
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}
