import { createHmac, timingSafeEqual } from 'node:crypto';
import { isReinstatementId } from '../model/identifiers';

/** What a customer link lets its holder do: open the invitation, or see the role-assignment instructions. */
export const TokenPurposes = ['invitation', 'instructions'] as const;
export type TokenPurpose = (typeof TokenPurposes)[number];

export interface SigningKeys {
  current: Buffer;
  /** The key before the last rotation: links already in customers' mailboxes keep working. */
  previous?: Buffer;
}

export interface TokenClaims {
  reinstatementId: string;
  purpose: TokenPurpose;
  expiresAt: Date;
}

export type TokenCheck = { valid: true; claims: TokenClaims } | { valid: false };

const VERSION = 'v1';
const B64URL = /^[A-Za-z0-9_-]+$/;

function mac(key: Buffer, signedPart: string): Buffer {
  return createHmac('sha256', key).update(signedPart, 'utf8').digest();
}

/**
 * Signs a purpose-bound, expiring token for a customer link: `v1.<claims>.<hmac>`, base64url, safe
 * in a URL path. The claims are not secret (an id, a purpose, an expiry) but cannot be altered.
 */
export function signCustomerToken(keys: SigningKeys, claims: TokenClaims): string {
  if (!isReinstatementId(claims.reinstatementId)) throw new Error('reinstatement id is not token-safe');
  const body = Buffer.from(
    JSON.stringify({
      r: claims.reinstatementId,
      p: claims.purpose,
      e: Math.floor(claims.expiresAt.getTime() / 1000),
    }),
    'utf8',
  ).toString('base64url');
  const signedPart = `${VERSION}.${body}`;
  return `${signedPart}.${mac(keys.current, signedPart).toString('base64url')}`;
}

/**
 * Checks a token from a customer's link for the purpose the caller serves. Every failure (malformed,
 * tampered, truncated, unknown key, expired, wrong purpose) looks the same to the caller and so to
 * the customer: nothing about why is revealed.
 */
export function verifyCustomerToken(
  keys: SigningKeys,
  token: unknown,
  expectedPurpose: TokenPurpose,
  now: Date,
): TokenCheck {
  const invalid: TokenCheck = { valid: false };
  if (typeof token !== 'string' || token.length > 512) return invalid;
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== VERSION) return invalid;
  const [, body, signature] = parts as [string, string, string];
  if (!B64URL.test(body) || !B64URL.test(signature)) return invalid;

  // The signature is compared as text, in its one canonical encoding: base64url decoding ignores the
  // last character's spare bits, so comparing decoded bytes would accept several spellings of it.
  const presented = Buffer.from(signature, 'utf8');
  const signedPart = `${VERSION}.${body}`;
  // Both keys are always computed, so timing does not tell which key (if any) matched.
  const candidates = [keys.current, keys.previous ?? keys.current].map((key) =>
    Buffer.from(mac(key, signedPart).toString('base64url'), 'utf8'),
  );
  let matched = false;
  for (const expected of candidates) {
    if (presented.length === expected.length && timingSafeEqual(presented, expected)) matched = true;
  }
  if (!matched) return invalid;

  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return invalid;
  }
  if (typeof claims !== 'object' || claims === null) return invalid;
  const { r, p, e } = claims as Record<string, unknown>;
  if (!isReinstatementId(r)) return invalid;
  if (p !== expectedPurpose) return invalid;
  if (typeof e !== 'number' || !Number.isSafeInteger(e) || e * 1000 <= now.getTime()) return invalid;
  return {
    valid: true,
    claims: { reinstatementId: r, purpose: expectedPurpose, expiresAt: new Date(e * 1000) },
  };
}
