import type { TokenCredential } from '@azure/identity';
import { createPrivateKey, randomUUID, sign, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { AppConfig } from '../../config/appConfig';

/** The form fields by which the partner app proves itself to a token endpoint. */
export type ClientAuthentication = (tokenEndpoint: string) => Promise<Record<string, string>>;

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/**
 * The partner app's credential as token-request fields, for the requests @azure/identity does not
 * make (the refresh-token and authorization-code grants): a client secret, a certificate's signed
 * assertion, or a managed identity's token as a federated assertion.
 * https://learn.microsoft.com/entra/identity-platform/certificate-credentials
 * https://learn.microsoft.com/entra/workload-id/workload-identity-federation-config-app-trust-managed-identity
 */
export function clientAuthentication(
  config: AppConfig,
  managedIdentity: () => TokenCredential,
): ClientAuthentication {
  const { clientId, credential } = config.identity;
  switch (credential.kind) {
    case 'clientSecret':
      return () => Promise.resolve({ client_id: clientId, client_secret: credential.secret });
    case 'clientCertificate': {
      let certificate: { assertion: (audience: string) => string } | undefined;
      return (tokenEndpoint) => {
        certificate ??= certificateAssertions(clientId, readFileSync(credential.certificatePath, 'utf8'));
        return Promise.resolve({
          client_id: clientId,
          client_assertion_type: JWT_BEARER,
          client_assertion: certificate.assertion(tokenEndpoint),
        });
      };
    }
    case 'managedIdentityFederation':
      return async () => {
        const token = await managedIdentity().getToken('api://AzureADTokenExchange/.default');
        if (!token) throw new Error('the managed identity gave no token for api://AzureADTokenExchange');
        return { client_id: clientId, client_assertion_type: JWT_BEARER, client_assertion: token.token };
      };
  }
}

/**
 * Client assertions signed with the certificate's key: RS256, the certificate's SHA-1 thumbprint as
 * `x5t`, audience the token endpoint, valid ten minutes. The PEM holds the certificate and its key,
 * as ClientCertificateCredential takes it.
 */
export function certificateAssertions(
  clientId: string,
  pem: string,
): { assertion: (audience: string) => string } {
  const certificatePem = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(pem)?.[0];
  const keyPem =
    /-----BEGIN (?:RSA |EC )?PRIVATE KEY-----[\s\S]+?-----END (?:RSA |EC )?PRIVATE KEY-----/.exec(pem)?.[0];
  if (!certificatePem || !keyPem)
    throw new Error('the certificate file must hold a certificate and its private key (PEM)');
  const key = createPrivateKey(keyPem);
  const thumbprint = Buffer.from(new X509Certificate(certificatePem).fingerprint.replace(/:/g, ''), 'hex');
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return {
    assertion(audience) {
      const now = Math.floor(Date.now() / 1000);
      const unsigned = `${part({ alg: 'RS256', typ: 'JWT', x5t: thumbprint.toString('base64url') })}.${part({
        aud: audience,
        iss: clientId,
        sub: clientId,
        jti: randomUUID(),
        nbf: now,
        exp: now + 600,
      })}`;
      return `${unsigned}.${sign('sha256', Buffer.from(unsigned), key).toString('base64url')}`;
    },
  };
}
