import { requestBody } from '../support/fixtures';
import { startProduct, type Product } from '../support/productHarness';
import { signInAs, type PersonFetch } from './session';

/**
 * What the console answers to what no page of its own sends: action names that are members of every
 * JavaScript object, and people who are not signed in or lack the role, asked for data rather than
 * pages. Plain HTTP, as a script or an attacker would send it (the pages themselves are in
 * console.test.ts, in Chromium).
 */
let p: Product;
let admin: PersonFetch;
let reader: PersonFetch;
let id: string;
beforeAll(async () => {
  p = await startProduct();
  admin = await signInAs(p.host.url, 'partner.admin@partner.example', p.cloud.pki.trustedRootsPem);
  reader = await signInAs(p.host.url, 'reader@partner.example', p.cloud.pki.trustedRootsPem);
  const started = await p.partner('/api/reinstatements', {
    method: 'POST',
    body: JSON.stringify(requestBody()),
  });
  id = ((await started.json()) as { id: string }).id;
  await p.settle();
}, 60_000);
afterAll(() => p.stop());

interface Problem {
  title: string;
  status: number;
  detail?: string;
  neededRole?: string;
  signIn?: string;
  errors?: { field: string }[];
}

async function problemOf(response: Response, status: number): Promise<Problem> {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toContain('application/problem+json');
  return (await response.json()) as Problem;
}

// Names every object answers through its prototype; `__proto__` is not a route segment (alpha only).
const PROTOTYPE_NAMES = ['constructor', 'toString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf'];

describe('action names', () => {
  it.each(PROTOTYPE_NAMES)('refuses %s as an action, a confirmation and a notice', async (name) => {
    const before = (await p.partner(`/api/reinstatements/${id}`).then((r) => r.json())) as {
      auditCount: number;
    };
    const posted = await admin(`/api/console/reinstatements/${id}/${name}`, { method: 'POST' });
    const refused = await problemOf(posted, 400);
    expect(refused.errors?.[0]?.field).toBe('action');
    const confirm = await admin(`/api/console/reinstatements/${id}/confirm/${name}`);
    expect(confirm.status).toBe(303);
    expect(confirm.headers.get('location')).toBe(`/api/console/reinstatements/${id}`);
    const detail = await admin(`/api/console/reinstatements/${id}?done=${name}`);
    expect(detail.status).toBe(200);
    const page = await detail.text();
    expect(page).not.toContain('native code');
    expect(page).not.toMatch(/class="notice/);
    const after = (await p.partner(`/api/reinstatements/${id}`).then((r) => r.json())) as {
      auditCount: number;
    };
    expect(after.auditCount).toBe(before.auditCount);
  });

  it.each(['__proto__', 'constructor', 'toString'])(
    'sorts the list by %s as by the default',
    async (name) => {
      const list = await admin(`/api/console/reinstatements?sort=${name}`);
      expect(list.status).toBe(200);
      expect(await list.text()).toMatch(/<input type="hidden" name="sort" value="updated"/);
    },
  );
});

describe('the overview', () => {
  it("shows how much of Partner Center's request budget the last minute used", async () => {
    const used = async () => {
      const page = await (await admin('/api/console')).text();
      const found = /(\d+) of 500 requests used in the last minute/.exec(page.replace(/\s+/g, ' '));
      if (!found) throw new Error('the overview does not show the Partner Center budget');
      return Number(found[1]);
    };
    const before = await used();
    for (let i = 0; i < 3; i++)
      await (await p.partner('/api/webhooks/partner-center/readiness')).arrayBuffer();
    expect(await used()).toBe(before + 3);
  });
});

describe('401 and 403 say what to do', () => {
  it('not signed in: a problem document that says where to sign in', async () => {
    for (const [path, init] of [
      ['/api/console/reinstatements.csv', {}],
      ['/api/console/start', { method: 'POST', body: 'x=1' }],
      ['/api/console/reinstatements', { headers: { accept: 'application/json' } }],
    ] as const) {
      const answer = await problemOf(
        await fetch(`${p.host.url}${path}`, { redirect: 'manual', ...init }),
        401,
      );
      expect(answer.detail).toContain('/.auth/login/aad');
      expect(answer.detail).not.toContain('function key');
      expect(answer.signIn).toMatch(/^\/\.auth\/login\/aad\?post_login_redirect_uri=/);
    }
  });

  it('signed in without the role: a problem document naming the role and who assigns it', async () => {
    const action = await problemOf(
      await reader(`/api/console/reinstatements/${id}/cancel`, { method: 'POST' }),
      403,
    );
    expect(action.neededRole).toBe('Reinstatement.Operate');
    expect(action.detail).toContain('Reinstatement.Operate');
    expect(action.detail).toMatch(/administrator/);
    // A page asked for as data answers the same document; a browser still gets the page.
    const asData = await problemOf(
      await reader('/api/console/start', { headers: { accept: 'application/json' } }),
      403,
    );
    expect(asData.neededRole).toBe('Reinstatement.Operate');
    const asPage = await reader('/api/console/start', { headers: { accept: 'text/html' } });
    expect(asPage.status).toBe(403);
    expect(asPage.headers.get('content-type')).toContain('text/html');
  });

  it('a cross-site post: a problem document that says where actions are taken', async () => {
    const answer = await problemOf(
      await admin(`/api/console/reinstatements/${id}/cancel`, {
        method: 'POST',
        headers: { origin: 'http://evil.example', 'sec-fetch-site': 'cross-site' },
      }),
      403,
    );
    expect(answer.detail).toContain('/api/console');
  });
});
