import {
  ACCESS_PAGE_SIZE,
  accessBody,
  accessPageOf,
  accessQueryFrom,
  accessQueryParams,
  accessRowsOf,
  startLinkFor,
  type AccessQuery,
} from '../../shared/console/accessPage';
import { EMPTY_START_FORM, prefilledStart } from '../../shared/console/startPages';
import { WATCH_CHANGES, type ScanOutcome } from '../../shared/model/watch';
import type { ReinstatementSummary } from '../../shared/storage/reinstatementEntity';
import type { ScanRecord, ScanStanding } from '../../shared/storage/scanRepository';
import { CHANGE_WORDS, OUTCOME_WORDS } from '../../shared/vocabulary/watch';

const TENANT = '6ba7b810-9dad-11d1-80b4-00c04fd430c8';
const OTHER = '11111111-2222-4333-8444-555555555555';
const SUB = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';
const SUB2 = 'bbbbbbbb-bbbb-4ccc-8ddd-eeeeeeeeeeee';
const AT = '2026-12-04T05:30:00.000Z';

const standing = (extra: Partial<ScanStanding> = {}): ScanStanding => ({
  customerTenantId: TENANT,
  customerName: 'Contoso',
  subscriptionId: SUB,
  outcome: 'lost-access',
  checkedAt: AT,
  change: 'newly-lost',
  lastAccessAt: '2026-12-03T05:30:00.000Z',
  ...extra,
});

const summary = (extra: Partial<ReinstatementSummary> = {}): ReinstatementSummary => ({
  id: 'r-1',
  customerTenantId: TENANT,
  customerName: 'Contoso',
  state: 'InvitationSent',
  createdAt: AT,
  updatedAt: AT,
  stateChangedAt: AT,
  ...extra,
});

const query = (params: string): AccessQuery => accessQueryFrom(new URLSearchParams(params));
const SCAN: ScanRecord = {
  id: 's-1',
  createdAt: AT,
  createdBy: 'schedule',
  state: 'done',
  finishedAt: AT,
  customersListed: 2,
  customersScanned: 2,
};

describe("the watch's words", () => {
  it('gives every outcome and change a distinct label and a sentence, none of them the identifier', () => {
    const outcomes: ScanOutcome[] = ['has-access', 'lost-access', 'could-not-check'];
    for (const [words, ids] of [
      [OUTCOME_WORDS, outcomes],
      [CHANGE_WORDS, WATCH_CHANGES],
    ] as const) {
      const labels = ids.map((id) => (words as Record<string, { label: string }>)[id]?.label);
      expect(new Set(labels).size).toBe(ids.length);
      for (const id of ids) {
        const w = (words as Record<string, { label: string; explanation: string }>)[id];
        expect(w?.label).not.toContain(id);
        expect(w?.label).not.toMatch(/-/);
        expect(w?.explanation).toMatch(/^[A-Z].*\.$/);
      }
    }
    expect(OUTCOME_WORDS['lost-access'].label).toBe('Lost admin rights');
    expect(CHANGE_WORDS['newly-lost'].label).toBe('Newly lost');
    expect(CHANGE_WORDS.gone.label).toBe('No longer in Partner Center');
  });
});

describe("the Access page's query", () => {
  it('takes a known change, a search and a page', () => {
    expect(query('change=newly-lost&q=%20Contoso%20&page=3')).toEqual({
      change: 'newly-lost',
      search: 'Contoso',
      page: 3,
    });
    expect(query('')).toEqual({ search: '', page: 1 });
    expect(accessQueryParams(query('change=gone&q=a b&page=2'), { page: 1 })).toBe('q=a+b&change=gone');
  });

  it('keeps an unknown change aside to say so, never as a filter; inherited names too', () => {
    for (const bad of ['lost', 'NEW', 'newly-lost\t', '__proto__', 'constructor', 'toString', '<script>'])
      expect(query(`change=${encodeURIComponent(bad)}`)).toEqual({
        search: '',
        page: 1,
        unknownChange: bad,
      });
    expect(query(`change=${'x'.repeat(5000)}`).unknownChange).toHaveLength(100);
    for (const page of ['0', '-1', '1.5', 'x', '1e400']) expect(query(`page=${page}`).page).toBe(1);
  });
});

describe("the Access page's rows", () => {
  const standings = [
    standing({ customerName: 'Zeta', customerTenantId: OTHER, change: 'unchanged', outcome: 'has-access' }),
    standing({ subscriptionId: SUB2, change: 'unchanged', outcome: 'has-access', accessSince: AT }),
    standing(),
  ];

  it('filters by change and by name or tenant, sorted by customer then subscription', () => {
    const all = accessRowsOf(standings, [], query(''));
    expect(all.map((r) => [r.standing.customerName, r.standing.subscriptionId])).toEqual([
      ['Contoso', SUB],
      ['Contoso', SUB2],
      ['Zeta', SUB],
    ]);
    expect(accessRowsOf(standings, [], query('change=newly-lost')).map((r) => r.standing.change)).toEqual([
      'newly-lost',
    ]);
    expect(accessRowsOf(standings, [], query('q=zet'))).toHaveLength(1);
    expect(accessRowsOf(standings, [], query(`q=${OTHER.slice(0, 8).toUpperCase()}`))).toHaveLength(1);
  });

  it("names the customer's running reinstatement and counts its history", () => {
    const rows = accessRowsOf(
      standings,
      [summary({ id: 'r-old', state: 'Expired', createdAt: '2026-01-01T00:00:00Z' }), summary()],
      query('change=newly-lost'),
    );
    expect(rows[0]).toMatchObject({ running: 'r-1', reinstatements: 2 });
    const ended = accessRowsOf(standings, [summary({ state: 'Cancelled' })], query('change=newly-lost'));
    expect(ended[0]?.running).toBeUndefined();
  });

  it('pages 100 rows at a time, and 10,000 rows filter and render fast', () => {
    const many = Array.from({ length: 10_000 }, (_, i) =>
      standing({
        customerName: `Customer ${String(i).padStart(5, '0')}`,
        customerTenantId: `${String(i).padStart(8, '0')}-9dad-11d1-80b4-00c04fd430c8`,
      }),
    );
    const started = Date.now();
    const q = query('page=3');
    const rows = accessRowsOf(many, [summary()], q);
    const shown = accessPageOf(rows, q);
    const body = accessBody(
      { kind: 'scan', scan: SCAN, rows, counts: { subscriptions: 10_000, lost: 10_000, newlyLost: 10_000 } },
      q,
      { mayOperate: true },
    ).text;
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(shown).toMatchObject({ page: 3, pages: 10_000 / ACCESS_PAGE_SIZE });
    expect(shown.items[0]?.standing.customerName).toBe('Customer 00200');
    expect(body.match(/<tr>/g)).toHaveLength(ACCESS_PAGE_SIZE + 1);
    expect(body).toContain('rel="next"');
  });

  it('shows words, links a lost row to the start form, and escapes everything from the address', () => {
    const q = query(`change=${encodeURIComponent('<script>alert(1)</script>')}`);
    const rows = accessRowsOf(
      [...standings, standing({ customerName: '<img src=x onerror=alert(1)>', customerTenantId: OTHER })],
      [],
      q,
    );
    const body = accessBody(
      { kind: 'scan', scan: SCAN, rows, counts: { subscriptions: 4, lost: 2, newlyLost: 2 } },
      q,
      { mayOperate: true },
    ).text;
    expect(body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;” is not a change this page knows');
    expect(body).not.toContain('<script>');
    expect(body).not.toContain('<img');
    for (const shown of [
      'Lost admin rights',
      'Newly lost',
      'Has admin rights',
      'No change',
      '3 December 2026',
    ])
      expect(body).toContain(shown);
    expect(body).toContain(`href="${startLinkFor(TENANT, SUB).replace(/&/g, '&amp;')}"`);
    expect(startLinkFor(TENANT, SUB)).toBe(
      `/api/console/start?customerTenantId=${TENANT}&subscriptionId=${SUB}`,
    );
    // A reader sees the rows, not the link to start.
    const read = accessBody(
      { kind: 'scan', scan: SCAN, rows, counts: { subscriptions: 4, lost: 2, newlyLost: 2 } },
      q,
      { mayOperate: false },
    ).text;
    expect(read).not.toContain('Start reinstatement');
  });

  it('says when no scan has finished, and how to run one', () => {
    const body = accessBody({ kind: 'no-scan', running: false }, query(''), { mayOperate: true }).text;
    expect(body).toContain('No scan has finished yet');
    expect(body).toContain('/api/scans');
  });
});

describe('the start form filled in from an Access row', () => {
  const calls: string[] = [];
  const app = {
    scans: {
      latestFinished: async () => 's-1',
      customerResults: async (_scan: string, tenant: string) => {
        calls.push(`scan ${tenant}`);
        return tenant === TENANT ? [standing({ customerName: 'Contoso from the scan' })] : [];
      },
    },
    repository: {
      listByCustomer: async (tenant: string) => {
        calls.push(`reinstatements ${tenant}`);
        const older = { createdAt: '2026-01-05T10:00:00Z', contact: { name: 'Old', email: 'old@x.example' } };
        const newer = {
          createdAt: '2026-11-02T10:00:00Z',
          customerName: 'Contoso',
          contact: { name: 'Ada Admin', email: 'ada@contoso.example' },
          language: 'de',
        };
        return { items: tenant === TENANT ? [older, newer] : [] };
      },
    },
  } as unknown as Parameters<typeof prefilledStart>[0];
  const prefill = (params: string) => prefilledStart(app, new URLSearchParams(params));

  it('takes the tenant and scope from the address, the name from the scan, the contact from the last reinstatement', async () => {
    const { form, notice } = await prefill(`customerTenantId=${TENANT.toUpperCase()}&subscriptionId=${SUB}`);
    expect(form).toEqual({
      customerTenantId: TENANT,
      customerName: 'Contoso from the scan',
      contactName: 'Ada Admin',
      contactEmail: 'ada@contoso.example',
      language: 'de',
      scopes: `/subscriptions/${SUB}`,
      note: '',
    });
    expect(notice).toEqual({
      text: 'Filled in from this customer’s last reinstatement on 2 November 2026; check the contact before starting.',
      bad: false,
    });
  });

  it('trusts nothing else from the address: hostile values are left out and said so, nothing is read for them', async () => {
    calls.length = 0;
    const hostile = await prefill(`customerTenantId=${encodeURIComponent("x' or 1 eq 1 <img onerror=1>")}`);
    expect(hostile.form).toEqual(EMPTY_START_FORM);
    expect(hostile.notice).toMatchObject({ bad: true, text: expect.stringContaining('not a GUID') });
    expect(calls).toEqual([]);
    const badSubscription = await prefill(`customerTenantId=${TENANT}&subscriptionId=../x`);
    expect(badSubscription.form.scopes).toBe('');
    expect(badSubscription.notice?.text).toContain('subscription ID is not a GUID and was left out');
    expect((await prefill('')).form).toEqual(EMPTY_START_FORM);
    expect((await prefill('')).notice).toBeUndefined();
    const unknown = await prefill(`customerTenantId=${OTHER}&subscriptionId=${SUB}`);
    expect(unknown.form).toMatchObject({ customerTenantId: OTHER, contactName: '', customerName: '' });
    expect(unknown.notice).toMatchObject({ bad: true, text: expect.stringContaining('in neither') });
  });
});
