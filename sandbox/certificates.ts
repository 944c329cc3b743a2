// @peculiar/x509 resolves its services through tsyringe, which needs the Reflect metadata polyfill.
import 'reflect-metadata';
import { webcrypto, X509Certificate } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

type KeyPair = webcrypto.CryptoKeyPair;

const ALG = {
  name: 'RSASSA-PKCS1-v1_5',
  hash: 'SHA-256',
  publicExponent: new Uint8Array([1, 0, 1]),
  modulusLength: 2048,
};

export interface Issued {
  certPem: string;
  keyPem: string;
}

export interface SandboxPki {
  /** Root that issues the simulators' TLS certificate: clients trust it through TLS_CA_FILE. */
  tlsRoot: Issued;
  tls: Issued;
  /** Stand-in for the public root that Microsoft's webhook certificate chains to. */
  webhookRoot: Issued;
  /** Partner Center's signing certificate, as published on the certificate host. */
  webhookSigner: Issued;
  /** A look-alike: says Microsoft Corporation, but no trusted root issued it. */
  impostorSigner: Issued;
  /** Trusted chain, wrong organisation. */
  otherOrgSigner: Issued;
  /** Both roots, PEM: what TLS_CA_FILE points at in the sandbox. */
  trustedRootsPem: string;
}

async function keyPair() {
  return (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as KeyPair;
}

async function pem(keys: KeyPair, cert: x509.X509Certificate): Promise<Issued> {
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const keyPem = `-----BEGIN PRIVATE KEY-----\n${pkcs8
    .toString('base64')
    .match(/.{1,64}/g)!
    .join('\n')}\n-----END PRIVATE KEY-----\n`;
  return { certPem: cert.toString('pem'), keyPem };
}

const days = (n: number) => new Date(Date.now() + n * 86_400_000);

async function root(name: string) {
  const keys = await keyPair();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name,
    notBefore: days(-1),
    notAfter: days(3650),
    signingAlgorithm: ALG,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 1, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    ],
  });
  return { keys, cert };
}

async function leaf(
  issuer: { keys: KeyPair; cert: x509.X509Certificate },
  subject: string,
  extensions: x509.Extension[] = [],
) {
  const keys = await keyPair();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: Date.now().toString(16),
    subject,
    issuer: issuer.cert.subject,
    notBefore: days(-1),
    notAfter: days(825),
    signingAlgorithm: ALG,
    publicKey: keys.publicKey,
    signingKey: issuer.keys.privateKey,
    extensions: [new x509.BasicConstraintsExtension(false, undefined, true), ...extensions],
  });
  return pem(keys, cert);
}

/** Generates the sandbox's certificates at start-up: nothing secret is stored in the repository. */
export async function createSandboxPki(): Promise<SandboxPki> {
  const tlsRoot = await root('CN=CSP Reinstatement Sandbox TLS Root, O=Sandbox');
  const tls = await leaf(tlsRoot, 'CN=127.0.0.1, O=Sandbox', [
    new x509.SubjectAlternativeNameExtension([
      { type: 'ip', value: '127.0.0.1' },
      { type: 'dns', value: 'localhost' },
    ]),
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
  ]);
  const webhookRoot = await root(
    'CN=Sandbox Microsoft Root Certificate Authority, O=Microsoft Corporation, C=US',
  );
  const webhookSigner = await leaf(
    webhookRoot,
    'CN=pcnotifications-dispatch.microsoft.com, O=Microsoft Corporation, C=US',
  );
  const impostorRoot = await root('CN=Microsoft Root Certificate Authority, O=Microsoft Corporation, C=US');
  const impostorSigner = await leaf(
    impostorRoot,
    'CN=pcnotifications-dispatch.microsoft.com, O=Microsoft Corporation, C=US',
  );
  const otherOrgSigner = await leaf(
    tlsRoot,
    'CN=pcnotifications-dispatch.microsoft.com, O=Contoso Ltd, C=US',
  );
  const tlsRootPem = await pem(tlsRoot.keys, tlsRoot.cert);
  const webhookRootPem = await pem(webhookRoot.keys, webhookRoot.cert);
  return {
    tlsRoot: tlsRootPem,
    tls,
    webhookRoot: webhookRootPem,
    webhookSigner,
    impostorSigner,
    otherOrgSigner,
    trustedRootsPem: `${tlsRootPem.certPem.trim()}\n${webhookRootPem.certPem.trim()}\n`,
  };
}

/** A self-signed certificate with its key, as an app registration's credential. */
export async function appCredentialCertificate(subject = 'CN=CSP Reinstatement App'): Promise<Issued> {
  const { keys, cert } = await root(subject);
  return pem(keys, cert);
}

/** DER bytes of a PEM certificate: what a `.cer` download serves. */
export function derOf(certPem: string): Buffer {
  return Buffer.from(new X509Certificate(certPem).raw);
}
