import { csvToBodies } from '../../shared/api/bulkCsv';
import { mayDo, signedInPerson } from '../../shared/api/signedInPerson';
import {
  exportCsv,
  filtered,
  overviewOf,
  pageOf,
  tableQueryFrom,
  tableQueryParams,
} from '../../shared/console/reinstatementQueries';
import { formFieldOf, startBody, startFormFrom } from '../../shared/console/startPages';
import type { ReinstatementSummary } from '../../shared/storage/reinstatementEntity';
import { neutraliseCell, restoreCell, safeCsv } from '../../shared/text/csvCells';
import { html } from '../../shared/web/html';

const principal = (claims: { typ: string; val: string }[], extra: Record<string, unknown> = {}) =>
  Buffer.from(JSON.stringify({ auth_typ: 'aad', claims, ...extra })).toString('base64');
const OID = 'http://schemas.microsoft.com/identity/claims/objectidentifier';

describe('who is signed in', () => {
  const header = principal(
    [
      { typ: OID, val: 'u-1' },
      { typ: 'name', val: 'Ada Operator' },
      { typ: 'preferred_username', val: 'ada@partner.example' },
      { typ: 'roles', val: 'Reinstatement.Read' },
    ],
    { name_typ: 'name', role_typ: 'http://schemas.microsoft.com/ws/2008/06/identity/claims/role' },
  );

  it('reads the person and their roles from the platform header', () => {
    expect(signedInPerson(header, true)).toEqual({
      id: 'u-1',
      displayName: 'Ada Operator',
      userName: 'ada@partner.example',
      roles: ['Reinstatement.Read'],
    });
  });

  it('believes nobody when the platform does not vouch for the header, or the header is not one', () => {
    expect(signedInPerson(header, false)).toBeUndefined();
    expect(signedInPerson(null, true)).toBeUndefined();
    expect(signedInPerson('not base64 json', true)).toBeUndefined();
    expect(signedInPerson(principal([{ typ: 'name', val: 'no object id' }]), true)).toBeUndefined();
  });

  it('drops claims that are not pairs of strings, and refuses a header of another shape', () => {
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64');
    const odd = principal([
      { typ: OID, val: 'u-3' },
      { typ: 'roles', val: ['Reinstatement.Operate'] },
      { typ: 'roles' },
      null,
      'roles',
      { typ: 'roles', val: 'Reinstatement.Read' },
    ] as never);
    expect(signedInPerson(odd, true)?.roles).toEqual(['Reinstatement.Read']);
    expect(signedInPerson(encode({ claims: 'roles' }), true)).toBeUndefined();
    expect(signedInPerson(encode([{ typ: OID, val: 'u-4' }]), true)).toBeUndefined();
    expect(signedInPerson(encode({ claims: [{ typ: OID, val: 'u-5' }], role_typ: 7 }), true)).toBeUndefined();
  });

  it('reads role claims under the role type the header names too', () => {
    const person = signedInPerson(
      principal([
        { typ: OID, val: 'u-2' },
        { typ: 'http://schemas.microsoft.com/ws/2008/06/identity/claims/role', val: 'Reinstatement.Operate' },
      ]),
      true,
    );
    expect(person?.roles).toEqual(['Reinstatement.Operate']);
    expect(person && mayDo(person, 'read')).toBe(true);
    expect(person && mayDo(person, 'operate')).toBe(true);
  });

  it('a reader may read and not operate; no role may do neither', () => {
    const reader = signedInPerson(header, true)!;
    expect(mayDo(reader, 'read')).toBe(true);
    expect(mayDo(reader, 'operate')).toBe(false);
    expect(mayDo({ ...reader, roles: [] }, 'read')).toBe(false);
  });
});

describe('CSV cells a spreadsheet would run', () => {
  it.each(['=1+1', '+1', '-1', '@SUM(A1)', '\tx', '\rx'])('neutralises %j', (value) => {
    expect(neutraliseCell(value)).toBe(`'${value}`);
    expect(restoreCell(neutraliseCell(value))).toBe(value);
  });

  it('leaves ordinary values alone, including a leading quote before an ordinary character', () => {
    for (const value of ['Contoso', "'quoted", '2026-11-27', '/subscriptions/x']) {
      expect(neutraliseCell(value)).toBe(value);
      expect(restoreCell(value)).toBe(value);
    }
  });

  it('an export read back by bulk start gives the names as typed', () => {
    const name = '=HYPERLINK("http://evil.example","x")';
    const csv = safeCsv([
      ['customerTenantId', 'customerName', 'contactName', 'contactEmail', 'scopes', 'delegatedAdmin', 'note'],
      ['t', name, '-Ada', 'a@b.example', '/subscriptions/s', '', ''],
    ]);
    expect(csv).not.toMatch(/^"?=/m);
    expect(csvToBodies(csv)).toEqual([
      expect.objectContaining({ customerName: name, contact: { name: '-Ada', email: 'a@b.example' } }),
    ]);
  });
});

const row = (over: Partial<ReinstatementSummary>): ReinstatementSummary => ({
  id: 'r-1',
  customerTenantId: '00000000-0000-4000-8000-000000000001',
  customerName: 'Contoso',
  state: 'InvitationSent',
  createdAt: '2026-11-01T00:00:00.000Z',
  updatedAt: '2026-11-01T00:00:00.000Z',
  stateChangedAt: '2026-11-01T00:00:00.000Z',
  ...over,
});

describe('the console overview', () => {
  it('counts the funnel and each state, and times each step by median and slowest', () => {
    const at = (h: number) => new Date(Date.UTC(2026, 10, 1, h)).toISOString();
    const rows = [
      row({ id: 'a', invitationSentAt: at(1), acceptedAt: at(3) }),
      row({
        id: 'b',
        invitationSentAt: at(1),
        acceptedAt: at(5),
        instructionsSentAt: at(5),
        state: 'AwaitingRoleAssignment',
      }),
      row({
        id: 'c',
        invitationSentAt: at(0),
        acceptedAt: at(10),
        instructionsSentAt: at(11),
        state: 'Reinstated',
        stateChangedAt: at(15),
      }),
      row({ id: 'd', state: 'Failed' }),
    ];
    const o = overviewOf(rows);
    expect(o.total).toBe(4);
    expect(o.funnel.map((f) => f.reached)).toEqual([3, 3, 2, 1]);
    expect(o.byState).toMatchObject({
      InvitationSent: 1,
      AwaitingRoleAssignment: 1,
      Reinstated: 1,
      Failed: 1,
    });
    const acceptance = o.steps.find((s) => s.label === 'Invitation to acceptance');
    // 2 h, 4 h and 10 h: the median is 4 h, the slowest is c's 10 h.
    expect(acceptance).toEqual({
      label: 'Invitation to acceptance',
      count: 3,
      medianMs: 4 * 3600_000,
      slowestMs: 10 * 3600_000,
      slowestId: 'c',
    });
    expect(o.steps.find((s) => s.label === 'Acceptance to instructions sent')?.medianMs).toBe(30 * 60_000);
    expect(o.steps.find((s) => s.label === 'Instructions to reinstated')).toMatchObject({
      count: 1,
      medianMs: 4 * 3600_000,
    });
  });
});

describe('the console table', () => {
  const rows = [
    row({ id: 'r-a', customerName: 'Alpha', updatedAt: '2026-11-03T00:00:00Z' }),
    row({
      id: 'r-b',
      customerName: 'beta',
      customerTenantId: 'aaaaaaaa-0000-4000-8000-00000000000b',
      state: 'Reinstated',
      updatedAt: '2026-11-02T00:00:00Z',
    }),
    row({ id: 'r-c', customerName: 'Gamma', updatedAt: '2026-11-01T00:00:00Z' }),
  ];

  it('searches names and tenant ids, filters by state, sorts and pages', () => {
    const q = (s: string) => tableQueryFrom(new URLSearchParams(s));
    expect(filtered(rows, q('')).map((r) => r.id)).toEqual(['r-a', 'r-b', 'r-c']);
    expect(filtered(rows, q('q=BET')).map((r) => r.id)).toEqual(['r-b']);
    expect(filtered(rows, q('q=aaaaaaaa')).map((r) => r.id)).toEqual(['r-b']);
    expect(filtered(rows, q('state=Reinstated')).map((r) => r.id)).toEqual(['r-b']);
    expect(filtered(rows, q('sort=customer')).map((r) => r.customerName)).toEqual(['Alpha', 'beta', 'Gamma']);
    expect(filtered(rows, q('sort=customer&dir=desc')).map((r) => r.customerName)).toEqual([
      'Gamma',
      'beta',
      'Alpha',
    ]);
    const paged = pageOf(filtered(rows, q('pageSize=25&page=9')), q('pageSize=25&page=9'));
    expect(paged).toMatchObject({ page: 1, pages: 1 });
  });

  it('ignores what it does not know instead of failing, and keeps the query in its links', () => {
    const query = tableQueryFrom(new URLSearchParams('state=Nope&sort=drop&page=-3&pageSize=7&q=x'));
    expect(query).toEqual({ search: 'x', sort: 'updated', descending: true, page: 1, pageSize: 50 });
    expect(tableQueryParams(query, { page: 2 })).toBe('q=x&sort=updated&dir=desc&page=2');
  });

  it('exports every filtered row with its dates', () => {
    const csv = exportCsv(rows.slice(0, 1));
    expect(csv.split('\n')[0]).toBe(
      'Reinstatement ID,Customer name,Customer tenant ID,State,Requested (UTC),Invitation sent (UTC),Accepted (UTC),Instructions sent (UTC),State since (UTC)',
    );
    expect(csv.split('\n')[1]).toContain('r-a,Alpha,');
  });
});

describe('the start form', () => {
  it('turns the form into the API body and maps the API field messages back to form fields', () => {
    const form = startFormFrom(
      new URLSearchParams({
        customerTenantId: ' t ',
        customerName: 'C',
        contactName: 'N',
        contactEmail: 'e@x.example',
        scopes: '/subscriptions/a\r\n\n /subscriptions/b ',
        note: '',
      }),
    );
    expect(startBody(form)).toEqual({
      customerTenantId: 't',
      customerName: 'C',
      contact: { name: 'N', email: 'e@x.example' },
      scopes: ['/subscriptions/a', '/subscriptions/b'],
    });
    expect(formFieldOf({ field: 'contact.email', rule: 'x' })).toBe('contactEmail');
    expect(formFieldOf({ field: 'scopes[1]', rule: 'x' })).toBe('scopes');
    expect(formFieldOf({ field: 'customerTenantId', rule: 'x' })).toBe('customerTenantId');
    expect(formFieldOf({ field: 'body', rule: 'x' })).toBeUndefined();
  });
});

describe('page markup', () => {
  it('escapes every value put into a page, and only markup built the same way passes as markup', () => {
    const name = '<img src=x onerror=alert(1)>"&\'';
    expect(html`<p title="${name}">${name}</p>`.text).toBe(
      '<p title="&lt;img src=x onerror=alert(1)&gt;&quot;&amp;&#39;">&lt;img src=x onerror=alert(1)&gt;&quot;&amp;&#39;</p>',
    );
    expect(html`<div>${html`<b>${name}</b>`}${[html`<i>1</i>`, '<i>2</i>']}</div>`.text).toBe(
      '<div><b>&lt;img src=x onerror=alert(1)&gt;&quot;&amp;&#39;</b><i>1</i>&lt;i&gt;2&lt;/i&gt;</div>',
    );
  });
});
