import fc from 'fast-check';
import { signCustomerToken, verifyCustomerToken, type SigningKeys } from '../../shared/links/customerTokens';

const current = Buffer.alloc(32, 1);
const previous = Buffer.alloc(32, 2);
const stranger = Buffer.alloc(32, 3);
const now = new Date('2026-11-26T12:00:00Z');
const inAWeek = new Date('2026-12-03T12:00:00Z');
const claims = { reinstatementId: 'r-0123456789abcdef', purpose: 'invitation' as const, expiresAt: inAWeek };

describe('customer link tokens', () => {
  it('round-trips the reinstatement id, purpose and expiry, and is URL-path safe', () => {
    const token = signCustomerToken({ current }, claims);
    expect(token).toMatch(/^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(verifyCustomerToken({ current }, token, 'invitation', now)).toEqual({ valid: true, claims });
  });

  it('keeps links signed before a key rotation working, and only those', () => {
    const oldToken = signCustomerToken({ current: previous }, claims);
    const rotated: SigningKeys = { current, previous };
    expect(verifyCustomerToken(rotated, oldToken, 'invitation', now).valid).toBe(true);
    expect(verifyCustomerToken({ current }, oldToken, 'invitation', now).valid).toBe(false);
  });

  it('refuses a token signed with an unknown key', () => {
    const forged = signCustomerToken({ current: stranger }, claims);
    expect(verifyCustomerToken({ current, previous }, forged, 'invitation', now)).toEqual({ valid: false });
  });

  it('refuses an expired token, at and after the expiry instant', () => {
    const token = signCustomerToken({ current }, claims);
    expect(verifyCustomerToken({ current }, token, 'invitation', inAWeek)).toEqual({ valid: false });
    expect(verifyCustomerToken({ current }, token, 'invitation', new Date(inAWeek.getTime() + 1000))).toEqual(
      { valid: false },
    );
  });

  it('refuses a token used for another purpose', () => {
    const token = signCustomerToken({ current }, claims);
    expect(verifyCustomerToken({ current }, token, 'instructions', now)).toEqual({ valid: false });
  });

  it('refuses claims rewritten by the holder (a later expiry, another id, another purpose)', () => {
    const token = signCustomerToken({ current }, claims);
    const [v, , sig] = token.split('.');
    for (const altered of [
      { r: claims.reinstatementId, p: 'invitation', e: 4102444800 },
      { r: 'r-someone-else', p: 'invitation', e: Math.floor(inAWeek.getTime() / 1000) },
      { r: claims.reinstatementId, p: 'instructions', e: Math.floor(inAWeek.getTime() / 1000) },
    ]) {
      const body = Buffer.from(JSON.stringify(altered)).toString('base64url');
      expect(verifyCustomerToken({ current }, `${v}.${body}.${sig}`, altered.p as 'invitation', now)).toEqual(
        { valid: false },
      );
    }
  });

  it('refuses every truncation and every single-character change, revealing nothing about why', () => {
    const token = signCustomerToken({ current }, claims);
    for (let i = 0; i < token.length; i++) {
      expect(verifyCustomerToken({ current }, token.slice(0, i), 'invitation', now)).toEqual({
        valid: false,
      });
    }
    fc.assert(
      fc.property(
        fc.nat({ max: token.length - 1 }),
        fc.constantFrom(...'ABCxyz019-_.'),
        (index, replacement) => {
          fc.pre(token[index] !== replacement);
          const tampered = token.slice(0, index) + replacement + token.slice(index + 1);
          expect(verifyCustomerToken({ current }, tampered, 'invitation', now)).toEqual({ valid: false });
        },
      ),
      { numRuns: 500 },
    );
  });

  it('refuses a signature whose last character only changes bits that base64url decoding drops', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const token = signCustomerToken({ current }, claims);
    const signature = (t: string) => Buffer.from(t.split('.')[2] ?? '', 'base64url');
    // A 32-byte HMAC is 43 base64url characters; the last one's 2 low bits are padding that decoding
    // drops, so three other spellings decode to the same bytes. They must be refused all the same.
    const last = alphabet.indexOf(token.slice(-1));
    const sameBytes = [1, 2, 3].map((flip) => token.slice(0, -1) + alphabet[last ^ flip]);
    for (const spelling of sameBytes) expect(signature(spelling).equals(signature(token))).toBe(true);
    const others = [...'89-_'].map((c) => token.slice(0, -1) + c).filter((t) => t !== token);
    for (const tampered of [...sameBytes, ...others])
      expect(verifyCustomerToken({ current }, tampered, 'invitation', now)).toEqual({ valid: false });
  });

  it('refuses arbitrary input without throwing', () => {
    fc.assert(
      fc.property(fc.anything(), (input) => {
        expect(verifyCustomerToken({ current }, input, 'invitation', now)).toEqual({ valid: false });
      }),
      { numRuns: 500 },
    );
  });

  it('will not sign an id that is unsafe in a URL or a table key', () => {
    expect(() => signCustomerToken({ current }, { ...claims, reinstatementId: '../x' })).toThrow();
  });
});
