import type { EmailContent, Sender } from '../email/templates/message';
import { renderMessage, type Block } from '../email/templates/message';
import { ALERT_KINDS, ALERT_WORDS, type Alert, type AlertKind } from '../model/alerts';
import { countOf } from '../text/words';

/** Lines of one kind a mail or card lists before it says how many more there are. */
const MAIL_LINES_PER_KIND = 50;
/** Teams refuses messages over 28 KB (about 21 KB in practice): a card lists fewer and links the rest. */
const CARD_LINES_PER_KIND = 10;

/** Where a person acts on an alert: the console's prefilled start, the reinstatement, the access page. */
export function alertLink(baseUrl: string, alert: Alert): string {
  const consoleUrl = `${baseUrl}/api/console`;
  switch (alert.kind) {
    case 'access-lost': {
      const q = new URLSearchParams({
        ...(alert.customerTenantId ? { customerTenantId: alert.customerTenantId } : {}),
        ...(alert.subscriptionId ? { subscriptionId: alert.subscriptionId } : {}),
      });
      return `${consoleUrl}/start?${q.toString()}`;
    }
    case 'reinstatement-failed':
    case 'reinstatement-expired':
    case 'reinstated':
      return alert.reinstatementId
        ? `${consoleUrl}/reinstatements/${encodeURIComponent(alert.reinstatementId)}`
        : `${consoleUrl}/reinstatements`;
    case 'access-regained':
      return `${consoleUrl}/access?${new URLSearchParams({ q: alert.customerTenantId ?? '' }).toString()}`;
    case 'identity-needs-attention':
      return `${baseUrl}/api/identity/consent`;
    case 'mail-backlog-stalled':
      return consoleUrl;
  }
}

export interface AlertGroup {
  kind: AlertKind;
  alerts: Alert[];
}

/** Alerts by kind, what needs action first, in ALERT_KINDS' order. */
export function groupAlerts(alerts: Alert[]): AlertGroup[] {
  return [...ALERT_KINDS]
    .sort((a, b) => Number(ALERT_WORDS[b].needsAction) - Number(ALERT_WORDS[a].needsAction))
    .map((kind) => ({ kind, alerts: alerts.filter((a) => a.kind === kind) }))
    .filter((g) => g.alerts.length > 0);
}

/** "2 need action: 1 admin rights lost, 1 reinstatement failed" or "Nothing needs action: 3 admin rights back". */
export function digestHeadline(alerts: Alert[]): string {
  const groups = groupAlerts(alerts);
  const words = (g: AlertGroup) => `${g.alerts.length} ${ALERT_WORDS[g.kind].label.toLowerCase()}`;
  const acting = groups.filter((g) => ALERT_WORDS[g.kind].needsAction);
  const informing = groups.filter((g) => !ALERT_WORDS[g.kind].needsAction);
  const actions = acting.reduce((n, g) => n + g.alerts.length, 0);
  if (!actions) return `Nothing needs action: ${informing.map(words).join(', ')}`;
  return `${actions} ${actions === 1 ? 'needs' : 'need'} action: ${acting.map(words).join(', ')}${
    informing.length ? `; also ${informing.map(words).join(', ')}` : ''
  }`;
}

/** The digest mail to the partner's team: a section per kind, each alert a line with its link. */
export function composeDigestMail(
  alerts: Alert[],
  day: string,
  baseUrl: string,
  sender: Sender,
): EmailContent {
  const blocks: Block[] = [
    {
      kind: 'paragraph',
      text: `Since the last digest the product saw ${countOf(alerts.length, 'happening')} that the team should know of.`,
    },
  ];
  for (const group of groupAlerts(alerts)) {
    const words = ALERT_WORDS[group.kind];
    const shown = group.alerts.slice(0, MAIL_LINES_PER_KIND);
    blocks.push({
      kind: 'links',
      label: `${words.label} (${group.alerts.length}): ${words.explanation}`,
      links: shown.map((a) => ({ label: a.summary, url: alertLink(baseUrl, a) })),
    });
    if (group.alerts.length > shown.length)
      blocks.push({
        kind: 'paragraph',
        text: `And ${group.alerts.length - shown.length} more of these: the console lists them all.`,
      });
  }
  blocks.push({ kind: 'link', label: 'Everything, in the console:', url: `${baseUrl}/api/console/access` });
  return renderMessage(
    `Admin rights digest for ${day}: ${digestHeadline(alerts)}`,
    blocks,
    sender,
    'partner',
  );
}

/**
 * The digest as a Teams message: an Adaptive Card (version 1.2, what incoming webhooks render) in
 * the envelope incoming webhooks take
 * (https://learn.microsoft.com/microsoftteams/platform/webhooks-and-connectors/how-to/connectors-using#send-adaptive-cards-using-an-incoming-webhook).
 */
export function teamsMessage(title: string, alerts: Alert[], baseUrl: string): unknown {
  const body: unknown[] = [
    { type: 'TextBlock', size: 'Medium', weight: 'Bolder', text: title, wrap: true },
    { type: 'TextBlock', text: digestHeadline(alerts), wrap: true },
  ];
  for (const group of groupAlerts(alerts)) {
    const words = ALERT_WORDS[group.kind];
    body.push({
      type: 'TextBlock',
      weight: 'Bolder',
      spacing: 'Medium',
      text: `${words.label} (${group.alerts.length})`,
      wrap: true,
    });
    const shown = group.alerts.slice(0, CARD_LINES_PER_KIND);
    for (const a of shown)
      body.push({
        type: 'TextBlock',
        text: `- [${markdownText(a.summary)}](${alertLink(baseUrl, a)})`,
        wrap: true,
      });
    if (group.alerts.length > shown.length)
      body.push({ type: 'TextBlock', text: `And ${group.alerts.length - shown.length} more.`, wrap: true });
  }
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.2',
          body,
          actions: [
            { type: 'Action.OpenUrl', title: 'Open the console', url: `${baseUrl}/api/console/access` },
          ],
        },
      },
    ],
  };
}

/** The signed JSON webhook's body: every alert with its kind in words and its link, for PSA and ticketing tools. */
export function jsonMessage(
  digest: { id: string; part: number; parts: number; urgent: boolean },
  alerts: Alert[],
  baseUrl: string,
): unknown {
  return {
    type: digest.urgent ? 'urgent-alert' : 'alert-digest',
    digestId: digest.id,
    part: digest.part,
    parts: digest.parts,
    headline: digestHeadline(alerts),
    alerts: alerts.map((a) => ({
      ...a,
      label: ALERT_WORDS[a.kind].label,
      needsAction: ALERT_WORDS[a.kind].needsAction,
      link: alertLink(baseUrl, a),
    })),
  };
}

/** Text shown inside a Markdown link: brackets would end it early. */
const markdownText = (text: string) => text.replace(/[[\]\\]/g, (c) => `\\${c}`);
