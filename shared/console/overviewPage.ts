import type { BudgetUsage } from '../adapters/partnerCenter/requestBudget';
import type { Readiness } from '../adapters/partnerCenter/webhookReadiness';
import type { Backlog } from '../email/dispatch';
import { FinalStates, ReinstatementStates } from '../model/states';
import { STATE_WORDS } from '../model/stateWords';
import { CONSOLE, dataTable, duration, when } from './layout';
import { html, type Html } from '../web/html';
import type { Overview } from './reinstatementQueries';

const list = (state: string) => `${CONSOLE}/reinstatements?state=${state}`;

/**
 * Where every reinstatement stands, how long each step takes, the mail still to go, and how much of
 * Partner Center's request budget is in use.
 */
export function overviewBody(
  overview: Overview,
  backlog: Backlog,
  webhook: { readiness: Readiness | undefined; mayRegister: boolean },
  partnerCenter: BudgetUsage,
): Html {
  const queued = backlog.lanes.people.queued + backlog.lanes.bulk.queued;
  const running = ReinstatementStates.filter((s) => !(FinalStates as readonly string[]).includes(s));
  return html`<h1>Overview</h1>
    <p>${overview.total} ${overview.total === 1 ? 'reinstatement' : 'reinstatements'} in all.</p>
    <h2>How far they got</h2>
    <ol class="funnel" aria-label="Funnel">
      ${overview.funnel.map((step) => html`<li><span class="count">${step.reached}</span>${step.label}</li>`)}
    </ol>
    <h2>Where they are now</h2>
    ${dataTable(
      ['State', 'Reinstatements'],
      [...running, ...FinalStates].map((state) => [
        html`<a href="${list(state)}" title="${STATE_WORDS[state].explanation}"
          >${STATE_WORDS[state].label}</a
        >`,
        overview.byState[state],
      ]),
      { caption: 'Click a state to list its reinstatements.' },
    )}
    <h2>How long each step takes</h2>
    ${dataTable(
      ['Step', 'Done', 'Median', 'Slowest'],
      overview.steps.map((s) => [
        s.label,
        s.count,
        s.medianMs === undefined ? '—' : duration(s.medianMs),
        s.slowestMs === undefined
          ? '—'
          : html`<a href="${CONSOLE}/reinstatements/${s.slowestId}">${duration(s.slowestMs)}</a>`,
      ]),
    )}
    <h2>Mail</h2>
    ${
      queued
        ? html`<p>
            ${queued} mails are waiting for their place in the pace (${backlog.lanes.people.queued} to people,
            ${backlog.lanes.bulk.queued} bulk); the last should go by ${when(backlog.expectedFinish)}.
          </p>`
        : html`<p>No mail is waiting.</p>`
    }
    <p class="muted">
      Sent in the last minute ${backlog.sentLastMinute} of ${backlog.limits.perMinute}, in the last hour
      ${backlog.sentLastHour} of ${backlog.limits.perHour} allowed.
    </p>
    ${backlog.failingSince ? html`<p class="notice bad">Sending has been failing since ${when(backlog.failingSince)}; mails wait and are retried.</p>` : ''}
    ${budgetSection(partnerCenter)} ${webhookSection(webhook.readiness, webhook.mayRegister)}`;
}

/** Partner Center's requests in the last minute against its limit, shared by scans, checks and the webhook. */
function budgetSection(usage: BudgetUsage): Html {
  return html`<h2>Partner Center requests</h2>
    <p>
      ${usage.usedLastMinute} of ${usage.limit} requests used in the last minute (scans, acceptance checks and
      the webhook registration share Partner Center's limit; what does not fit waits its turn).
    </p>
    ${
      usage.pausedUntil
        ? html`<p class="notice bad">
            Partner Center asked the app to wait: nothing is sent to it before ${when(usage.pausedUntil)}.
          </p>`
        : ''
    }`;
}

/** Whether Partner Center will tell the app about acceptances, and the button that makes sure. */
function webhookSection(readiness: Readiness | undefined, mayRegister: boolean): Html {
  const ready = readiness?.registered && readiness.urlCurrent && readiness.eventsPresent;
  const state = !readiness
    ? html`<p class="notice bad">
        Not checked yet: acceptances may not reach the app until the webhook is registered.
      </p>`
    : ready
      ? html`<p class="notice ok">
          Registered for this app (checked ${when(readiness.checkedAt)}); last test event:
          ${readiness.lastValidation?.result ?? 'none'}.
        </p>`
      : html`<p class="notice bad">
          ${
            readiness.conflict
              ? `Another tool's registration (${readiness.conflict.registeredUrl}) is in place; it is left alone.`
              : readiness.error
                ? `Partner Center could not be asked: ${readiness.error}`
                : 'Not registered for this app: acceptances do not reach it (operators can confirm them by hand).'
          }
        </p>`;
  return html`<h2>Partner Center webhook</h2>
    ${state}${
      mayRegister
        ? html`<form method="post" action="${CONSOLE}/webhook">
            <button type="submit">${ready ? 'Check and test again' : 'Register and test'}</button>
          </form>`
        : ''
    }`;
}
