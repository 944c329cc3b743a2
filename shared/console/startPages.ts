import type { BulkJobStatus } from '../api/bulkStarts';
import { CSV_COLUMNS } from '../api/bulkCsv';
import { LANGUAGES, languageInWords, parseLanguage, type Language } from '../model/languages';
import type { DescribedIssue, FieldIssue } from '../model/validationError';
import { csvColumnOf, fieldLabel } from '../model/fieldLabels';
import type { BulkRow, RowResult } from '../storage/bulkJobRepository';
import type { Container } from '../app/container';
import { isGuid, normalizeGuid } from '../model/identifiers';
import type { Reinstatement } from '../model/reinstatement';
import { allPages } from '../storage/reinstatementRepository';
import { dayInWords } from '../text/words';
import { CONSOLE, dataTable } from './layout';
import { html, type Html } from '../web/html';

/** What a person types into the start form, as the form names it. */
export interface StartForm {
  customerTenantId: string;
  customerName: string;
  contactName: string;
  contactEmail: string;
  /** One scope per line. */
  scopes: string;
  note: string;
  /** The customer's language tag; empty for the default language. */
  language: string;
}

export const START_FIELDS = [
  'customerTenantId',
  'customerName',
  'contactName',
  'contactEmail',
  'language',
  'scopes',
  'note',
] as const;

export function startFormFrom(form: URLSearchParams): StartForm {
  const value = (name: (typeof START_FIELDS)[number]) => form.get(name) ?? '';
  return {
    customerTenantId: value('customerTenantId').trim(),
    customerName: value('customerName'),
    contactName: value('contactName'),
    contactEmail: value('contactEmail').trim(),
    scopes: value('scopes'),
    note: value('note'),
    language: value('language'),
  };
}

/** The API's request body for what the form holds: the API's own validation then judges it. */
export function startBody(form: StartForm): Record<string, unknown> {
  return {
    customerTenantId: form.customerTenantId,
    customerName: form.customerName,
    contact: { name: form.contactName, email: form.contactEmail },
    scopes: form.scopes
      .split(/\r?\n/)
      .map((s) => s.trim())
      .filter(Boolean),
    ...(form.note.trim() ? { note: form.note } : {}),
    ...(form.language ? { language: form.language } : {}),
  };
}

/** The form field an API issue is about: `contact.email` → contactEmail, `scopes[1]` → scopes. */
export function formFieldOf(issue: FieldIssue): (typeof START_FIELDS)[number] | undefined {
  const field = issue.field.replace(/\[\d+\]$/, '').replace(/\[\d+\]\./, '.');
  const mapped =
    { 'contact.name': 'contactName', 'contact.email': 'contactEmail', contact: 'contactName' }[field] ??
    field;
  return (START_FIELDS as readonly string[]).includes(mapped)
    ? (mapped as (typeof START_FIELDS)[number])
    : undefined;
}

/** Each field under the name the API's problems give it (the vocabulary), with a hint. */
const LABELS: Record<(typeof START_FIELDS)[number], { label: string; hint?: string }> = {
  customerTenantId: {
    label: fieldLabel('customerTenantId'),
    hint: 'The customer’s Microsoft Entra tenant ID (a GUID).',
  },
  customerName: { label: fieldLabel('customerName') },
  contactName: {
    label: fieldLabel('contact.name'),
    hint: 'The customer’s admin who will accept and assign.',
  },
  contactEmail: { label: fieldLabel('contact.email') },
  scopes: {
    label: fieldLabel('scopes'),
    hint: 'One per line: a subscription ID, /subscriptions/<id>, or a resource group or resource under it.',
  },
  note: { label: `${fieldLabel('note')} to the customer (optional)`, hint: 'Quoted in the invitation.' },
  language: {
    label: 'Customer’s language',
    hint: 'The mails, the instructions page and the scripts’ comments are written in it; commands stay as Azure spells them.',
  },
};

/** A choice of every language, each in its own words and in English, the current one selected. */
function languageSelect(attrs: Html, chosen: Language): Html {
  // Under its own field, the rule says enough; one of several scope lines is named ("Azure scope 2").
  return html`<select ${attrs}>
    ${LANGUAGES.map(
      (language) =>
        html`<option value="${language}" ${language === chosen ? html` selected` : ''}>
          ${languageInWords(language)}
        </option>`,
    )}
  </select>`;
}

export const EMPTY_START_FORM: StartForm = {
  customerTenantId: '',
  customerName: '',
  contactName: '',
  contactEmail: '',
  scopes: '',
  note: '',
  language: '',
};

/** What the form was filled in from, said above it. */
export interface StartNotice {
  text: string;
  bad?: boolean;
}

/**
 * The start form for one customer's subscription, as the Access page links to it
 * (`?customerTenantId=&subscriptionId=`): the tenant and the scope from the address, taken only
 * when they are GUIDs; the name from the latest finished scan; the contact and language from the
 * customer's most recent reinstatement. Reads only.
 */
export async function prefilledStart(
  app: Pick<Container, 'scans' | 'repository'>,
  query: URLSearchParams,
): Promise<{ form: StartForm; notice?: StartNotice }> {
  const tenant = query.get('customerTenantId');
  const subscription = query.get('subscriptionId');
  if (tenant === null && subscription === null) return { form: EMPTY_START_FORM };
  if (!isGuid(tenant))
    return {
      form: EMPTY_START_FORM,
      notice: { text: 'The link’s customer tenant ID is not a GUID, so nothing was filled in.', bad: true },
    };
  const customerTenantId = normalizeGuid(tenant);
  const subscriptionId = isGuid(subscription) ? normalizeGuid(subscription) : undefined;
  const scanId = await app.scans.latestFinished();
  const [scanned, last] = await Promise.all([
    scanId ? app.scans.customerResults(scanId, customerTenantId) : Promise.resolve([]),
    lastReinstatementOf(app, customerTenantId),
  ]);
  const form: StartForm = {
    ...EMPTY_START_FORM,
    customerTenantId,
    customerName: scanned[0]?.customerName ?? last?.customerName ?? '',
    contactName: last?.contact.name ?? '',
    contactEmail: last?.contact.email ?? '',
    language: last?.language ?? '',
    scopes: subscriptionId ? `/subscriptions/${subscriptionId}` : '',
  };
  const sentences = [
    last
      ? `Filled in from this customer’s last reinstatement on ${dayInWords(last.createdAt)}; check the contact before starting.`
      : scanned.length
        ? 'Filled in from the latest scan; this customer has had no reinstatement, so add the contact before starting.'
        : 'This customer is in neither the latest scan nor any reinstatement: check the tenant ID and fill in the rest.',
    ...(subscription !== null && !subscriptionId
      ? ['The link’s subscription ID is not a GUID and was left out.']
      : subscriptionId && scanned.length && !scanned.some((r) => r.subscriptionId === subscriptionId)
        ? ['The latest scan does not list this Azure subscription for the customer; check it.']
        : []),
  ];
  return {
    form,
    notice: { text: sentences.join(' '), bad: sentences.length > 1 || (!last && !scanned.length) },
  };
}

/** The customer's most recent reinstatement, running or ended. */
async function lastReinstatementOf(
  app: Pick<Container, 'repository'>,
  customerTenantId: string,
): Promise<Reinstatement | undefined> {
  let last: Reinstatement | undefined;
  for await (const items of allPages((page) => app.repository.listByCustomer(customerTenantId, page)))
    for (const r of items) if (!last || r.createdAt > last.createdAt) last = r;
  return last;
}

export function startFormBody(
  form: StartForm,
  issues: readonly DescribedIssue[],
  defaultLanguage: Language = 'en',
  notice?: StartNotice,
): Html {
  // Under its own field, the rule says enough; one of several scope lines is named ("Azure scope 2").
  const errors = (name: (typeof START_FIELDS)[number]) =>
    issues
      .filter((i) => formFieldOf(i) === name)
      .map((i) => (i.label === LABELS[name].label ? i.rule : `${i.label}: ${i.rule}`));
  const other = issues.filter((i) => !formFieldOf(i));
  const field = (name: (typeof START_FIELDS)[number], multiline = false) => {
    const e = errors(name);
    const { label, hint } = LABELS[name];
    const described = [hint ? `${name}-hint` : '', e.length ? `${name}-error` : ''].filter(Boolean).join(' ');
    const attrs = html`id="${name}"
    name="${name}"${described ? html` aria-describedby="${described}"` : ''}${e.length ? html` aria-invalid="true"` : ''}${name !== 'note' ? html` required` : ''}`;
    return html`<div class="field">
      <label for="${name}">${label}</label>${
        name === 'language'
          ? languageSelect(attrs, parseLanguage(form.language) ?? defaultLanguage)
          : multiline
            ? html`<textarea ${attrs} rows="3">${form[name]}</textarea>`
            : html`<input
                ${attrs}
                value="${form[name]}"
                ${name === 'contactEmail' ? html` type="email"` : ''}
              />`
      }${hint ? html`<p class="hint" id="${name}-hint">${hint}</p>` : ''}${e.length ? html`<p class="error" id="${name}-error">${e.join('; ')}</p>` : ''}
    </div>`;
  };
  return html`<h1>Start a reinstatement</h1>
    ${notice ? html`<p class="notice${notice.bad ? ' bad' : ''}" role="status">${notice.text}</p>` : ''}
    ${
      issues.length
        ? html`<div class="notice bad" role="alert">
            <p>
              Nothing was started: ${issues.length} thing${issues.length === 1 ? ' needs' : 's need'} fixing.
            </p>
            ${
              other.length
                ? html`<ul>
                    ${other.map((i) => html`<li>${i.label}: ${i.rule}</li>`)}
                  </ul>`
                : ''
            }
          </div>`
        : ''
    }
    <form method="post" action="${CONSOLE}/start" novalidate>
      ${field('customerTenantId')}${field('customerName')}${field('contactName')}${field('contactEmail')}${field('language')}${field('scopes', true)}${field('note', true)}
      <button type="submit">Start</button>
    </form>`;
}

/** Choose a CSV; its rows are checked and shown before anything starts. */
export function bulkUploadBody(problem?: string, defaultLanguage: Language = 'en'): Html {
  return html`<h1>Bulk start</h1>
    ${problem ? html`<p class="notice bad" role="alert">${problem}</p>` : ''}
    <p>
      Upload a CSV with the header <code>${CSV_COLUMNS.join(',')}</code> (several scopes separated by
      <code>;</code>; up to 5,000 rows). <code>delegatedAdmin</code>, <code>note</code> and
      <code>language</code> may be empty, and <code>language</code> may be left out: each customer is written
      to in their row’s language (${LANGUAGES.join(', ')}), or in ${languageInWords(defaultLanguage)} when it
      has none. Every row is checked first; you see the result before anything starts, and rows with mistakes
      are left out.
    </p>
    <form method="post" action="${CONSOLE}/bulk/preview" enctype="multipart/form-data">
      <div class="field">
        <label for="file">CSV file</label
        ><input id="file" name="file" type="file" accept=".csv,text/csv" required />
      </div>
      <button type="submit">Check the rows</button>
    </form>`;
}

export function bulkPreviewBody(
  csv: string,
  preview: { valid: BulkRow[]; invalidRows: RowResult[]; rows: number },
): Html {
  const invalid = preview.invalidRows.filter(
    (r): r is Extract<RowResult, { status: 'invalid' }> => r.status === 'invalid',
  );
  return html`<h1>Bulk start: check the rows</h1>
    <p role="status">
      ${preview.rows} rows: <strong>${preview.valid.length} ready to start</strong>,
      <strong>${invalid.length} with mistakes</strong> (left out).
    </p>
    ${
      invalid.length
        ? html`<h2>Rows with mistakes</h2>
            ${dataTable(
              ['Row', 'What is wrong'],
              invalid.map((r) => [r.row, issuesText(r.errors)]),
              { id: 'invalid-rows' },
            )}`
        : ''
    }
    ${preview.valid.length ? html`<form method="post" action="${CONSOLE}/bulk/start"><textarea name="csv" hidden aria-hidden="true">${csv}</textarea><button type="submit">Start the ${preview.valid.length} valid rows</button> <a class="button secondary" href="${CONSOLE}/bulk">Choose another file</a></form>` : html`<p><a href="${CONSOLE}/bulk">Choose another file</a></p>`}
    <h2>Rows ready to start</h2>
    ${dataTable(
      ['Row', 'Customer', 'Tenant id', 'Contact', 'Language', 'Scopes'],
      preview.valid
        .slice(0, 500)
        .map((r) => [
          r.row,
          r.request.customerName,
          html`<code>${r.request.customerTenantId}</code>`,
          r.request.contact.email,
          languageInWords(r.request.language),
          r.request.scopes.length,
        ]),
      { id: 'valid-rows' },
    )}
    ${preview.valid.length > 500 ? html`<p class="muted">The first 500 shown.</p>` : ''}`;
}

export function bulkJobBody(job: BulkJobStatus): Html {
  const c = job.counts;
  return html`<h1>Bulk start ${job.id}</h1>
    <p role="status">
      ${job.done ? 'Finished' : 'Starting…'}: ${c.started} started, ${c.existing} already running,
      ${c.invalid} with mistakes, ${c.failed} failed, ${c.pending} still to start (of ${job.rows}).
    </p>
    ${job.done ? '' : html`<p class="muted">This page refreshes every few seconds.</p>`}
    ${dataTable(
      ['Row', 'Result'],
      job.results.map((r) => [
        r.row,
        r.status === 'invalid'
          ? `invalid: ${issuesText(r.errors)}`
          : r.status === 'failed'
            ? `failed: ${r.error}`
            : html`${r.status}: <a href="${CONSOLE}/reinstatements/${r.id}">${r.id}</a>`,
      ]),
      { id: 'bulk-results' },
    )}`;
}

/** A CSV row's problems, named by the column the person filled in. */
const issuesText = (issues: readonly DescribedIssue[]) =>
  issues.map((e) => `${e.label} (column ${csvColumnOf(e.field)}): ${e.rule}`).join('; ');
