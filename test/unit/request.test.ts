import { LIMITS, MAX_SCOPES, parseReinstatementRequest } from '../../shared/model/request';
import { ValidationError, type FieldIssue } from '../../shared/model/validationError';
import { CUSTOMER_TENANT, requestBody, SUBSCRIPTION } from '../support/fixtures';

const defaults = { delegatedAdmin: false };

function issuesOf(body: unknown): FieldIssue[] {
  try {
    parseReinstatementRequest(body, defaults);
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    return [...(e as ValidationError).issues];
  }
  throw new Error('expected the request to be rejected');
}

describe('parseReinstatementRequest', () => {
  it('accepts a valid request, normalising ids, emails and scopes', () => {
    const request = parseReinstatementRequest(
      requestBody({
        customerTenantId: CUSTOMER_TENANT.toUpperCase(),
        contact: { name: '  Ada Admin ', email: 'Ada@Contoso.COM' },
        scopes: [`/subscriptions/${SUBSCRIPTION}`, `/subscriptions/${SUBSCRIPTION}/resourcegroups/rg1`],
        note: 'Hello,\r\nplease accept.\n',
      }),
      defaults,
    );
    expect(request).toEqual({
      customerTenantId: CUSTOMER_TENANT,
      customerName: 'Contoso Ltd',
      contact: { name: 'Ada Admin', email: 'ada@contoso.com' },
      scopes: [
        { kind: 'subscription', subscriptionId: SUBSCRIPTION },
        { kind: 'resourceGroup', subscriptionId: SUBSCRIPTION, resourceGroup: 'rg1' },
      ],
      delegatedAdmin: false,
      language: 'en',
      note: 'Hello,\nplease accept.',
    });
  });

  it('takes the language from DEFAULT_LANGUAGE unless the request names one, in any case', () => {
    expect(parseReinstatementRequest(requestBody(), { delegatedAdmin: false, language: 'de' }).language).toBe(
      'de',
    );
    expect(parseReinstatementRequest(requestBody({ language: 'PT-br' }), defaults).language).toBe('pt-BR');
    expect(parseReinstatementRequest(requestBody({ language: 'ja' }), defaults).language).toBe('ja');
  });

  it.each([
    ['xx'],
    ['de\t'],
    [' de'],
    ['de\u3000'],
    ['de%09'],
    ['__proto__'],
    ['constructor'],
    [''],
    [7],
    [['de']],
    [null],
  ])('refuses the language %j, naming the field and every language in words', (language) => {
    const issues = issuesOf(requestBody({ language }));
    expect(issues).toEqual([
      expect.objectContaining({
        field: 'language',
        rule: expect.stringContaining('de for Deutsch (German)'),
      }),
    ]);
    expect(issues[0]?.rule).toContain('ja for 日本語 (Japanese)');
  });

  it('takes delegatedAdmin from the configured default unless the request says otherwise', () => {
    expect(parseReinstatementRequest(requestBody(), { delegatedAdmin: true }).delegatedAdmin).toBe(true);
    expect(
      parseReinstatementRequest(requestBody({ delegatedAdmin: false }), { delegatedAdmin: true })
        .delegatedAdmin,
    ).toBe(false);
  });

  it('names every broken rule at once, each with its field', () => {
    const issues = issuesOf({
      customerTenantId: 'nope',
      customerName: '',
      contact: { name: 'A', email: 'not-an-email' },
      scopes: [
        '/subscriptions/x',
        `/subscriptions/${SUBSCRIPTION}`,
        `/subscriptions/${SUBSCRIPTION.toUpperCase()}`,
      ],
      delegatedAdmin: 'yes',
      extra: 1,
    });
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: 'customerTenantId', rule: expect.stringContaining('GUID') }),
        expect.objectContaining({ field: 'customerName', rule: 'must not be empty' }),
        expect.objectContaining({ field: 'contact.email', rule: expect.stringContaining('email address') }),
        expect.objectContaining({
          field: 'scopes[0]',
          rule: expect.stringContaining('subscription id must be a GUID'),
        }),
        expect.objectContaining({ field: 'scopes[2]', rule: 'repeats Azure scope 2' }),
        expect.objectContaining({ field: 'delegatedAdmin', rule: 'must be true or false' }),
        expect.objectContaining({ field: 'extra', rule: 'is not a known field' }),
      ]),
    );
    expect(issues).toHaveLength(7);
  });

  it.each([
    ['body', 'JSON object', null],
    ['body', 'JSON object', []],
    ['body', 'JSON object', 'text'],
    ['contact', 'object with name and email', requestBody({ contact: 'ada@contoso.com' })],
    ['contact.email', 'must be a string', requestBody({ contact: { name: 'Ada' } })],
    [
      'contact.phone',
      'not a known field',
      requestBody({ contact: { name: 'Ada', email: 'ada@contoso.com', phone: '1' } }),
    ],
    ['scopes', 'at least one scope', requestBody({ scopes: [] })],
    ['scopes', 'array of ARM resource ids', requestBody({ scopes: `/subscriptions/${SUBSCRIPTION}` })],
    ['scopes[0]', 'must be a string', requestBody({ scopes: [7] })],
    ['customerName', 'at most 256', requestBody({ customerName: 'x'.repeat(LIMITS.customerName + 1) })],
    ['customerName', 'bidirectional', requestBody({ customerName: 'Contoso\u202eevil' })],
    ['customerName', 'control', requestBody({ customerName: 'Contoso\nBcc: x' })],
    ['contact.name', 'control', requestBody({ contact: { name: 'Ada\u0000', email: 'ada@contoso.com' } })],
    [
      'contact.email',
      'email address',
      requestBody({ contact: { name: 'Ada', email: 'ada@contoso.com\r\nBcc:eve@x.com' } }),
    ],
    [
      'contact.email',
      'at most 254',
      requestBody({ contact: { name: 'Ada', email: `${'a'.repeat(250)}@x.com` } }),
    ],
    ['note', 'at most 2000', requestBody({ note: 'x'.repeat(LIMITS.note + 1) })],
    ['note', 'plain text', requestBody({ note: 'bell\u0007' })],
    ['note', 'must be a string', requestBody({ note: 5 })],
  ])('rejects: %s %s', (field, fragment, body) => {
    const issues = issuesOf(body);
    expect(issues).toContainEqual(
      expect.objectContaining({ field, rule: expect.stringContaining(fragment) }),
    );
  });

  it(`allows ${MAX_SCOPES} scopes and refuses one more`, () => {
    const scopes = Array.from(
      { length: MAX_SCOPES + 1 },
      (_, i) => `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg${i}`,
    );
    expect(
      parseReinstatementRequest(requestBody({ scopes: scopes.slice(0, MAX_SCOPES) }), defaults).scopes,
    ).toHaveLength(MAX_SCOPES);
    expect(issuesOf(requestBody({ scopes }))).toEqual([
      expect.objectContaining({ field: 'scopes', rule: 'must name at most 50 scopes' }),
    ]);
  });
});
