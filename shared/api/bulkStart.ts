import { parse } from 'csv-parse/sync';
import { mapWithConcurrency } from '../../lib/concurrency';
import { ValidationError, type FieldIssue } from '../model/validationError';
import type { ReinstatementService } from './reinstatementService';

export const MAX_BULK_ROWS = 5000;

/**
 * The CSV header bulk starts accept (one reinstatement per row; several scopes separated by `;`):
 *   customerTenantId,customerName,contactName,contactEmail,scopes,delegatedAdmin,note
 * `delegatedAdmin` (true/false) and `note` may be empty.
 */
export const CSV_COLUMNS = [
  'customerTenantId',
  'customerName',
  'contactName',
  'contactEmail',
  'scopes',
  'delegatedAdmin',
  'note',
];

export type RowResult =
  | { row: number; status: 'started' | 'existing'; id: string }
  | { row: number; status: 'invalid'; errors: FieldIssue[] }
  | { row: number; status: 'failed'; error: string };

/** Rows of a CSV as request bodies; a header or shape problem refuses the whole file (nothing started). */
export function csvToBodies(text: string): unknown[] {
  let records: Record<string, string>[];
  try {
    records = parse(text, {
      columns: true,
      skip_empty_lines: true,
      trim: true,
      bom: true,
      relax_column_count: false,
      max_record_size: 64 * 1024,
    });
  } catch (error) {
    throw ValidationError.single(
      'body',
      `must be CSV with the header ${CSV_COLUMNS.join(',')}: ${error instanceof Error ? error.message.slice(0, 120) : ''}`,
    );
  }
  const header = records.length ? Object.keys(records[0] as object) : [];
  const unknown = header.filter((h) => !CSV_COLUMNS.includes(h));
  if (unknown.length)
    throw ValidationError.single(
      'header',
      `unknown columns ${unknown.join(', ')}; expected ${CSV_COLUMNS.join(',')}`,
    );
  return records.map((r) => ({
    customerTenantId: r.customerTenantId,
    customerName: r.customerName,
    contact: { name: r.contactName, email: r.contactEmail },
    scopes: (r.scopes ?? '')
      .split(';')
      .map((s) => s.trim())
      .filter(Boolean),
    ...(r.delegatedAdmin
      ? {
          delegatedAdmin:
            r.delegatedAdmin.toLowerCase() === 'true'
              ? true
              : r.delegatedAdmin.toLowerCase() === 'false'
                ? false
                : r.delegatedAdmin,
        }
      : {}),
    ...(r.note ? { note: r.note } : {}),
  }));
}

/** Starts every row on its own: one bad row never blocks the others. */
export async function bulkStart(
  service: ReinstatementService,
  bodies: unknown[],
  log: (message: string) => void,
): Promise<RowResult[]> {
  if (bodies.length === 0) throw ValidationError.single('body', 'must hold at least one row');
  if (bodies.length > MAX_BULK_ROWS)
    throw ValidationError.single('body', `must hold at most ${MAX_BULK_ROWS} rows`);
  return mapWithConcurrency(bodies, 8, async (body, index): Promise<RowResult> => {
    const row = index + 1;
    try {
      const result = await service.start(body, 'partner-bulk');
      return { row, status: result.kind, id: result.reinstatement.id };
    } catch (error) {
      if (error instanceof ValidationError) return { row, status: 'invalid', errors: [...error.issues] };
      log(`bulk row ${row} failed: ${error instanceof Error ? error.message : String(error)}`);
      return { row, status: 'failed', error: 'could not be started; try this row again' };
    }
  });
}
