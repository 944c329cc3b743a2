import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';

export interface TokenClaims {
  aud: string;
  iss: string;
  tid: string;
  oid: string;
  appid: string;
  iat: number;
  nbf: number;
  exp: number;
  [claim: string]: unknown;
}

/** RS256 JWTs, as Entra ID issues them for the client-credentials flow (simplified claim set). */
export class TokenSigner {
  private readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly kid = 'sandbox-key-1';

  /** A new key, or the one a persisted sandbox had (tokens it issued stay valid across restarts). */
  constructor(privateKeyPem?: string) {
    this.privateKey = privateKeyPem
      ? createPrivateKey(privateKeyPem)
      : createPrivateKey(
          generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
            format: 'pem',
            type: 'pkcs8',
          }),
        );
    this.publicKey = createPublicKey(this.privateKey);
  }

  get privateKeyPem(): string {
    return this.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  }

  sign(claims: TokenClaims): string {
    const header = Buffer.from(JSON.stringify({ typ: 'JWT', alg: 'RS256', kid: this.kid })).toString(
      'base64url',
    );
    const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
    const signature = sign('sha256', Buffer.from(`${header}.${body}`), this.privateKey).toString('base64url');
    return `${header}.${body}.${signature}`;
  }

  /** The claims of a valid, unexpired token for one of `audiences`, or undefined. */
  verify(
    token: string,
    audiences: string[],
    nowSeconds = Math.floor(Date.now() / 1000),
  ): TokenClaims | undefined {
    const claims = this.signed(token);
    if (!claims || claims.exp <= nowSeconds || !audiences.some((a) => a.replace(/\/+$/, '') === claims.aud))
      return undefined;
    return claims;
  }

  /** The claims of a token this signer signed, whatever its audience and expiry, or undefined. */
  signed(token: string): TokenClaims | undefined {
    const [header, body, signature] = token.split('.');
    if (!header || !body || !signature) return undefined;
    if (
      !verify('sha256', Buffer.from(`${header}.${body}`), this.publicKey, Buffer.from(signature, 'base64url'))
    )
      return undefined;
    try {
      return JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as TokenClaims;
    } catch {
      return undefined;
    }
  }
}
