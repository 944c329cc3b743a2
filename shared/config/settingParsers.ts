import { z } from 'zod';
import { Cron } from 'croner';
import { isGuid, normalizeGuid } from '../model/identifiers';

/** Parsers for app settings, which always arrive as strings (or not at all). */

const present = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);

export const requiredString = (what: string) =>
  z.preprocess(present, z.string({ error: `is required (${what})` }));

export const guidSetting = (what: string) =>
  requiredString(what)
    .refine((v) => isGuid(v), { error: `must be a GUID (${what})` })
    .transform((v) => normalizeGuid(v as string));

export const emailSetting = (what: string) =>
  requiredString(what).pipe(z.email({ error: `must be an email address (${what})` }));

export const booleanSetting = (fallback: boolean) =>
  z.preprocess(
    (v) => present(v)?.toLowerCase() ?? String(fallback),
    z
      .enum(['true', 'false', '1', '0'], { error: 'must be true or false' })
      .transform((v) => v === 'true' || v === '1'),
  );

export const integerSetting = (fallback: number, min: number, max: number) =>
  z.preprocess(
    (v) => present(v) ?? String(fallback),
    z
      .string()
      .regex(/^\d+$/, { error: `must be a whole number from ${min} to ${max}` })
      .transform(Number)
      .refine((n) => n >= min && n <= max, { error: `must be a whole number from ${min} to ${max}` }),
  );

export const daysSetting = (fallback: number) =>
  z.preprocess(
    (v) => present(v) ?? String(fallback),
    z
      .string()
      .regex(/^\d+(\.\d+)?$/, { error: 'must be a number of days, e.g. 14' })
      .transform(Number)
      .refine((n) => n > 0 && n <= 365, { error: 'must be more than 0 and at most 365 days' }),
  );

/** A comma-separated, strictly increasing list of day offsets, e.g. `3,7`; empty means no reminders. */
export const dayListSetting = (fallback: string) =>
  z.preprocess(
    (v) => (typeof v === 'string' ? v.trim() : fallback),
    z
      .string()
      .regex(/^(\d+(\.\d+)?(\s*,\s*\d+(\.\d+)?)*)?$/, {
        error: 'must be a comma-separated list of days, e.g. 3,7',
      })
      .transform((s) => (s === '' ? [] : s.split(',').map((d) => Number(d.trim()))))
      .refine((days) => days.every((d, i) => d > 0 && (i === 0 || d > (days[i - 1] as number))), {
        error: 'days must be above 0 and strictly increasing',
      }),
  );

/**
 * Azure Functions timers use six-field NCRONTAB (`{second} {minute} {hour} {day} {month} {day-of-week}`),
 * https://learn.microsoft.com/azure/azure-functions/functions-bindings-timer#ncrontab-expressions
 */
export function isNcrontab(expression: string): boolean {
  if (expression.trim().split(/\s+/).length !== 6) return false;
  try {
    new Cron(expression, { paused: true });
    return true;
  } catch {
    return false;
  }
}

export const ncrontabSetting = (fallback: string) =>
  z.preprocess(
    (v) => present(v) ?? fallback,
    z
      .string()
      .refine(isNcrontab, { error: 'must be a six-field NCRONTAB expression, e.g. "0 */15 * * * *"' }),
  );

/** Azure Table names: 3-63 alphanumerics, starting with a letter. */
export const tableNameSetting = (fallback: string) =>
  z.preprocess(
    (v) => present(v) ?? fallback,
    z.string().regex(/^[A-Za-z][A-Za-z0-9]{2,62}$/, {
      error: 'must be 3-63 letters and digits, starting with a letter',
    }),
  );

/** The customer-facing origin. https, except on loopback where a developer runs the sandbox. */
export const publicBaseUrlSetting = requiredString('the https origin customers reach the app at').transform(
  (v, ctx) => {
    let url: URL;
    try {
      url = new URL(v as string);
    } catch {
      ctx.addIssue({
        code: 'custom',
        message: 'must be an absolute URL, e.g. https://reinstate.contoso.com',
      });
      return z.NEVER;
    }
    const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
    if (url.protocol !== 'https:' && !(loopback && url.protocol === 'http:')) {
      ctx.addIssue({ code: 'custom', message: 'must use https (http is accepted for localhost only)' });
    }
    if (url.search || url.hash || url.username || url.password) {
      ctx.addIssue({ code: 'custom', message: 'must not carry credentials, a query or a fragment' });
    }
    return url.origin + url.pathname.replace(/\/+$/, '');
  },
);

const MAKE_A_KEY = `make one with \`openssl rand -base64 32\` or \`node -e "console.log(require('crypto').randomBytes(32).toString('base64'))"\``;

/** Keys published in this repository (the sample settings once carried this one): anyone could sign with them. */
const PUBLIC_EXAMPLE_KEYS = [Buffer.from('cmVwbGFjZS13aXRoLTMyLXJhbmRvbS1ieXRlcy1iYXNlNjQ=', 'base64')];

/** Link-signing keys: base64 (or base64url) of at least 32 random bytes, never a published example. */
const signingKey = z
  .string()
  .regex(/^[A-Za-z0-9+/_-]+={0,2}$/, { error: `must be base64 of at least 32 random bytes: ${MAKE_A_KEY}` })
  .transform((v) => Buffer.from(v, 'base64'))
  .refine((b) => b.length >= 32, { error: `must decode to at least 32 bytes: ${MAKE_A_KEY}` })
  .refine((b) => !PUBLIC_EXAMPLE_KEYS.some((example) => example.equals(b)), {
    error: `is the public example key from the repository, with which anyone can sign customer links: ${MAKE_A_KEY}`,
  });

export const signingKeySetting = (required: boolean) =>
  z.preprocess(
    present,
    required
      ? z
          .string({ error: `is required (base64 of at least 32 random bytes): ${MAKE_A_KEY}` })
          .pipe(signingKey)
      : signingKey.optional(),
  );

export const optionalString = () =>
  z.preprocess((v) => (typeof v === 'string' && v.trim() ? v.trim() : undefined), z.string().optional());

/** An optional https endpoint override; trailing slashes dropped. */
export const optionalUrl = (what: string) =>
  z.preprocess(
    (v) => (typeof v === 'string' && v.trim() ? v.trim().replace(/\/+$/, '') : undefined),
    z.url({ protocol: /^https?$/, error: `must be an absolute URL (${what})` }).optional(),
  );

/**
 * An optional outgoing webhook: https only (it carries the partner's alerts, and a Teams webhook's
 * URL is its own credential), with no credentials in the URL's user part.
 */
export const webhookUrlSetting = (what: string) =>
  z.preprocess(
    (v) => (typeof v === 'string' && v.trim() ? v.trim() : undefined),
    z
      .url({ protocol: /^https$/, error: `must be an absolute https URL (${what})` })
      .refine((v) => !new URL(v).username && !new URL(v).password, {
        error: 'must not carry a user name or password',
      })
      .optional(),
  );
