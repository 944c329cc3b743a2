/**
 * The data-tables SDK reports failures as RestError. For single operations the service's error code
 * sits in `details.odataError.code` (and `code` is undefined); for transactions it is in `code`.
 */
export function tableStatus(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown })?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

export function tableErrorCode(error: unknown): string | undefined {
  const e = error as { code?: unknown; details?: { odataError?: { code?: unknown } } };
  const code = e?.code ?? e?.details?.odataError?.code;
  return typeof code === 'string' ? code : undefined;
}

export const isNotFound = (error: unknown) => tableStatus(error) === 404;
export const isConflict = (error: unknown) => tableStatus(error) === 409;
export const isPreconditionFailed = (error: unknown) => tableStatus(error) === 412;
