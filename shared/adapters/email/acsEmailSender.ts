import { EmailClient, type EmailMessage } from '@azure/communication-email';
import { isRestError } from '@azure/core-rest-pipeline';
import type { TokenCredential } from '@azure/identity';
import type { AppConfig } from '../../config/appConfig';
import { failureFor, type Failure } from '../outcomes';
import { tlsOptions } from '../tls';

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html: string;
}

export type SendAttempt =
  | { kind: 'accepted'; operationId: string }
  /** ACS no longer tracks this Repeatability-Request-Id (412): it cannot say whether it was sent. */
  | { kind: 'windowExpired' }
  | { kind: 'failed'; failure: Failure };

export interface EmailSender {
  send(mail: OutgoingMail, repeatability: { requestId: string; firstSent: string }): Promise<SendAttempt>;
}

/**
 * Sends through Azure Communication Services Email with the repeatable-request headers
 * (Repeatability-Request-Id, Repeatability-First-Sent; the JS SDK does not add them itself), so a
 * retry of the same send within ACS's 5-minute tracking window is answered with the first result
 * instead of a second mail. https://learn.microsoft.com/rest/api/communication/repeatable-requests
 */
export class AcsEmailSender implements EmailSender {
  private readonly client: EmailClient;

  constructor(
    private readonly config: AppConfig,
    credential?: TokenCredential,
  ) {
    // No retries inside the call: a 429's Retry-After can be a minute or more, and the workflow waits
    // that out on a durable timer rather than holding an activity (and its host) hostage.
    const options = { retryOptions: { maxRetries: 0 }, ...tlsOptions(config) };
    const acs = config.email.acs;
    this.client =
      acs.kind === 'connectionString'
        ? new EmailClient(acs.connectionString, options)
        : new EmailClient(acs.endpoint, credential ?? missingCredential(), options);
  }

  async send(
    mail: OutgoingMail,
    repeatability: { requestId: string; firstSent: string },
  ): Promise<SendAttempt> {
    const message: EmailMessage = {
      senderAddress: this.config.email.senderAddress,
      recipients: { to: [{ address: mail.to }] },
      content: { subject: mail.subject, plainText: mail.text, html: mail.html },
    };
    try {
      const poller = await this.client.beginSend(message, {
        updateIntervalInMs: 1000,
        requestOptions: {
          customHeaders: {
            'Repeatability-Request-Id': repeatability.requestId,
            'Repeatability-First-Sent': repeatability.firstSent,
          },
        },
      });
      const operationId = poller.getOperationState().result?.id ?? (await poller.pollUntilDone()).id;
      return { kind: 'accepted', operationId };
    } catch (error) {
      const status = isRestError(error) ? error.statusCode : undefined;
      if (status === 412) return { kind: 'windowExpired' };
      const retryAfter = isRestError(error) ? error.response?.headers.get('retry-after') : undefined;
      return {
        kind: 'failed',
        failure: failureFor(
          status,
          `ACS Email: ${error instanceof Error ? error.message.slice(0, 200) : String(error)}`,
          retryAfter,
        ),
      };
    }
  }
}

function missingCredential(): never {
  throw new Error('ACS_ENDPOINT needs a token credential (managed identity)');
}
