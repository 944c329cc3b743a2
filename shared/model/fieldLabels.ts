import { wordsOfIdentifier } from '../text/words';

/**
 * The request's fields as the start form and the bulk CSV name them for people. Problem documents say
 * these in `detail`; `errors[].field` and `errors[].pointer` keep the path, for tools.
 */
const FIELD_LABELS: Record<string, string> = {
  body: 'The request',
  header: 'The header row',
  customerTenantId: 'Customer tenant ID',
  customerName: 'Customer name',
  contact: 'Contact',
  'contact.name': 'Contact name',
  'contact.email': 'Contact email',
  scopes: 'Azure scopes',
  delegatedAdmin: 'Delegated admin (DAP)',
  note: 'Note',
  language: 'Language',
  customers: 'Customers',
};

/** The bulk CSV's column for a field of the request, where the two differ. */
const CSV_COLUMN_OF: Record<string, string> = {
  'contact.name': 'contactName',
  'contact.email': 'contactEmail',
};

/** "contact.email" → "Contact email"; "scopes[2]" → "Azure scope 3"; "[4].note" → "Row 5, note". */
export function fieldLabel(field: string): string {
  const row = /^\[(\d+)\]\.?(.*)$/.exec(field);
  if (row) return `Row ${Number(row[1]) + 1}${row[2] ? `, ${fieldLabel(row[2]).toLowerCase()}` : ''}`;
  const scope = /^scopes\[(\d+)\]$/.exec(field);
  if (scope) return `Azure scope ${Number(scope[1]) + 1}`;
  if (Object.hasOwn(FIELD_LABELS, field)) return FIELD_LABELS[field] ?? field;
  return wordsOfIdentifier(field.replace(/\[(\d+)\]/g, ' $1'));
}

/** The CSV column a field was read from: "contact.name" → "contactName", "scopes[1]" → "scopes". */
export function csvColumnOf(field: string): string {
  const bare = field.replace(/\[\d+\]$/, '');
  return Object.hasOwn(CSV_COLUMN_OF, bare) ? (CSV_COLUMN_OF[bare] ?? bare) : bare;
}

/** RFC 6901 JSON Pointer of a field path: "contact.email" → "/contact/email"; "body" → "". */
export function jsonPointer(field: string): string {
  if (field === 'body') return '';
  const parts = field.match(/[^.[\]]+/g) ?? [];
  return parts.map((p) => `/${p.replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}
