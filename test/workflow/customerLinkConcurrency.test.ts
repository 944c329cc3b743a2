import { requestBody } from '../support/fixtures';
import { linkIn, startProduct, type Product } from '../support/productHarness';

/**
 * The customer's links under many requests at once, as a mail scanner that pre-fetches links, or a
 * person who clicks a button many times, sends them: "I've done it" checks at most once a minute
 * however many arrive together, and clicks of the invitation link are all counted, with at most one
 * audit row per hour, and never an error.
 */
let p: Product;
let id: string;
let invitation: string;
let done: string;
beforeAll(async () => {
  p = await startProduct();
  const started = await p.partner('/api/reinstatements', {
    method: 'POST',
    body: JSON.stringify(requestBody()),
  });
  id = ((await started.json()) as { id: string }).id;
  await p.settle();
  await p.partner(`/api/reinstatements/${id}/acceptance`, { method: 'POST' });
  await p.settle();
  const mails = p.mailsTo('ada@contoso.com');
  invitation = linkIn(mails[0]?.plainText, /\/api\/c\//);
  const instructions = mails.find((m) => m.subject.includes('last step'));
  done = linkIn(instructions?.plainText, /\/instructions/).replace(/\/instructions$/, '/done');
}, 60_000);
afterAll(() => p.stop());

/** "I've done it" answered "checked just now": the page itself, or a redirect to it saying so. */
const checkedNow = (a: Response) =>
  a.status === 200 || /[?&]checked=now/.test(a.headers.get('location') ?? '');
/** Answered "checked less than a minute ago": 429, or a redirect to the page saying so. */
const tooSoon = (a: Response) => a.status === 429 || /[?&]checked=soon/.test(a.headers.get('location') ?? '');

interface View {
  state: string;
  counters: { linkClicks: number; verificationChecks: number };
  audit: { what: string }[];
}
const view = async () => (await (await p.partner(`/api/reinstatements/${id}`)).json()) as View;

describe('customer links under many requests at once', () => {
  it('checks the role assignments once for 30 simultaneous "I\'ve done it"', async () => {
    expect((await view()).state).toBe('AwaitingRoleAssignment');
    const arm = () => p.cloud.requests.get('arm') ?? 0;
    const before = arm();
    const answers = await Promise.all(
      Array.from({ length: 30 }, () => p.anonymous(done, { method: 'POST' })),
    );
    await Promise.all(answers.map((a) => a.arrayBuffer()));
    expect(answers.filter((a) => a.status >= 500)).toEqual([]);
    expect(answers.filter(checkedNow)).toHaveLength(1);
    expect(answers.filter(tooSoon)).toHaveLength(29);
    const oneBurst = arm() - before;
    expect(oneBurst).toBeGreaterThan(0);
    // A minute on, one more check is allowed, and only one: it reads ARM as much as the whole burst did.
    await p.advance('61s');
    const second = arm();
    const later = await Promise.all(Array.from({ length: 10 }, () => p.anonymous(done, { method: 'POST' })));
    await Promise.all(later.map((a) => a.arrayBuffer()));
    expect(later.filter(checkedNow)).toHaveLength(1);
    expect(arm() - second).toBe(oneBurst);
  });

  it('counts 50 simultaneous clicks of the invitation link, with one audit row for the hour and no error', async () => {
    const before = await view();
    const answers = await Promise.all(Array.from({ length: 50 }, () => p.anonymous(invitation)));
    await Promise.all(answers.map((a) => a.arrayBuffer()));
    // Past the invitation (the first test moved it on), the link shows where the request stands.
    expect(answers.map((a) => a.status)).toEqual(Array.from({ length: 50 }, () => 200));
    const after = await view();
    expect(after.counters.linkClicks - before.counters.linkClicks).toBe(50);
    const clicked = (v: View) => v.audit.filter((a) => a.what === 'link-clicked').length;
    expect(clicked(after) - clicked(before)).toBe(1);
    // Within the hour another click is counted without a row; in the next hour it gets one.
    await (await p.anonymous(invitation)).arrayBuffer();
    expect(clicked(await view()) - clicked(before)).toBe(1);
    await p.advance('61m');
    await (await p.anonymous(invitation)).arrayBuffer();
    const next = await view();
    expect(clicked(next) - clicked(before)).toBe(2);
    expect(next.counters.linkClicks - before.counters.linkClicks).toBe(52);
  });
});
