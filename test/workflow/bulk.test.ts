import { CUSTOMER_TENANT, OTHER_SUBSCRIPTION, SUBSCRIPTION } from '../support/fixtures';
import { startProduct, type Product } from '../support/productHarness';

let p: Product;
beforeAll(async () => {
  p = await startProduct();
}, 60_000);
afterAll(() => p.stop());

const row = (rg: string, extra: Record<string, unknown> = {}) => ({
  customerTenantId: CUSTOMER_TENANT,
  customerName: 'Contoso',
  contact: { name: 'Ada', email: 'ada@contoso.com' },
  scopes: [`/subscriptions/${SUBSCRIPTION}/resourceGroups/${rg}`],
  ...extra,
});

interface BulkAnswer {
  started: number;
  existing: number;
  invalid: number;
  results: { row: number; status: string; id?: string; errors?: { field: string }[] }[];
}

describe('bulk start', () => {
  it('starts every valid row of a JSON array, names what is wrong with the others, never twins', async () => {
    const res = await p.partner('/api/reinstatements/bulk', {
      method: 'POST',
      body: JSON.stringify([
        row('bulk-a'),
        row('bulk-b', { contact: { name: 'Ada', email: 'not-an-email' } }),
        row('bulk-c'),
        row('bulk-a'),
      ]),
    });
    expect(res.status).toBe(200);
    const answer = (await res.json()) as BulkAnswer;
    expect(answer).toMatchObject({ started: 2, existing: 1, invalid: 1 });
    expect(answer.results[1]).toEqual({
      row: 2,
      status: 'invalid',
      errors: [{ field: 'contact.email', rule: expect.any(String) }],
    });
    expect(answer.results[3]?.id).toBe(answer.results[0]?.id);
    await p.settle();
  });

  it('accepts text/csv with the documented header, scopes separated by semicolons', async () => {
    const csv = [
      'customerTenantId,customerName,contactName,contactEmail,scopes,delegatedAdmin,note',
      `${CUSTOMER_TENANT},Contoso,Ada,ada@contoso.com,/subscriptions/${SUBSCRIPTION}/resourceGroups/csv-1;/subscriptions/${OTHER_SUBSCRIPTION},false,"Hello, Ada"`,
      `${CUSTOMER_TENANT},Contoso,Ada,ada@contoso.com,/subscriptions/bad,maybe,`,
    ].join('\n');
    const res = await p.partner('/api/reinstatements/bulk', {
      method: 'POST',
      body: csv,
      headers: { 'content-type': 'text/csv' },
    });
    const answer = (await res.json()) as BulkAnswer;
    expect(answer).toMatchObject({ started: 1, invalid: 1 });
    expect(answer.results[1]?.errors?.map((e) => e.field).sort()).toEqual(['delegatedAdmin', 'scopes[0]']);
    const started = (await (await p.partner(`/api/reinstatements/${answer.results[0]?.id}`)).json()) as {
      scopes: { scope: string }[];
      note: string;
    };
    expect(started.scopes).toHaveLength(2);
    expect(started.note).toBe('Hello, Ada');
    await p.settle();
  });

  it('refuses a whole request that is not a list, has an unknown CSV header, or holds over 5,000 rows, writing nothing', async () => {
    const before = (await (await p.partner('/api/reinstatements?pageSize=500')).json()) as {
      items: unknown[];
    };
    const notList = await p.partner('/api/reinstatements/bulk', {
      method: 'POST',
      body: JSON.stringify(row('x')),
    });
    expect(notList.status).toBe(400);
    const header = await p.partner('/api/reinstatements/bulk', {
      method: 'POST',
      body: 'tenant,name\nx,y',
      headers: { 'content-type': 'text/csv' },
    });
    expect(header.status).toBe(400);
    const tooMany = await p.partner('/api/reinstatements/bulk', {
      method: 'POST',
      body: JSON.stringify(Array.from({ length: 5001 }, (_, i) => row(`many-${i}`))),
    });
    expect(tooMany.status).toBe(400);
    const after = (await (await p.partner('/api/reinstatements?pageSize=500')).json()) as {
      items: unknown[];
    };
    expect(after.items).toHaveLength(before.items.length);
  });

  it('shows the email queue: length and expected finish', async () => {
    const backlog = (await (await p.partner('/api/email/backlog')).json()) as {
      queued: number;
      expectedFinish: string;
      spacingMs: number;
    };
    expect(backlog).toEqual({
      queued: expect.any(Number),
      expectedFinish: expect.any(String),
      spacingMs: 3.6, // max(60 s / 100,000 per minute, 3,600 s / 1,000,000 per hour)
    });
  });
});
