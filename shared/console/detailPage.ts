import { ACTION_STATES, type ReinstatementView } from '../api/reinstatementService';
import { languageInWords } from '../model/languages';
import type { ReinstatementState } from '../model/states';
import { CONSOLE, dataTable, stateBadge, when } from './layout';
import { ACTOR_LABELS, eventLabel } from '../vocabulary/events';
import { MAIL_STATE_WORDS, mailLabel } from '../vocabulary/mails';
import { FINDING_WORDS, SCOPE_STATUS_WORDS } from '../vocabulary/scopes';
import { wordsOfIdentifier } from '../text/words';
import { html, type Html } from '../web/html';

/** The partner's actions on one reinstatement: when each applies, and what confirming it means. */
export const CONSOLE_ACTIONS = {
  acceptance: {
    label: 'Confirm acceptance',
    when: ACTION_STATES.acceptance,
    confirm:
      'You saw in Partner Center that the customer accepted the reseller relationship. The workflow goes on as if Partner Center had told it: it looks up the partner group and mails the instructions.',
    done: 'Acceptance confirmed: the instructions go out next.',
  },
  resend: {
    label: 'Resend the current mail',
    when: ACTION_STATES.resend,
    confirm:
      'The customer gets the current step’s mail (invitation or instructions) again, in its place in the mail pace.',
    done: 'Resend requested: the mail goes out in its place in the pace.',
  },
  verify: {
    label: 'Check the role assignment now',
    when: ACTION_STATES.verify,
    confirm: 'Checks now whether the customer granted Owner to the partner group on each waiting scope.',
    done: 'Checked: the scopes below show what was found.',
  },
  cancel: {
    label: 'Cancel',
    when: ACTION_STATES.cancel,
    confirm:
      'The reinstatement stops for good: no reminder or other mail goes to the customer any more. This cannot be undone (start a new one instead).',
    done: 'Cancelled.',
  },
  retry: {
    label: 'Retry',
    when: ACTION_STATES.retry,
    confirm:
      'The reinstatement starts again from the step that failed. Mails already sent are not sent again.',
    done: 'Retrying from the step that failed.',
  },
} as const satisfies Record<
  string,
  { label: string; when: readonly ReinstatementState[]; confirm: string; done: string }
>;

export type ConsoleAction = keyof typeof CONSOLE_ACTIONS;

/**
 * An action named in a URL: one of the table's own keys (`in` would also take `constructor`,
 * `toString` and the other members every object inherits).
 */
export const isConsoleAction = (value: string): value is ConsoleAction =>
  Object.hasOwn(CONSOLE_ACTIONS, value);

export function possibleActions(state: ReinstatementState): ConsoleAction[] {
  return (Object.keys(CONSOLE_ACTIONS) as ConsoleAction[]).filter((a) =>
    (CONSOLE_ACTIONS[a].when as readonly ReinstatementState[]).includes(state),
  );
}

const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?Z$/;

/** An event's facts in words: "Clicks so far: 3 · Next attempt at: in 5 minutes". */
const detailsText = (details: Record<string, unknown>): Html[] =>
  Object.entries(details)
    .filter(([, v]) => v !== undefined && v !== '')
    .map(
      ([k, v], i) =>
        html`${i ? ' · ' : ''}${wordsOfIdentifier(k)}:
        ${typeof v === 'string' ? (ISO_TIME.test(v) ? when(v) : v) : JSON.stringify(v)}`,
    );

/** Everything about one reinstatement: scopes and their checks, the audit trail, the mails, the actions. */
export function detailBody(
  r: ReinstatementView,
  options: { mayOperate: boolean; notice?: { text: string | Html; bad?: boolean } },
): Html {
  const actions = options.mayOperate ? possibleActions(r.state) : [];
  return html`<p><a href="${CONSOLE}/reinstatements">← All reinstatements</a></p>
    <h1>${r.customerName} ${stateBadge(r.state)}</h1>
    ${options.notice ? html`<p class="notice${options.notice.bad ? ' bad' : ' ok'}" role="status">${options.notice.text}</p>` : ''}
    ${r.stateReason ? html`<p class="notice bad">${r.stateReason}</p>` : ''}
    ${r.trouble ? html`<p class="notice bad">Retrying ${r.trouble.step}: ${r.trouble.reason} (${r.trouble.attempts} attempts since ${when(r.trouble.since)}; next ${when(r.trouble.nextAttemptAt)}).</p>` : ''}
    <dl>
      <dt>Customer tenant</dt>
      <dd><code>${r.customerTenantId}</code></dd>
      <dt>Contact</dt>
      <dd>${r.contact.name} &lt;${r.contact.email}&gt;</dd>
      <dt>Writes to the customer in</dt>
      <dd>${r.language ? languageInWords(r.language) : 'the app’s default language'}</dd>
      <dt>Requested</dt>
      <dd>${when(r.createdAt)}; last change ${when(r.updatedAt)}</dd>
      ${
        r.note
          ? html`<dt>Note</dt>
              <dd>${r.note}</dd>`
          : ''
      }
    </dl>
    ${
      actions.length
        ? html`<h2>Actions</h2>
            <ul>
              ${actions.map(
                (a) =>
                  html`<li>
                    <a href="${CONSOLE}/reinstatements/${r.id}/confirm/${a}">${CONSOLE_ACTIONS[a].label}…</a>
                  </li>`,
              )}
            </ul>`
        : ''
    }
    <h2>Scopes</h2>
    ${dataTable(
      ['Scope', 'Status', 'Last check'],
      r.scopes.map((s) => [
        html`<code>${s.scope}</code>`,
        html`<span title="${SCOPE_STATUS_WORDS[s.status].explanation}"
            >${SCOPE_STATUS_WORDS[s.status].label}</span
          >${s.verifiedAt ? html` ${when(s.verifiedAt)}` : ''}`,
        s.lastCheck
          ? html`${when(s.lastCheck.at)}: ${FINDING_WORDS[s.lastCheck.finding].label} —
            ${s.lastCheck.explanation}`
          : html`<span class="muted">not checked yet</span>`,
      ]),
      { id: 'scopes' },
    )}
    <h2>Timeline</h2>
    <ol class="timeline" id="timeline">
      ${r.audit.map((a) => {
        const { by, ...facts } = a.details ?? {};
        const more = detailsText(facts);
        return html`<li>
          ${when(a.at)}
          <strong>${eventLabel(a.what)}</strong>${a.toState ? html` → ${stateBadge(a.toState)}` : ''}
          <span class="muted">by ${typeof by === 'string' ? by : ACTOR_LABELS[a.actor]}</span
          >${more.length ? html`<br /><span class="muted">${more}</span>` : ''}
        </li>`;
      })}
    </ol>
    <h2>Mails</h2>
    ${
      r.mails.length
        ? dataTable(
            ['Mail', 'To', 'Subject', 'State', 'Queued', 'Sent'],
            r.mails.map((m) => [
              mailLabel(m.kind, m.sequence),
              m.to,
              m.subject,
              html`<span title="${MAIL_STATE_WORDS[m.state].explanation}"
                  >${MAIL_STATE_WORDS[m.state].label}</span
                >${m.failure ? html`: ${m.failure}` : ''}`,
              when(m.queuedAt),
              when(m.sentAt),
            ]),
            { id: 'mails' },
          )
        : html`<p>No mail yet.</p>`
    }`;
}

/** "Are you sure?": what the action does, and the button that does it (a same-origin POST). */
export function confirmBody(r: ReinstatementView, action: ConsoleAction): Html {
  const a = CONSOLE_ACTIONS[action];
  return html`<h1>${a.label}: ${r.customerName}</h1>
    <p>${a.confirm}</p>
    <form method="post" action="${CONSOLE}/reinstatements/${r.id}/${action}">
      <button type="submit" ${action === 'cancel' ? html` class="danger"` : ''}>${a.label}</button>
      <a class="button secondary" href="${CONSOLE}/reinstatements/${r.id}">Back</a>
    </form>`;
}
