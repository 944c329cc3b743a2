import { rootCertificates } from 'node:tls';
import { request as httpsRequest } from 'node:https';
import { request as httpRequest } from 'node:http';
import { verify, X509Certificate } from 'node:crypto';
import { errorMessage } from '../../../lib/errors';

export type Verification = { ok: true } | { ok: false; reason: string };

export interface WebhookVerifierOptions {
  /** Host (and port) Partner Center publishes its signing certificate on. */
  certificateHost: string;
  /** PEM roots trusted in addition to the system's (the sandbox's stand-in Microsoft root). */
  extraTrustedRootsPem?: string;
  /** PEM bundle the certificate download trusts instead of the system roots (TLS_CA_FILE). */
  downloadCa?: string;
  now?: () => Date;
}

const CERT_PATH = /^\/cert\/[A-Za-z0-9._-]+\.cer$/;
const CACHE_MS = 60 * 60_000;

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const value = headers[name] ?? headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/** Splits a PEM bundle into certificates. */
function certificates(pem: string): X509Certificate[] {
  return (pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).map(
    (p) => new X509Certificate(p),
  );
}

/**
 * Verifies that a webhook call comes from Partner Center, as its documentation prescribes: the
 * Authorization header carries `Signature <base64>`, the algorithm is rsa-sha256, the certificate
 * URL is https on Microsoft's certificate host, the certificate chains to a trusted root and is
 * issued to Microsoft Corporation, and the signature verifies over the raw body bytes.
 * https://learn.microsoft.com/partner-center/developer/partner-center-webhooks#how-to-authenticate-the-callback
 * Certificates are cached by URL for an hour.
 */
export class WebhookVerifier {
  private readonly roots: X509Certificate[];
  private readonly cache = new Map<string, { cert: X509Certificate; until: number }>();
  private readonly now: () => Date;

  constructor(private readonly options: WebhookVerifierOptions) {
    this.roots = [
      ...rootCertificates.flatMap(certificates),
      ...(options.extraTrustedRootsPem ? certificates(options.extraTrustedRootsPem) : []),
    ];
    this.now = options.now ?? (() => new Date());
  }

  async verify(
    headers: Record<string, string | string[] | undefined>,
    rawBody: Buffer,
  ): Promise<Verification> {
    const authorization = header(headers, 'authorization') ?? '';
    const m = /^Signature ([A-Za-z0-9+/]+={0,2})$/i.exec(authorization.trim());
    if (!m) return { ok: false, reason: 'missing or malformed Authorization: Signature header' };
    const signature = Buffer.from(m[1] ?? '', 'base64');
    if ((header(headers, 'x-ms-signature-algorithm') ?? '').toLowerCase() !== 'rsa-sha256')
      return { ok: false, reason: 'unsupported or missing x-ms-signature-algorithm' };
    const certUrl = header(headers, 'x-ms-certificate-url');
    if (!certUrl) return { ok: false, reason: 'missing x-ms-certificate-url' };
    let url: URL;
    try {
      url = new URL(certUrl);
    } catch {
      return { ok: false, reason: 'x-ms-certificate-url is not a URL' };
    }
    if (url.protocol !== 'https:') return { ok: false, reason: 'certificate URL is not https' };
    if (url.host.toLowerCase() !== this.options.certificateHost.toLowerCase())
      return { ok: false, reason: 'certificate URL is not on the certificate host' };
    if (url.username || url.password || url.search || url.hash || !CERT_PATH.test(url.pathname))
      return { ok: false, reason: 'certificate URL has an unexpected shape' };

    let cert: X509Certificate;
    try {
      cert = await this.certificate(url);
    } catch (error) {
      return {
        ok: false,
        reason: `certificate could not be fetched: ${errorMessage(error)}`,
      };
    }
    const now = this.now().getTime();
    if (Date.parse(cert.validFrom) > now || Date.parse(cert.validTo) < now)
      return { ok: false, reason: 'certificate is not valid now' };
    if (!(await this.chainsToTrustedRoot(cert, now, 3))) {
      return { ok: false, reason: 'certificate does not chain to a trusted root' };
    }
    if (!/(^|\n|,\s*)O=Microsoft Corporation(\n|,|$)/.test(cert.issuer))
      return { ok: false, reason: 'certificate is not issued by Microsoft Corporation' };
    if (!verify('sha256', rawBody, cert.publicKey, signature))
      return { ok: false, reason: 'signature does not match the body' };
    return { ok: true };
  }

  /**
   * Issued by a trusted root, or by an intermediate (fetched from the certificate's Authority
   * Information Access "CA Issuers" URL, as Windows' chain engine does) that chains to one.
   */
  private async chainsToTrustedRoot(cert: X509Certificate, now: number, depth: number): Promise<boolean> {
    if (
      this.roots.some(
        (root) => cert.checkIssued(root) && cert.verify(root.publicKey) && Date.parse(root.validTo) > now,
      )
    )
      return true;
    if (depth === 0) return false;
    const issuerUrl = /CA Issuers - URI:(\S+)/.exec(cert.infoAccess ?? '')?.[1];
    if (!issuerUrl) return false;
    let intermediate: X509Certificate;
    try {
      intermediate = await this.certificate(new URL(issuerUrl));
    } catch {
      return false;
    }
    const usable =
      intermediate.ca &&
      Date.parse(intermediate.validTo) > now &&
      cert.checkIssued(intermediate) &&
      cert.verify(intermediate.publicKey);
    return usable && (await this.chainsToTrustedRoot(intermediate, now, depth - 1));
  }

  private async certificate(url: URL): Promise<X509Certificate> {
    const cached = this.cache.get(url.href);
    if (cached && cached.until > Date.now()) return cached.cert;
    const request = url.protocol === 'http:' ? httpRequest : httpsRequest;
    const ca = this.options.downloadCa && url.protocol === 'https:' ? { ca: this.options.downloadCa } : {};
    const bytes = await new Promise<Buffer>((resolve, reject) => {
      const req = request(url, { method: 'GET', timeout: 5000, ...ca }, (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          reject(new Error(`status ${res.statusCode}`));
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > 32 * 1024) req.destroy(new Error('certificate too large'));
          else chunks.push(c);
        });
        res.on('end', () => resolve(Buffer.concat(chunks)));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error('timed out')));
      req.on('error', reject);
      req.end();
    });
    const cert = new X509Certificate(bytes);
    this.cache.set(url.href, { cert, until: Date.now() + CACHE_MS });
    return cert;
  }
}
