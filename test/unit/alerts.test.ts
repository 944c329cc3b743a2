import {
  alertLink,
  composeDigestMail,
  digestHeadline,
  teamsMessage,
} from '../../shared/alerts/alertMessages';
import { backlogAlert, endingAlert, identityAlert, watchAlerts } from '../../shared/alerts/happenings';
import type { Backlog } from '../../shared/email/dispatch';
import { ALERT_KINDS, ALERT_WORDS, type Alert } from '../../shared/model/alerts';
import type { Reinstatement } from '../../shared/model/reinstatement';
import type { ScanResult } from '../../shared/storage/scanRepository';

const BASE = 'https://reinstate.partner.example';
const sender = { partnerName: 'Fabrikam CSP', supportEmail: 'support@partner.example' };
const TENANT = '7f3c2a10-4b5e-4c6d-8e9f-0a1b2c3d4e5f';
const SUB = 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d';

const result = (change: ScanResult['change'], name = 'Contoso Ltd'): ScanResult => ({
  customerTenantId: TENANT,
  customerName: name,
  subscriptionId: SUB,
  outcome: change === 'regained' ? 'has-access' : 'lost-access',
  explanation: '',
  checkedAt: '2026-12-05T05:31:00.000Z',
  change,
  lastAccessAt: '2026-12-04T05:31:00.000Z',
});

describe('what becomes an alert', () => {
  it("gives the watch's newly lost and regained subscriptions, each under an id naming scan and subscription", () => {
    const alerts = watchAlerts('s-1', [
      result('newly-lost'),
      result('regained'),
      result('unchanged'),
      result('new'),
    ]);
    expect(alerts.map((a) => [a.kind, a.id])).toEqual([
      ['access-lost', `access-lost-s-1-${TENANT}-${SUB}`],
      ['access-regained', `access-regained-s-1-${TENANT}-${SUB}`],
    ]);
    expect(alerts[0]?.summary).toBe(
      `Contoso Ltd: no admin rights on Azure subscription ${SUB} (last had them 4 December 2026)`,
    );
  });

  it('gives a reinstatement back, failed or expired, one per ending; none for a cancelled one', () => {
    const r = (state: Reinstatement['state'], stateChangedAt = '2026-12-05T10:00:00.000Z') =>
      ({
        id: 'r-1',
        state,
        stateChangedAt,
        customerName: 'Contoso Ltd',
        customerTenantId: TENANT,
        stateReason: 'ARM kept answering 503',
      }) as Reinstatement;
    expect(endingAlert(r('Reinstated'))?.kind).toBe('reinstated');
    expect(endingAlert(r('Failed'))?.summary).toBe(
      'Contoso Ltd: the reinstatement failed: ARM kept answering 503',
    );
    expect(endingAlert(r('Expired'))?.kind).toBe('reinstatement-expired');
    expect(endingAlert(r('Cancelled'))).toBeUndefined();
    // Retried and failed again later: a second alert, not the first one again.
    expect(endingAlert(r('Failed'))?.id).not.toBe(endingAlert(r('Failed', '2026-12-06T10:00:00.000Z'))?.id);
  });

  it('calls mail stalled only when some waited over an hour and none went out in the last hour', () => {
    const now = new Date('2026-12-05T12:00:00Z');
    const backlog = (oldest: string, sentLastHour: number): Backlog =>
      ({
        lanes: { people: { queued: 3, oldestQueuedAt: oldest }, bulk: { queued: 0 } },
        sentLastHour,
      }) as Backlog;
    expect(backlogAlert(backlog('2026-12-05T10:30:00Z', 0), now)).toMatchObject({
      id: 'backlog-2026-12-05',
      kind: 'mail-backlog-stalled',
    });
    expect(backlogAlert(backlog('2026-12-05T10:30:00Z', 4), now)).toBeUndefined();
    expect(backlogAlert(backlog('2026-12-05T11:30:00Z', 0), now)).toBeUndefined();
  });

  it('says what is wrong with the verification sign-in, once a day', () => {
    const alert = identityAlert(
      { mode: 'secureApplicationModel', healthy: true, connected: true, inactivityDaysLeft: 9, note: '' },
      new Date('2026-12-05T12:00:00Z'),
    );
    expect(alert).toMatchObject({
      id: 'identity-2026-12-05',
      summary: "Verification's sign-in lapses in 9 days unless renewed",
    });
    expect(ALERT_WORDS[alert.kind].urgent).toBe(true);
  });
});

describe('how the team reads them', () => {
  const alerts: Alert[] = [
    ...watchAlerts('s-1', [result('newly-lost', 'Contoso <b>Ltd</b> [x](https://evil.example)')]),
    {
      id: 'ended-r-1-t',
      kind: 'reinstated',
      at: '2026-12-05T10:00:00Z',
      summary: 'Litware: admin rights back',
      reinstatementId: 'r-1',
    },
  ];

  it('heads the digest with what needs action first, in words', () => {
    expect(digestHeadline(alerts)).toBe('1 needs action: 1 admin rights lost; also 1 admin rights back');
    expect(digestHeadline(alerts.slice(1))).toBe('Nothing needs action: 1 admin rights back');
    for (const kind of ALERT_KINDS) expect(ALERT_WORDS[kind].label).toMatch(/^[A-Z][a-z]+ [a-z]/);
  });

  it('mails each alert as a line with its link, nothing in a name interpreted', () => {
    const mail = composeDigestMail(alerts, '2026-12-05', BASE, sender);
    expect(mail.subject).toBe(
      'Admin rights digest for 2026-12-05: 1 needs action: 1 admin rights lost; also 1 admin rights back',
    );
    expect(mail.html).not.toContain('<b>Ltd</b>');
    expect(mail.html).toContain('Contoso &lt;b&gt;Ltd&lt;/b&gt;');
    expect(mail.text).toContain(`${BASE}/api/console/start?customerTenantId=${TENANT}&subscriptionId=${SUB}`);
    expect(mail.text).toContain(`${BASE}/api/console/reinstatements/r-1`);
  });

  it('posts an Adaptive Card whose links cannot be hijacked by a name', () => {
    const card = JSON.stringify(teamsMessage('Admin rights digest for 2026-12-05', alerts, BASE));
    expect(card).toContain('"contentType":"application/vnd.microsoft.card.adaptive"');
    expect(card).toContain('"version":"1.2"');
    // The name's own Markdown link is escaped: the only link in the line is the alert's.
    expect(card).toContain('Contoso <b>Ltd</b> \\\\[x\\\\](https://evil.example)');
    expect(alertLink(BASE, alerts[0] as Alert)).toBe(
      `${BASE}/api/console/start?customerTenantId=${TENANT}&subscriptionId=${SUB}`,
    );
  });
});
