/** What went wrong, in words, whatever was thrown (an Error, a string, an SDK's plain object). */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
