/**
 * Azure Table storage forbids `/`, `\`, `#`, `?` and control characters (U+0000-U+001F,
 * U+007F-U+009F) in PartitionKey and RowKey, and limits each to 1 KiB.
 * https://learn.microsoft.com/rest/api/storageservices/understanding-the-table-service-data-model#characters-disallowed-in-key-fields
 */
const DISALLOWED = /[/\\#?\u0000-\u001f\u007f-\u009f]/;

export function isSafeTableKey(value: string): boolean {
  return value.length > 0 && Buffer.byteLength(value, 'utf8') <= 1024 && !DISALLOWED.test(value);
}

export function assertSafeTableKey(value: string, what: string): string {
  if (!isSafeTableKey(value)) throw new Error(`${what} is not a valid table key`);
  return value;
}

/** Fixed-width numbers sort as strings in the order they count. */
export function sequenceKey(prefix: string, n: number): string {
  return `${prefix}${String(n).padStart(10, '0')}`;
}
