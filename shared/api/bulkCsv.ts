import { parse } from 'csv-parse/sync';
import { ValidationError } from '../model/validationError';
import { restoreCell } from '../text/csvCells';

export const MAX_BULK_ROWS = 5000;

/**
 * The CSV header bulk starts accept (one reinstatement per row; several scopes separated by `;`):
 *   customerTenantId,customerName,contactName,contactEmail,scopes,delegatedAdmin,note,language
 * `delegatedAdmin` (true/false), `note` and `language` (a tag: en, de, fr, es, nl, it, pt-BR, ja) may
 * be empty, and a file from before languages (without the `language` column) is read as it was.
 */
export const CSV_COLUMNS = [
  'customerTenantId',
  'customerName',
  'contactName',
  'contactEmail',
  'scopes',
  'delegatedAdmin',
  'note',
  'language',
];

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
      // Undo the export's formula guard, so a CSV this product wrote reads back as it was.
      cast: (value) => restoreCell(value),
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
    ...(r.language ? { language: r.language } : {}),
  }));
}
