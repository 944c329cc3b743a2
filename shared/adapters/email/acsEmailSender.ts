import { EmailClient, type EmailMessage } from '@azure/communication-email';
import { createCommunicationAuthPolicy, parseClientArguments } from '@azure/communication-common';
import {
  createDefaultHttpClient,
  createPipelineFromOptions,
  createPipelineRequest,
  isRestError,
  type Pipeline,
} from '@azure/core-rest-pipeline';
import type { TokenCredential } from '@azure/identity';
import type { AppConfig } from '../../config/appConfig';
import { addMicrosoftApiTelemetry, microsoftApiTelemetry } from '../../telemetry/microsoftApiSpans';
import { failureFor, type Failure } from '../outcomes';
import { tlsOptions } from '../../../lib/azure/tls';
import { errorMessage } from '../../../lib/errors';

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** Where the recipient's answer goes (the partner's support address), instead of the sender. */
  replyTo?: string;
}

export type SendAttempt =
  /** ACS took the mail (202): from here on it is sent, whatever later status calls say or fail to say. */
  | { kind: 'accepted'; operationId: string; status?: string }
  /** ACS no longer tracks this Repeatability-Request-Id (412): it cannot say whether it was sent. */
  | { kind: 'windowExpired' }
  | { kind: 'failed'; failure: Failure };

export type OperationStatus = { kind: 'known'; status: string } | { kind: 'unknown'; failure: Failure };

export interface EmailSender {
  send(mail: OutgoingMail, repeatability: { requestId: string; firstSent: string }): Promise<SendAttempt>;
  status(operationId: string): Promise<OperationStatus>;
}

/** The Email REST API version the SDK speaks; status calls use the same one. */
const API_VERSION = '2025-09-01';

/**
 * Sends through Azure Communication Services Email with the repeatable-request headers
 * (Repeatability-Request-Id, Repeatability-First-Sent; the JS SDK does not add them itself), so a
 * retry of the same send within ACS's 5-minute tracking window is answered with the first result
 * instead of a second mail. https://learn.microsoft.com/rest/api/communication/repeatable-requests
 *
 * The send answers 202 with the operation id; the SDK then polls
 * `GET /emails/operations/{id}` (https://learn.microsoft.com/rest/api/communication/dataplane/email/get-send-result).
 * The id is taken from the 202 itself, so a poll that fails never turns an accepted mail into a
 * failed one.
 */
export class AcsEmailSender implements EmailSender {
  private readonly client: EmailClient;
  private readonly statusPipeline: Pipeline;
  private readonly endpoint: string;

  constructor(
    private readonly config: AppConfig,
    credential?: TokenCredential,
  ) {
    // No retries inside the call: a 429's Retry-After can be a minute or more, and the workflow waits
    // that out on a durable timer rather than holding an activity (and its host) hostage.
    const options = { retryOptions: { maxRetries: 0 }, ...tlsOptions(config.identity.caFile) };
    const traced = { ...options, ...microsoftApiTelemetry('ACS Email') };
    const acs = config.email.acs;
    this.client =
      acs.kind === 'connectionString'
        ? new EmailClient(acs.connectionString, traced)
        : new EmailClient(acs.endpoint, credential ?? missingCredential(), traced);
    const parsed =
      acs.kind === 'connectionString'
        ? parseClientArguments(acs.connectionString)
        : { url: acs.endpoint, credential: credential ?? missingCredential() };
    this.endpoint = parsed.url.replace(/\/+$/, '');
    this.statusPipeline = createPipelineFromOptions(options);
    this.statusPipeline.addPolicy(createCommunicationAuthPolicy(parsed.credential));
    addMicrosoftApiTelemetry(this.statusPipeline, 'ACS Email');
  }

  async send(
    mail: OutgoingMail,
    repeatability: { requestId: string; firstSent: string },
  ): Promise<SendAttempt> {
    const message: EmailMessage = {
      senderAddress: this.config.email.senderAddress,
      recipients: { to: [{ address: mail.to }] },
      content: { subject: mail.subject, plainText: mail.text, html: mail.html },
      ...(mail.replyTo ? { replyTo: [{ address: mail.replyTo }] } : {}),
    };
    let acceptedId: string | undefined;
    try {
      const poller = await this.client.beginSend(message, {
        updateIntervalInMs: 1000,
        requestOptions: {
          customHeaders: {
            'Repeatability-Request-Id': repeatability.requestId,
            'Repeatability-First-Sent': repeatability.firstSent,
          },
        },
        onResponse: (response) => {
          if (response.request.method === 'POST' && response.status === 202)
            acceptedId = operationIdOf(response.parsedBody, response.headers.get('operation-location'));
        },
      });
      const state = poller.getOperationState();
      const id = acceptedId ?? state.result?.id;
      if (!id)
        return { kind: 'failed', failure: { kind: 'transient', message: 'ACS Email: no operation id' } };
      return { kind: 'accepted', operationId: id, status: state.result?.status ?? 'Running' };
    } catch (error) {
      if (acceptedId) return { kind: 'accepted', operationId: acceptedId };
      const status = isRestError(error) ? error.statusCode : undefined;
      if (status === 412) return { kind: 'windowExpired' };
      const retryAfter = isRestError(error) ? error.response?.headers.get('retry-after') : undefined;
      return { kind: 'failed', failure: failureFor(status, `ACS Email: ${message_(error)}`, retryAfter) };
    }
  }

  async status(operationId: string): Promise<OperationStatus> {
    const request = createPipelineRequest({
      url: `${this.endpoint}/emails/operations/${encodeURIComponent(operationId)}?api-version=${API_VERSION}`,
      method: 'GET',
      timeout: 15_000,
    });
    try {
      const response = await this.statusPipeline.sendRequest(createDefaultHttpClient(), request);
      if (response.status !== 200)
        return {
          kind: 'unknown',
          failure: failureFor(
            response.status,
            `ACS Email status: ${response.status}`,
            response.headers.get('retry-after'),
          ),
        };
      const body = JSON.parse(response.bodyAsText ?? '{}') as { status?: unknown };
      return typeof body.status === 'string'
        ? { kind: 'known', status: body.status }
        : { kind: 'unknown', failure: { kind: 'transient', message: 'ACS Email status: no status' } };
    } catch (error) {
      return { kind: 'unknown', failure: failureFor(undefined, `ACS Email status: ${message_(error)}`) };
    }
  }
}

function operationIdOf(body: unknown, location: string | undefined): string | undefined {
  const id = (body as { id?: unknown } | undefined)?.id;
  if (typeof id === 'string' && id) return id;
  return location ? /\/emails\/operations\/([^/?]+)/.exec(location)?.[1] : undefined;
}

function message_(error: unknown): string {
  return errorMessage(error).slice(0, 200);
}

function missingCredential(): never {
  throw new Error('ACS_ENDPOINT needs a token credential (managed identity)');
}
