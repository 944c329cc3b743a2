import * as df from 'durable-functions';
import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { problem } from '../../shared/api/problem';
import { MAIL_TEMPLATE_KINDS, type MailTemplateKind } from '../../shared/email/templates/mailTemplate';
import { sampleMail } from '../../shared/email/templates/sampleMails';
import { LANGUAGE_RULE, parseLanguage } from '../../shared/model/languages';
import { ValidationError } from '../../shared/model/validationError';
import { serve, type RequestScope } from './serve';

const isKind = (kind: string): kind is MailTemplateKind =>
  (MAIL_TEMPLATE_KINDS as readonly string[]).includes(kind);

/**
 * Any mail kind for a sample reinstatement, as the partner's templates word it, in a language
 * (`?language=`, the default language when absent): HTML, or `?format=text`.
 */
export async function mailPreview(request: HttpRequest, scope: RequestScope): Promise<HttpResponseInit> {
  const kind = request.params.kind ?? '';
  if (!isKind(kind)) return problem(404, 'No such mail', `Mails are ${MAIL_TEMPLATE_KINDS.join(', ')}.`);
  const asked = request.query.get('language');
  const language = asked === null ? scope.app.config.partner.defaultLanguage : parseLanguage(asked);
  if (!language) throw ValidationError.single('language', LANGUAGE_RULE);
  const mail = sampleMail(scope.app.config, kind, language);
  const text = request.query.get('format') === 'text';
  return {
    status: 200,
    headers: {
      'Content-Language': mail.language,
      'Content-Type': text ? 'text/plain; charset=utf-8' : 'text/html; charset=utf-8',
      'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'",
      'X-Mail-Subject': encodeURIComponent(mail.subject),
    },
    body: text ? `Subject: ${mail.subject}\n\n${mail.text}` : mail.html,
  };
}

df.app.client.http('mailPreview', {
  route: 'mails/preview/{kind}',
  methods: ['GET'],
  authLevel: 'function',
  handler: serve(mailPreview),
});
