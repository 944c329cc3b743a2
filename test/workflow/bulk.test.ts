import { CUSTOMER_TENANT, OTHER_SUBSCRIPTION, SUBSCRIPTION } from '../support/fixtures';
import { startProduct, type Product } from '../support/productHarness';

let p: Product;
beforeAll(async () => {
  p = await startProduct();
});
afterAll(() => p.stop());

const row = (rg: string, extra: Record<string, unknown> = {}) => ({
  customerTenantId: CUSTOMER_TENANT,
  customerName: 'Contoso',
  contact: { name: 'Ada', email: 'ada@contoso.com' },
  scopes: [`/subscriptions/${SUBSCRIPTION}/resourceGroups/${rg}`],
  ...extra,
});

interface Accepted {
  jobId: string;
  statusUrl: string;
  rows: number;
  valid: number;
  invalid: number;
  invalidRows: { row: number; status: string; errors: { field: string; rule: string }[] }[];
}
interface JobStatus {
  done: boolean;
  counts: Record<string, number>;
  results: { row: number; status: string; id?: string; errors?: { field: string }[] }[];
}

const submit = async (body: string, contentType = 'application/json') =>
  p.partner('/api/reinstatements/bulk', { method: 'POST', body, headers: { 'content-type': contentType } });
const job = async (jobId: string, query = '') =>
  (await (await p.partner(`/api/reinstatements/bulk/${jobId}${query}`)).json()) as JobStatus;
const count = async () =>
  ((await (await p.partner('/api/reinstatements?pageSize=500')).json()) as { items: unknown[] }).items.length;

describe('bulk start', () => {
  it('answers 202 at once with the invalid rows, then starts every valid row in durable work, never twinning one', async () => {
    const res = await submit(
      JSON.stringify([
        row('bulk-a'),
        row('bulk-b', { contact: { name: 'Ada', email: 'not-an-email' } }),
        row('bulk-c'),
        row('bulk-a'),
      ]),
    );
    expect(res.status).toBe(202);
    const accepted = (await res.json()) as Accepted;
    expect(res.headers.get('location')).toBe(accepted.statusUrl);
    expect(accepted).toMatchObject({ rows: 4, valid: 3, invalid: 1 });
    expect(accepted.invalidRows).toEqual([
      {
        row: 2,
        status: 'invalid',
        errors: [
          expect.objectContaining({
            field: 'contact.email',
            label: 'Contact email',
            rule: expect.any(String),
          }),
        ],
      },
    ]);
    await p.settle();
    const status = await job(accepted.jobId);
    expect(status.done).toBe(true);
    expect(status.counts).toEqual({ started: 2, existing: 1, invalid: 1, failed: 0, pending: 0 });
    expect(status.results.map((r) => r.status)).toEqual(['started', 'invalid', 'started', 'existing']);
    expect(status.results[3]?.id).toBe(status.results[0]?.id);
    const first = (await (await p.partner(`/api/reinstatements/${status.results[0]?.id}`)).json()) as {
      state: string;
      audit: { what: string; details: { by?: string } }[];
    };
    expect(first.state).toBe('InvitationSent');
    expect(first.audit[0]?.details.by).toBe(`bulk ${accepted.jobId}`);
  });

  it('the same rows again: the same job within ten minutes; later a new job whose rows are existing', async () => {
    const rows = JSON.stringify([row('again-1'), row('again-2'), row('again-3')]);
    const first = await submit(rows);
    expect(first.status).toBe(202);
    const one = (await first.json()) as Accepted & { existing: boolean };
    const second = await submit(rows);
    expect(second.status).toBe(200);
    expect(await second.json()).toMatchObject({ jobId: one.jobId, existing: true });
    await p.settle();
    await p.advance('11m');
    const three = (await (await submit(rows)).json()) as Accepted & { existing: boolean };
    expect(three).toMatchObject({ existing: false });
    expect(three.jobId).not.toBe(one.jobId);
    await p.settle();
    const [a, c] = [await job(one.jobId), await job(three.jobId)];
    const ids = (s: JobStatus) => s.results.map((r) => r.id);
    expect(ids(c)).toEqual(ids(a));
    expect(a.results.map((r) => r.status)).toEqual(['started', 'started', 'started']);
    expect(c.results.map((r) => r.status)).toEqual(['existing', 'existing', 'existing']);
    const page = await job(one.jobId, '?page=2&pageSize=2');
    expect(page.results.map((r) => r.row)).toEqual([3]);
  });

  it('accepts text/csv with the documented header, scopes separated by semicolons', async () => {
    const csv = [
      'customerTenantId,customerName,contactName,contactEmail,scopes,delegatedAdmin,note',
      `${CUSTOMER_TENANT},Contoso,Ada,ada@contoso.com,/subscriptions/${SUBSCRIPTION}/resourceGroups/csv-1;/subscriptions/${OTHER_SUBSCRIPTION},false,"Hello, Ada"`,
      `${CUSTOMER_TENANT},Contoso,Ada,ada@contoso.com,/subscriptions/bad,maybe,`,
    ].join('\n');
    const accepted = (await (await submit(csv, 'text/csv')).json()) as Accepted;
    expect(accepted).toMatchObject({ valid: 1, invalid: 1 });
    expect(accepted.invalidRows[0]?.errors.map((e) => e.field).sort()).toEqual([
      'delegatedAdmin',
      'scopes[0]',
    ]);
    await p.settle();
    const started = (await job(accepted.jobId)).results[0];
    const record = (await (await p.partner(`/api/reinstatements/${started?.id}`)).json()) as {
      scopes: { scope: string }[];
      note: string;
    };
    expect(record.scopes).toHaveLength(2);
    expect(record.note).toBe('Hello, Ada');
  });

  it('refuses a whole request that cannot be read, writing nothing: each with the status that says why', async () => {
    const before = await count();
    const expectProblem = async (res: Response, status: number, detail: RegExp) => {
      expect(res.status).toBe(status);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(((await res.json()) as { detail: string }).detail).toMatch(detail);
    };
    await expectProblem(await submit(JSON.stringify(row('x'))), 400, /JSON array/);
    await expectProblem(
      await submit('tenant,name\nx,y', 'text/csv'),
      400,
      /columns this product does not know \("tenant", "name"\)/,
    );
    await expectProblem(
      await submit(JSON.stringify(Array.from({ length: 5001 }, (_, i) => row(`many-${i}`)))),
      400,
      /at most 5000 rows/,
    );
    await expectProblem(
      await submit(JSON.stringify([{ customerTenantId: 'nope' }])),
      400,
      /Every row was refused/,
    );
    await expectProblem(await submit('<rows/>', 'application/xml'), 415, /application\/json or text\/csv/);
    await expectProblem(await submit(`[${' '.repeat(21 * 1024 * 1024)}]`), 413, /at most 20 MB/);
    await p.settle();
    expect(await count()).toBe(before);
  });

  it('shows the email backlog per lane with the expected finish', async () => {
    const backlog = (await (await p.partner('/api/email/backlog')).json()) as Record<string, unknown>;
    expect(backlog).toEqual({
      lanes: { people: { queued: 0 }, bulk: { queued: 0 } },
      expectedFinish: expect.any(String),
      bulkSpacingMs: 4, // max(62 s / 100,000 per minute, 3,602 s / 1,000,000 per hour)
      limits: { perMinute: 100000, perHour: 1000000 },
      sentLastMinute: expect.any(Number),
      sentLastHour: expect.any(Number),
    });
    expect(await (await p.partner('/api/reinstatements/bulk/b-unknown')).json()).toMatchObject({
      status: 400,
    });
    expect((await p.partner(`/api/reinstatements/bulk/b-${'0'.repeat(32)}`)).status).toBe(404);
  });
});
