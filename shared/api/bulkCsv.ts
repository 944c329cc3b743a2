import { parse } from 'csv-parse/sync';
import { errorMessage } from '../../lib/errors';
import { ValidationError } from '../model/validationError';
import { restoreCell } from '../text/csvCells';
import { fieldLabel } from '../model/fieldLabels';

export const MAX_BULK_ROWS = 5000;

/**
 * The CSV header bulk starts accept (one reinstatement per row):
 *   customerTenantId,customerName,contactName,contactEmail,scopes,delegatedAdmin,note,language
 * `delegatedAdmin` (true/false), `note` and `language` (a tag: en, de, fr, es, nl, it, pt-BR, ja) may
 * be empty or absent (a file from before languages is read as it was). Forgiving where a spreadsheet differs: the
 * delimiter may be a comma, a semicolon (what Excel writes where the comma is the decimal sign) or a
 * tab; a byte order mark is skipped; a column may be headed by its name in the start form ("Contact
 * email"), in any case; several scopes in a cell may be separated by `;`, `,`, spaces or line breaks
 * (no Azure resource ID holds any of them).
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
] as const;
type CsvColumn = (typeof CSV_COLUMNS)[number];

/** The request field each column fills, for its name in words. */
const FIELD_OF: Record<CsvColumn, string> = {
  customerTenantId: 'customerTenantId',
  customerName: 'customerName',
  contactName: 'contact.name',
  contactEmail: 'contact.email',
  scopes: 'scopes',
  delegatedAdmin: 'delegatedAdmin',
  note: 'note',
  language: 'language',
};

const squeeze = (name: string) => name.toLowerCase().replace(/[^a-z0-9]/g, '');

/** Every way a header cell may name a column: its name, or its label in the form. */
const COLUMN_BY_HEADER = new Map<string, CsvColumn>(
  CSV_COLUMNS.flatMap((c) => [
    [squeeze(c), c],
    [squeeze(fieldLabel(FIELD_OF[c])), c],
  ]),
);

const DELIMITERS = [',', ';', '\t'] as const;
const DELIMITER_NAMES: Record<(typeof DELIMITERS)[number], string> = {
  ',': 'commas',
  ';': 'semicolons',
  '\t': 'tabs',
};

/** The delimiter that splits the header line into the most known columns (a comma if none does). */
function delimiterOf(text: string): (typeof DELIMITERS)[number] {
  const header = text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .find((line) => line.trim() !== '');
  const firstLine = (header ?? '').replace(/"/g, '');
  let best: (typeof DELIMITERS)[number] = ',';
  let bestKnown = 0;
  for (const d of DELIMITERS) {
    const known = firstLine.split(d).filter((cell) => COLUMN_BY_HEADER.has(squeeze(cell))).length;
    if (known > bestKnown) [best, bestKnown] = [d, known];
  }
  return best;
}

/** csv-parse's structural errors, said as what to fix in the file. */
function structuralProblem(error: unknown, delimiter: string): string {
  const e = error as { code?: string; lines?: number; index?: number; column?: string | null };
  const line = typeof e.lines === 'number' ? `line ${e.lines}` : 'a line';
  const where = typeof e.index === 'number' ? `, value ${e.index + 1}` : '';
  const quoting =
    'a value holding the delimiter, a quote or a line break must be in double quotes, with any quote inside doubled ("")';
  switch (e.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return `a value opened with a double quote is never closed (the file ends at ${line}): close it, or remove the stray quote`;
    case 'CSV_RECORD_INCONSISTENT_COLUMNS':
    case 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH':
      return `${line} has more or fewer values than the header has columns (the file is separated by ${DELIMITER_NAMES[delimiter as (typeof DELIMITERS)[number]] ?? 'commas'}): ${quoting}`;
    case 'CSV_INVALID_CLOSING_QUOTE':
    case 'INVALID_OPENING_QUOTE':
      return `${line}${where} has a double quote in the middle of a value: ${quoting}`;
    case 'CSV_MAX_RECORD_SIZE':
      return `${line} is longer than 64 KB: one row is one customer`;
    default:
      return `it could not be read as CSV at ${line} (${errorMessage(error).slice(0, 120)})`;
  }
}

/**
 * Lines starting with `#` before the header are notes for people (a scan's findings file says why it
 * is empty that way): blanked, so line numbers in problems stay the file's. Only before the header:
 * a row is never taken for a note.
 */
function withoutLeadingNotes(text: string): string {
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  // Each blanked line keeps its own line ending, so the file's line breaks stay one kind.
  for (let i = 0; i < lines.length && /^\s*(#|$)/.test(lines[i] ?? ''); i++)
    lines[i] = lines[i]?.endsWith('\r') ? '\r' : '';
  return lines.join('\n');
}

/** Rows of a CSV as request bodies; a header or shape problem refuses the whole file (nothing started). */
export function csvToBodies(csv: string): unknown[] {
  const text = withoutLeadingNotes(csv);
  const delimiter = delimiterOf(text);
  let rows: string[][];
  try {
    rows = parse(text, {
      delimiter,
      skip_empty_lines: true,
      trim: true,
      bom: true,
      relax_column_count: false,
      max_record_size: 64 * 1024,
      // Undo the export's formula guard, so a CSV this product wrote reads back as it was.
      cast: (value) => restoreCell(value),
    });
  } catch (error) {
    throw ValidationError.single('body', `is not valid CSV: ${structuralProblem(error, delimiter)}`);
  }
  const [header = [], ...records] = rows;
  const columns = header.map((cell) => COLUMN_BY_HEADER.get(squeeze(cell)));
  const unknown = header.filter((_, i) => !columns[i]);
  if (unknown.length)
    throw ValidationError.single(
      'header',
      `has columns this product does not know (${unknown.map((u) => `"${u}"`).join(', ')}); the columns are ${CSV_COLUMNS.join(', ')}`,
    );
  const twice = CSV_COLUMNS.filter((c) => columns.filter((named) => named === c).length > 1);
  if (twice.length)
    throw ValidationError.single('header', `names the column ${twice.join(', ')} more than once`);
  const missing = CSV_COLUMNS.slice(0, 5).filter((c) => !columns.includes(c));
  if (missing.length)
    throw ValidationError.single('header', `lacks the columns ${missing.join(', ')} (each row needs them)`);
  return records.map((cells) => {
    const r: Partial<Record<CsvColumn, string>> = {};
    columns.forEach((column, i) => {
      if (column) r[column] = cells[i] ?? '';
    });
    return {
      customerTenantId: r.customerTenantId,
      customerName: r.customerName,
      contact: { name: r.contactName, email: r.contactEmail },
      scopes: (r.scopes ?? '').split(/[;,\s]+/).filter(Boolean),
      ...(r.delegatedAdmin ? { delegatedAdmin: booleanCell(r.delegatedAdmin) } : {}),
      ...(r.note ? { note: r.note } : {}),
      ...(r.language ? { language: r.language } : {}),
    };
  });
}

/** true/false in any case (and yes/no); anything else is left for validation to name. */
function booleanCell(cell: string): boolean | string {
  const word = cell.toLowerCase();
  if (word === 'true' || word === 'yes') return true;
  if (word === 'false' || word === 'no') return false;
  return cell;
}
