import * as df from 'durable-functions';
import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { BulkStarts } from '../../shared/api/bulkStarts';
import { CheckUnavailableError, StateConflictError } from '../../shared/api/errors';
import { webhookCallbackUrl } from '../../shared/api/partnerCenterInbox';
import { problemFor } from '../../shared/api/problem';
import { ReinstatementService } from '../../shared/api/reinstatementService';
import { mayDo } from '../../shared/api/signedInPerson';
import {
  confirmBody,
  CONSOLE_ACTIONS,
  detailBody,
  isConsoleAction,
  type ConsoleAction,
} from '../../shared/console/detailPage';
import { consolePage, CONSOLE, when } from '../../shared/console/layout';
import { listBody } from '../../shared/console/listPage';
import { overviewBody } from '../../shared/console/overviewPage';
import {
  exportCsv,
  filtered,
  overviewOf,
  pageOf,
  tableQueryFrom,
} from '../../shared/console/reinstatementQueries';
import {
  bulkJobBody,
  bulkPreviewBody,
  bulkUploadBody,
  startBody,
  startFormBody,
  startFormFrom,
  prefilledStart,
} from '../../shared/console/startPages';
import { accessBody, accessQueryFrom, accessView } from '../../shared/console/accessPage';
import { ValidationError } from '../../shared/model/validationError';
import { checkBody } from '../../shared/api/requestBody';
import { html, type Html } from '../../shared/web/html';
import { signedIn, type PersonScope } from './signedIn';

/**
 * The partner's console: pages rendered here from the same services the API uses, for people signed
 * in with App Service authentication (see signedIn.ts for who may do what).
 */
const service = (scope: PersonScope) => new ReinstatementService(scope.app, scope.workflow);
const page = (scope: PersonScope, title: string, body: Html, options = {}) =>
  consolePage(title, scope.person, scope.app.config.partner.displayName, body, options);
const seeOther = (location: string): HttpResponseInit => ({ status: 303, headers: { Location: location } });
const MAX_FORM_BYTES = 20 * 1024 * 1024;

async function formOf(request: HttpRequest): Promise<URLSearchParams> {
  const text = await request.text();
  checkBody(request.headers.get('content-type'), Buffer.byteLength(text), text, {
    accept: ['application/x-www-form-urlencoded'],
    maxBytes: MAX_FORM_BYTES,
  });
  return new URLSearchParams(text);
}

export async function overview(_request: HttpRequest, scope: PersonScope): Promise<HttpResponseInit> {
  const [rows, backlog, readiness, partnerCenter] = await Promise.all([
    scope.app.repository.listSummaries(),
    scope.app.mail.backlog(),
    scope.app.readiness.read(),
    scope.app.partnerCenterBudget.usage(),
  ]);
  return page(
    scope,
    'Overview',
    overviewBody(
      overviewOf(rows),
      backlog,
      { readiness, mayRegister: mayDo(scope.person, 'operate') },
      partnerCenter,
    ),
  );
}

/** Registers (or completes) the Partner Center webhook and sends its test event, as the API's readiness POST. */
export async function registerWebhook(_request: HttpRequest, scope: PersonScope): Promise<HttpResponseInit> {
  await scope.app.readiness.ensure(webhookCallbackUrl(scope.app.config), { validate: true, waitMs: 20_000 });
  return seeOther(CONSOLE);
}

export async function list(request: HttpRequest, scope: PersonScope): Promise<HttpResponseInit> {
  const query = tableQueryFrom(new URL(request.url).searchParams);
  const rows = filtered(await scope.app.repository.listSummaries(), query);
  const shown = pageOf(rows, query);
  return page(scope, 'Reinstatements', listBody(shown.items, query, { ...shown, total: rows.length }));
}

export async function exportList(request: HttpRequest, scope: PersonScope): Promise<HttpResponseInit> {
  const query = tableQueryFrom(new URL(request.url).searchParams);
  const rows = filtered(await scope.app.repository.listSummaries(), query);
  return {
    headers: {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': 'attachment; filename="reinstatements.csv"',
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
    },
    body: exportCsv(rows),
  };
}

export async function detail(request: HttpRequest, scope: PersonScope): Promise<HttpResponseInit> {
  const r = await service(scope).get(request.params.id ?? '');
  const done = new URL(request.url).searchParams.get('done') ?? '';
  const notice = isConsoleAction(done)
    ? { text: CONSOLE_ACTIONS[done].done }
    : done === 'started'
      ? { text: await startedNotice(scope, r.state) }
      : undefined;
  return page(
    scope,
    r.customerName,
    detailBody(r, { mayOperate: mayDo(scope.person, 'operate'), ...(notice ? { notice } : {}) }),
  );
}

/** Right after a person's start: when its invitation is expected, at the mail pace. */
async function startedNotice(scope: PersonScope, state: string): Promise<Html> {
  if (state !== 'Requested') return html`Started; the invitation has been sent.`;
  const by = await scope.app.mail.expectedSendBy('people');
  return html`Started. The invitation goes out by ${when(by)} at the latest, ahead of any bulk job's mail.`;
}

export async function confirm(request: HttpRequest, scope: PersonScope): Promise<HttpResponseInit> {
  const action = request.params.action ?? '';
  const r = await service(scope).get(request.params.id ?? '');
  if (!isConsoleAction(action)) return seeOther(`${CONSOLE}/reinstatements/${r.id}`);
  return page(scope, CONSOLE_ACTIONS[action].label, confirmBody(r, action));
}

const PERFORM: Record<ConsoleAction, (s: ReinstatementService, id: string, by: string) => Promise<unknown>> =
  {
    acceptance: (s, id, by) => s.confirmAcceptance(id, by),
    resend: (s, id, by) => s.resend(id, by),
    verify: (s, id, by) => s.verifyOne(id, 'partner', by),
    cancel: (s, id, by) => s.cancel(id, by),
    retry: (s, id, by) => s.retry(id, by),
  };

/** An action, then back to the reinstatement with what came of it; a refusal is shown on the page. */
export async function act(request: HttpRequest, scope: PersonScope): Promise<HttpResponseInit> {
  const action = request.params.action ?? '';
  const id = request.params.id ?? '';
  if (!isConsoleAction(action))
    return problemFor(ValidationError.single('action', `must be one of ${Object.keys(PERFORM).join(', ')}`));
  try {
    await PERFORM[action](service(scope), id, scope.by);
  } catch (error) {
    if (!(error instanceof StateConflictError) && !(error instanceof ValidationError)) throw error;
    const r = await service(scope).get(id);
    return page(
      scope,
      r.customerName,
      detailBody(r, { mayOperate: true, notice: { text: error.message, bad: true } }),
      {
        status: error instanceof StateConflictError ? 409 : 400,
      },
    );
  }
  return seeOther(`${CONSOLE}/reinstatements/${id}?done=${action}`);
}

/** The form, filled in for one customer's subscription when the Access page links to it. */
export async function startForm(request: HttpRequest, scope: PersonScope): Promise<HttpResponseInit> {
  const defaultLanguage = scope.app.config.partner.defaultLanguage;
  const { form, notice } = await prefilledStart(scope.app, new URL(request.url).searchParams);
  return page(scope, 'Start a reinstatement', startFormBody(form, [], defaultLanguage, notice));
}

/** Every customer's Azure subscriptions from the latest finished scan, in people's words. */
export async function access(request: HttpRequest, scope: PersonScope): Promise<HttpResponseInit> {
  const query = accessQueryFrom(new URL(request.url).searchParams);
  const view = await accessView(scope.app, query);
  const body = accessBody(view, query, { mayOperate: mayDo(scope.person, 'operate') });
  return page(scope, 'Access', body, query.unknownChange !== undefined ? { status: 400 } : {});
}

/** The form's values go through the API's own validation; its field messages come back on the form. */
export async function start(request: HttpRequest, scope: PersonScope): Promise<HttpResponseInit> {
  const form = startFormFrom(await formOf(request));
  try {
    const result = await service(scope).start(startBody(form), scope.by);
    return seeOther(
      `${CONSOLE}/reinstatements/${result.id}${result.kind === 'started' ? '?done=started' : ''}`,
    );
  } catch (error) {
    // Partner Center could not be asked before the start: the form stays filled in, saying so.
    const issues =
      error instanceof ValidationError
        ? error.issues
        : error instanceof CheckUnavailableError
          ? [{ field: 'body', pointer: '', label: 'Before starting', rule: error.message }]
          : undefined;
    if (!issues) throw error;
    return page(
      scope,
      'Start a reinstatement',
      startFormBody(form, issues, scope.app.config.partner.defaultLanguage),
      { status: error instanceof CheckUnavailableError ? 503 : 400 },
    );
  }
}

export async function bulkUpload(_request: HttpRequest, scope: PersonScope): Promise<HttpResponseInit> {
  return page(scope, 'Bulk start', bulkUploadBody(undefined, scope.app.config.partner.defaultLanguage));
}

/** The uploaded CSV, every row checked, nothing written. */
export async function bulkPreview(request: HttpRequest, scope: PersonScope): Promise<HttpResponseInit> {
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > MAX_FORM_BYTES)
    return page(
      scope,
      'Bulk start',
      bulkUploadBody('The file is larger than 20 MB.', scope.app.config.partner.defaultLanguage),
      { status: 413 },
    );
  const file = (await request.formData()).get('file');
  const csv = typeof file === 'string' ? file : file ? await file.text() : '';
  try {
    const preview = new BulkStarts(scope.app, scope.workflow).preview({ contentType: 'text/csv', text: csv });
    return page(scope, 'Bulk start: check the rows', bulkPreviewBody(csv, preview));
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    return page(
      scope,
      'Bulk start',
      bulkUploadBody(`Nothing was started: ${error.message}`, scope.app.config.partner.defaultLanguage),
      {
        status: 400,
      },
    );
  }
}

export async function bulkStart(request: HttpRequest, scope: PersonScope): Promise<HttpResponseInit> {
  const csv = (await formOf(request)).get('csv') ?? '';
  try {
    const submission = await new BulkStarts(scope.app, scope.workflow).submit(
      { contentType: 'text/csv', text: csv },
      scope.by,
    );
    if (submission.kind === 'noValidRow')
      return page(
        scope,
        'Bulk start',
        bulkUploadBody(
          'Nothing was started: not one row is valid.',
          scope.app.config.partner.defaultLanguage,
        ),
        {
          status: 400,
        },
      );
    return seeOther(`${CONSOLE}/bulk/${submission.job.id}`);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    return page(
      scope,
      'Bulk start',
      bulkUploadBody(`Nothing was started: ${error.message}`, scope.app.config.partner.defaultLanguage),
      {
        status: 400,
      },
    );
  }
}

export async function bulkJob(request: HttpRequest, scope: PersonScope): Promise<HttpResponseInit> {
  const job = await new BulkStarts(scope.app, scope.workflow).status(request.params.jobId ?? '', {
    pageSize: '5000',
  });
  return page(scope, `Bulk start ${job.id}`, bulkJobBody(job), job.done ? {} : { refreshSeconds: 3 });
}

const routes: [string, string, 'GET' | 'POST', ReturnType<typeof signedIn>][] = [
  ['consoleOverview', 'console', 'GET', signedIn('read', overview)],
  ['consoleWebhook', 'console/webhook', 'POST', signedIn('operate', registerWebhook)],
  ['consoleList', 'console/reinstatements', 'GET', signedIn('read', list)],
  ['consoleAccess', 'console/access', 'GET', signedIn('read', access)],
  ['consoleExport', 'console/reinstatements.csv', 'GET', signedIn('read', exportList, 'data')],
  ['consoleDetail', 'console/reinstatements/{id}', 'GET', signedIn('read', detail)],
  [
    'consoleConfirm',
    'console/reinstatements/{id}/confirm/{action:alpha}',
    'GET',
    signedIn('operate', confirm),
  ],
  ['consoleAction', 'console/reinstatements/{id}/{action:alpha}', 'POST', signedIn('operate', act)],
  ['consoleStartForm', 'console/start', 'GET', signedIn('operate', startForm)],
  ['consoleStart', 'console/start', 'POST', signedIn('operate', start)],
  ['consoleBulkUpload', 'console/bulk', 'GET', signedIn('operate', bulkUpload)],
  ['consoleBulkPreview', 'console/bulk/preview', 'POST', signedIn('operate', bulkPreview)],
  ['consoleBulkStart', 'console/bulk/start', 'POST', signedIn('operate', bulkStart)],
  ['consoleBulkJob', 'console/bulk/{jobId}', 'GET', signedIn('read', bulkJob)],
];
for (const [name, route, method, handler] of routes)
  df.app.client.http(name, { route, methods: [method], authLevel: 'anonymous', handler });
