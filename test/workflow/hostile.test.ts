import { TableClient } from '@azure/data-tables';
import fc from 'fast-check';
import { startProduct, type Product } from '../support/productHarness';

let p: Product;
let rows: () => Promise<number>;
beforeAll(async () => {
  p = await startProduct();
  rows = async () => {
    let n = 0;
    for (const name of [p.tables.TABLE_REINSTATEMENTS, p.tables.TABLE_EMAIL_OUTBOX]) {
      const table = TableClient.fromConnectionString(p.azurite.connectionString, name, {
        allowInsecureConnection: true,
      });
      for await (const entity of table.listEntities()) if (entity) n++;
    }
    return n;
  };
});
afterAll(() => p.stop());

/** JSON-ish bodies that cannot be a valid request: missing, mistyped and hostile fields. */
const hostileBody = fc.oneof(
  fc.anything().map((v) => JSON.stringify(v) ?? 'null'),
  fc.string({ maxLength: 200 }),
  fc
    .record(
      {
        customerTenantId: fc.oneof(
          fc.string(),
          fc.constant("'; DROP TABLE x; --"),
          fc.uuid().map((u) => `${u}'`),
        ),
        customerName: fc.oneof(
          fc.string({ maxLength: 300 }),
          fc.constant('<script>alert(1)</script>\u202e'),
          fc.integer(),
        ),
        contact: fc.oneof(fc.constant(null), fc.record({ name: fc.string(), email: fc.string() })),
        scopes: fc.oneof(
          fc.array(fc.string(), { maxLength: 60 }),
          fc.constant('/subscriptions/x'),
          fc.array(
            fc.constant('/subscriptions/00000000-0000-4000-8000-000000000000/resourceGroups/rg$(calc)'),
          ),
        ),
        note: fc.oneof(fc.string(), fc.constant('\u0007bell')),
      },
      { requiredKeys: [] },
    )
    .map((o) => JSON.stringify(o)),
);
const hostileCsv = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc
    .array(fc.array(fc.string({ maxLength: 30 }), { maxLength: 8 }), { maxLength: 10 })
    .map((r) =>
      [
        'customerTenantId,customerName,contactName,contactEmail,scopes,delegatedAdmin,note',
        ...r.map((c) => c.join(',')),
      ].join('\n'),
    ),
);
// '.' and '..' are resolved by the URL parser before any request is made, so they are left out.
const segment = fc
  .string({ minLength: 1, maxLength: 80 })
  .filter((s) => s !== '.' && s !== '..')
  .map(encodeURIComponent);
const token = fc.oneof(
  segment,
  fc
    .string({ maxLength: 120 })
    .map((s) => `v1.${Buffer.from(s).toString('base64url')}.${Buffer.from(s).toString('base64url')}`),
);

async function expect4xx(res: Response, what: string): Promise<void> {
  if (res.status < 400 || res.status >= 500)
    throw new Error(`${what} answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
  await res.arrayBuffer();
}

describe('hostile input on every route: only 4xx, never 5xx, nothing written', () => {
  it('holds for thousands of malformed requests', async () => {
    await (await p.partner('/api/reinstatements')).arrayBuffer(); // the app creates its tables on first use
    const before = await rows();
    const runs = { numRuns: 300 };
    await fc.assert(
      fc.asyncProperty(hostileBody, async (b) =>
        expect4xx(await p.partner('/api/reinstatements', { method: 'POST', body: b }), 'start'),
      ),
      runs,
    );
    await fc.assert(
      fc.asyncProperty(hostileBody, async (b) =>
        expect4xx(
          await p.partner('/api/reinstatements/bulk', { method: 'POST', body: `[${b}]` }),
          'bulk json',
        ),
      ),
      runs,
    );
    await fc.assert(
      fc.asyncProperty(hostileCsv, async (csv) =>
        expect4xx(
          await p.partner('/api/reinstatements/bulk', {
            method: 'POST',
            body: csv,
            headers: { 'content-type': 'text/csv' },
          }),
          'bulk csv',
        ),
      ),
      runs,
    );
    await fc.assert(
      fc.asyncProperty(token, async (t) => expect4xx(await p.anonymous(`/api/c/${t}`), 'invitation link')),
      runs,
    );
    await fc.assert(
      fc.asyncProperty(token, async (t) =>
        expect4xx(await p.anonymous(`/api/c/${t}/instructions`), 'instructions page'),
      ),
      runs,
    );
    await fc.assert(
      fc.asyncProperty(token, async (t) =>
        expect4xx(await p.anonymous(`/api/c/${t}/done`, { method: 'POST' }), 'done button'),
      ),
      runs,
    );
    await fc.assert(
      fc.asyncProperty(
        hostileBody,
        fc.dictionary(
          fc.constantFrom('authorization', 'x-ms-certificate-url', 'x-ms-signature-algorithm'),
          fc.string({ maxLength: 100 }).filter((v) => /^[\x20-\x7e]*$/.test(v)),
        ),
        async (b, headers) =>
          expect4xx(
            await p.anonymous('/api/webhooks/partner-center', { method: 'POST', body: b, headers }),
            'webhook',
          ),
      ),
      runs,
    );
    await fc.assert(
      fc.asyncProperty(
        segment,
        fc.constantFrom(
          'acceptance',
          'verify',
          'resend',
          'cancel',
          'nope',
          'constructor',
          'toString',
          'valueOf',
        ),
        async (id, action) =>
          expect4xx(await p.partner(`/api/reinstatements/${id}/${action}`, { method: 'POST' }), 'action'),
      ),
      runs,
    );
    await fc.assert(
      fc.asyncProperty(segment, async (id) => expect4xx(await p.partner(`/api/reinstatements/${id}`), 'get')),
      runs,
    );
    await fc.assert(
      fc.asyncProperty(segment, segment, async (state, t) =>
        expect4xx(await p.partner(`/api/reinstatements?state=${state}&continuationToken=${t}`), 'list'),
      ),
      runs,
    );
    await p.settle();
    expect(await rows()).toBe(before);
  }, 240_000);
});
