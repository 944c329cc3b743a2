/**
 * A console person's session without a browser: the sign-in's redirects followed by hand (the app's
 * `/.auth/login/aad`, the sandbox Entra ID's authorize with a login hint, the app's callback), the
 * cookies carried between them as a browser would. Answers `fetch` for that person: same-origin
 * requests (the console refuses cross-site POSTs), redirects not followed.
 */
import { request } from 'node:https';

export type PersonFetch = (path: string, init?: RequestInit) => Promise<Response>;

/** Where the sandbox's Entra ID sends the browser back to (its certificate is the sandbox CA's). */
export function redirectOf(url: URL, ca: string): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    request(url, { ca }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.headers.location));
    })
      .on('error', reject)
      .end();
  });
}

export async function signInAs(
  appUrl: string,
  userPrincipalName: string,
  cloudCa: string,
): Promise<PersonFetch> {
  const jar = new Map<string, string>();
  const cookieHeader = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const keep = (response: Response) => {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = (pair ?? '').indexOf('=');
      if (eq <= 0) continue;
      const name = (pair ?? '').slice(0, eq).trim();
      const value = (pair ?? '').slice(eq + 1).trim();
      if (value) jar.set(name, value);
      else jar.delete(name);
    }
  };
  let url = `${appUrl}/.auth/login/aad?post_login_redirect_uri=${encodeURIComponent('/api/console')}`;
  for (let hop = 0; hop < 6; hop++) {
    const target = new URL(url);
    if (target.pathname.endsWith('/oauth2/v2.0/authorize'))
      target.searchParams.set('login_hint', userPrincipalName);
    const onApp = target.origin === new URL(appUrl).origin;
    if (!onApp) {
      const back = await redirectOf(target, cloudCa);
      if (!back) throw new Error(`the sign-in page at ${target.pathname} did not redirect`);
      url = new URL(back, target).toString();
      continue;
    }
    const response = await fetch(target, {
      redirect: 'manual',
      headers: { cookie: cookieHeader() },
    });
    keep(response);
    await response.arrayBuffer();
    const location = response.headers.get('location');
    if (!location) throw new Error(`sign-in stopped at ${target.pathname} with ${response.status}`);
    url = new URL(location, target).toString();
    if (new URL(url).pathname === '/api/console') break;
  }
  return (path, init) =>
    fetch(`${appUrl}${path}`, {
      redirect: 'manual',
      ...init,
      headers: {
        cookie: cookieHeader(),
        origin: appUrl,
        'sec-fetch-site': 'same-origin',
        ...((init?.headers as Record<string, string> | undefined) ?? {}),
      },
    });
}
