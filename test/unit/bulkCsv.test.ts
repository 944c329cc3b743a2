import { csvToBodies } from '../../shared/api/bulkCsv';
import { ValidationError } from '../../shared/model/validationError';

const TENANT = '3f2504e0-4f89-11d3-9a0c-0305e82c3301';
const SUB_A = '6ba7b810-9dad-11d1-80b4-00c04fd430c8';
const SUB_B = '6ba7b811-9dad-11d1-80b4-00c04fd430c8';

const refusal = (csv: string): string => {
  try {
    csvToBodies(csv);
  } catch (error) {
    if (error instanceof ValidationError) return error.message;
    throw error;
  }
  throw new Error('the file was accepted');
};

describe('bulk CSV as spreadsheets write it', () => {
  const expected = {
    customerTenantId: TENANT,
    customerName: 'Fabrikam GmbH',
    contact: { name: 'Jonas Weber', email: 'jonas@fabrikam.example' },
    scopes: [`/subscriptions/${SUB_A}`, SUB_B],
  };

  it('reads a semicolon-separated file from Excel (with its byte order mark), scopes split by commas', () => {
    const csv =
      '\uFEFFcustomerTenantId;customerName;contactName;contactEmail;scopes;delegatedAdmin;note\r\n' +
      `${TENANT};Fabrikam GmbH;Jonas Weber;jonas@fabrikam.example;/subscriptions/${SUB_A}, ${SUB_B};;\r\n`;
    expect(csvToBodies(csv)).toEqual([expected]);
  });

  it('reads a tab-separated file headed by the form’s names, in any case', () => {
    const csv =
      'Customer tenant ID\tcustomer name\tContact Name\tContact email\tAzure scopes\n' +
      `${TENANT}\tFabrikam GmbH\tJonas Weber\tjonas@fabrikam.example\t/subscriptions/${SUB_A};${SUB_B}\n`;
    expect(csvToBodies(csv)).toEqual([expected]);
  });

  it('keeps semicolons between scopes in a comma-separated file, as before', () => {
    const csv =
      'customerTenantId,customerName,contactName,contactEmail,scopes\n' +
      `${TENANT},Fabrikam GmbH,Jonas Weber,jonas@fabrikam.example,/subscriptions/${SUB_A};${SUB_B}\n`;
    expect(csvToBodies(csv)).toEqual([expected]);
  });

  it('says in words which line is broken and what to do, not the parser’s text', () => {
    const header = 'customerTenantId,customerName,contactName,contactEmail,scopes\n';
    const extra = refusal(`${header}${TENANT},Fabrikam, GmbH,Jonas,jonas@fabrikam.example,${SUB_A}\n`);
    expect(extra).toMatch(/^The request: is not valid CSV: line 2 has more or fewer values than the header/);
    expect(extra).toContain('must be in double quotes');
    expect(extra).not.toMatch(/Invalid Record Length|columns length/);
    const open = refusal(`${header}${TENANT},"Fabrikam,Jonas,jonas@fabrikam.example,${SUB_A}\n`);
    expect(open).toContain('opened with a double quote is never closed');
    expect(open).not.toContain('Quote Not Closed');
  });

  it('reads past note lines before the header (a scan’s empty findings say why that way), keeping line numbers', () => {
    const header = 'customerTenantId;customerName;contactName;contactEmail;scopes\r\n';
    const row = `${TENANT};Fabrikam GmbH;Jonas Weber;jonas@fabrikam.example;/subscriptions/${SUB_A}, ${SUB_B}\r\n`;
    expect(csvToBodies(`\uFEFF# Nothing to start, but rows may be added.\r\n\r\n${header}${row}`)).toEqual([
      expected,
    ]);
    // Line 4 of the file is the broken one, notes counted.
    expect(
      refusal(`# a note\r\n# another\r\n${header}${TENANT};Fabrikam;GmbH;Jonas;j@f.example;${SUB_A}\r\n`),
    ).toContain('line 4 has more or fewer values');
    // After the header a line starting with # is a row like any other, never dropped as a note.
    expect(csvToBodies(`${header}#${row}`)).toEqual([{ ...expected, customerTenantId: `#${TENANT}` }]);
  });

  it('names unknown and missing columns, and refuses a column named twice', () => {
    expect(refusal('customerTenantId,customerName,contactName,contactEmail,scopes,colour\n')).toBe(
      'The header row: has columns this product does not know ("colour"); the columns are customerTenantId, customerName, contactName, contactEmail, scopes, delegatedAdmin, note, language',
    );
    expect(refusal('customerTenantId,customerName,contactEmail\n')).toContain(
      'lacks the columns contactName, scopes',
    );
    expect(refusal('customerTenantId,customerName,contactName,contactEmail,scopes,Azure scopes\n')).toContain(
      'names the column scopes more than once',
    );
  });
});
