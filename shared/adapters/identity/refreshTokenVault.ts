import type { TableClient } from '@azure/data-tables';
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import { isNotFound, isPreconditionFailed } from '../../../lib/tables/tableErrors';
import type { IdentityProblem } from './entraErrors';

/** What is known of the connected partner user and its refresh token (never the token in clear). */
export interface PartnerUserRecord {
  /** The refresh token, sealed with AES-256-GCM (see `RefreshTokenVault`). */
  sealed?: string;
  /** When Entra issued the sealed token: its inactivity window counts from here. */
  issuedAt?: string;
  /** Fingerprint of the PARTNER_REFRESH_TOKEN setting the sealed token descends from, if any. */
  seedFingerprint?: string;
  /** The partner user, as Entra named it (UPN, else object id). */
  user?: string;
  connectedAt?: string;
  lastExchangeAt?: string;
  problem?: IdentityProblem;
  problemExplanation?: string;
  problemAt?: string;
  /** The last notice to the partner's team about this identity. */
  noticeSentAt?: string;
}

const PARTITION = 'identity';
const ROW = 'partner-user';
const CONSENT_PARTITION = 'identity-consent';

/** sha-256 of a refresh token, to tell tokens apart without keeping them. */
export const fingerprint = (token: string) => createHash('sha256').update(token).digest('base64url');

/**
 * Keeps the partner user's rotated refresh token in the partner-state table, sealed with AES-256-GCM
 * under a key derived (HKDF) from the link-signing key, which lives in Key Vault in Azure: a reader of
 * the table learns nothing, and the token is only ever usable with the partner app's own credential
 * (a confidential client's refresh token cannot be redeemed without it). Under a rotated link key the
 * previous key still opens what it sealed.
 */
export class RefreshTokenVault {
  private readonly keys: Buffer[];

  constructor(
    private readonly table: TableClient,
    signingKeys: { current: Buffer; previous?: Buffer },
  ) {
    this.keys = [signingKeys.current, ...(signingKeys.previous ? [signingKeys.previous] : [])].map((k) =>
      Buffer.from(hkdfSync('sha256', k, Buffer.alloc(0), 'partner-refresh-token-v1', 32)),
    );
  }

  async read(): Promise<PartnerUserRecord> {
    try {
      const entity = await this.table.getEntity<PartnerUserRecord>(PARTITION, ROW);
      const system = new Set(['partitionKey', 'rowKey', 'etag', 'timestamp']);
      // A cleared property is stored as '' (a merge cannot remove one): read it as absent.
      return Object.fromEntries(
        Object.entries(entity).filter(([k, v]) => !system.has(k) && v !== ''),
      ) as PartnerUserRecord;
    } catch (error) {
      if (isNotFound(error)) return {};
      throw error;
    }
  }

  /** Merges `changes` into the record; `undefined` values are left as they are. */
  async write(changes: Partial<PartnerUserRecord>): Promise<void> {
    const defined = Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined));
    await this.table.upsertEntity({ partitionKey: PARTITION, rowKey: ROW, ...defined }, 'Merge');
  }

  /** Forgets a recorded problem (empty values, as Table storage cannot unset a property by merge). */
  async clearProblem(): Promise<void> {
    await this.table.upsertEntity(
      { partitionKey: PARTITION, rowKey: ROW, problem: '', problemExplanation: '', problemAt: '' },
      'Merge',
    );
  }

  /** Remembers a consent step in progress: its PKCE verifier, until `expiresAt`, under its state. */
  async savePendingConsent(state: string, codeVerifier: string, expiresAt: string): Promise<void> {
    await this.table.createEntity({
      partitionKey: CONSENT_PARTITION,
      rowKey: state,
      sealedVerifier: this.seal(codeVerifier),
      expiresAt,
    });
  }

  /** The verifier of a consent step in progress, once: the row is deleted as it is read. */
  async takePendingConsent(state: string, now: Date): Promise<string | undefined> {
    if (!/^[A-Za-z0-9_-]{16,64}$/.test(state)) return undefined;
    try {
      const row = await this.table.getEntity<{ sealedVerifier: string; expiresAt: string }>(
        CONSENT_PARTITION,
        state,
      );
      await this.table.deleteEntity(CONSENT_PARTITION, state, { etag: row.etag });
      if (Date.parse(row.expiresAt) < now.getTime()) return undefined;
      return this.open(row.sealedVerifier);
    } catch (error) {
      // Gone, or taken by a concurrent callback with the same state (the delete's etag failed).
      if (isNotFound(error) || isPreconditionFailed(error)) return undefined;
      throw error;
    }
  }

  seal(token: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.keys[0] as Buffer, iv);
    const body = Buffer.concat([cipher.update(token, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
  }

  /** The token, or undefined when no key opens it (sealed under a key since retired). */
  open(sealed: string): string | undefined {
    const bytes = Buffer.from(sealed, 'base64url');
    if (bytes.length < 29) return undefined;
    for (const key of this.keys) {
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, 12));
        decipher.setAuthTag(bytes.subarray(12, 28));
        return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString('utf8');
      } catch {
        // Not this key: try the previous one.
      }
    }
    return undefined;
  }
}
