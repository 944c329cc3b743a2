import { randomUUID } from 'node:crypto';
import { TableClient } from '@azure/data-tables';
import { signWebhook, verifyWebhook, WebhookSender } from '../../shared/adapters/alerts/webhookSender';
import { AlertDispatch, type AlertDeps } from '../../shared/alerts/alertDispatch';
import type { MailRequest } from '../../shared/email/outbox';
import type { Alert } from '../../shared/model/alerts';
import { AlertRepository } from '../../shared/storage/alertRepository';
import { SandboxCloud } from '../../sandbox/sandboxCloud';
import { startAzurite, uniqueTableName, type RunningAzurite } from '../support/azurite';
import { PARTNER_TENANT } from '../support/fixtures';
import { sharedPki } from '../support/sandboxHarness';

/**
 * The alerts' digest and webhooks on Azurite, posting with the real sender to the sandbox's Teams
 * webhook and signed-JSON receiver (each as strict as the real one): once-only under many callers, a
 * digest finished after its sender died, Teams' throttling in a 200, an outage given up after a day,
 * a removed webhook refused, a large digest split, and a signature a receiver can trust.
 */
let azurite: RunningAzurite;
let cloud: SandboxCloud;
let now: number;
beforeAll(async () => {
  azurite = await startAzurite();
  cloud = await SandboxCloud.start({
    partnerTenantId: PARTNER_TENANT,
    partnerAppClientId: randomUUID(),
    partnerAppSecret: randomUUID(),
    pki: await sharedPki(),
    now: () => now,
  });
});
afterAll(async () => {
  await cloud.stop();
  await azurite.stop();
});

interface World {
  alerts: AlertDispatch;
  store: AlertRepository;
  mails: MailRequest[];
}

async function world(overrides: Partial<AlertDeps['config']['alerts']> = {}): Promise<World> {
  now = Date.parse('2026-12-05T07:00:10Z');
  cloud.faults.clear();
  cloud.alertReceivers.teams.length = 0;
  cloud.alertReceivers.json.length = 0;
  cloud.alertReceivers.refused.length = 0;
  const table = TableClient.fromConnectionString(azurite.connectionString, uniqueTableName('alerts'), {
    allowInsecureConnection: true,
  });
  await table.createTable();
  const store = new AlertRepository(table);
  const settings = cloud.appSettings();
  const mails: MailRequest[] = [];
  const alerts = new AlertDispatch({
    config: {
      alerts: {
        teamsWebhookUrl: settings.ALERT_TEAMS_WEBHOOK_URL ?? '',
        jsonWebhook: { url: settings.ALERT_WEBHOOK_URL ?? '', secret: settings.ALERT_WEBHOOK_SECRET ?? '' },
        ...overrides,
      },
      links: {
        publicBaseUrl: 'https://reinstate.partner.example',
        signingKeys: { current: Buffer.alloc(32) },
      },
      partner: {
        tenantId: PARTNER_TENANT,
        msppId: '0',
        groupName: 'AdminAgents',
        displayName: 'Fabrikam CSP',
        supportEmail: 'support@partner.example',
        opsEmail: 'ops@partner.example',
        delegatedAdminDefault: false,
        checkBeforeStart: false,
        defaultLanguage: 'en',
      },
    },
    alerts: store,
    mail: {
      enqueue: async (mail) => {
        // The outbox keeps one mail per key; so does this stand-in, so a repeat shows as one.
        const known = mails.find((m) => JSON.stringify(m.key) === JSON.stringify(mail.key));
        if (!known) mails.push(mail);
        return { mail: { ...(known ?? mail) } as never, wake: !known };
      },
    },
    webhooks: new WebhookSender({ ca: cloud.pki.trustedRootsPem, now: () => new Date(now) }),
    now: () => new Date(now),
  });
  return { alerts, store, mails };
}

const lost = (n: number): Alert => ({
  id: `access-lost-s-1-${n}`,
  kind: 'access-lost',
  at: new Date(now).toISOString(),
  summary: `Customer ${n}: no admin rights on Azure subscription ${n}`,
  customerTenantId: randomUUID(),
  subscriptionId: randomUUID(),
});

it('sends one digest, one card and one JSON post when ten callers ask at once, and nothing when nothing is new', async () => {
  const w = await world();
  await Promise.all([1, 2, 3].map((n) => w.alerts.record(lost(n))));
  // The same happening recorded again (a resumed scan) is still one alert.
  expect(await w.alerts.record(lost(1))).toBe(false);
  const outcomes = await Promise.all(Array.from({ length: 10 }, () => w.alerts.sendDigest()));
  expect(outcomes.filter((o) => o.state === 'sent')).toHaveLength(1);
  expect(outcomes.filter((o) => o.state === 'sent')[0]).toMatchObject({
    alerts: 3,
    headline: '3 need action: 3 admin rights lost',
  });
  expect(w.mails.map((m) => [m.to, m.subject])).toEqual([
    ['ops@partner.example', 'Admin rights digest for 2026-12-05: 3 need action: 3 admin rights lost'],
  ]);
  expect(cloud.alertReceivers.teams).toHaveLength(1);
  expect(cloud.alertReceivers.json).toHaveLength(1);
  expect(await w.alerts.sendDigest()).toEqual({ state: 'nothing-new' });
  expect(w.mails).toHaveLength(1);
});

it("finishes a digest whose sender stopped midway, once its claim's lease has passed", async () => {
  const w = await world();
  await w.alerts.record(lost(1));
  // A sender claimed the digest and died before taking the alerts.
  expect(await w.store.claimDigest('2026-12-05T07:00', new Date(now).toISOString())).toBe('won');
  expect(await w.alerts.sendDigest()).toEqual({ state: 'in-progress', digestId: '2026-12-05T07:00' });
  expect(w.mails).toHaveLength(0);
  now += 3 * 60_000;
  // Found by five callers at once: one finishes it, once.
  const outcomes = await Promise.all(Array.from({ length: 5 }, () => w.alerts.sendDigest()));
  // (One of them may take the alert into a digest of its own first: either way it goes once.)
  expect(outcomes.filter((o) => o.state === 'sent')).toEqual([expect.objectContaining({ alerts: 1 })]);
  expect(w.mails).toHaveLength(1);
  expect(cloud.alertReceivers.teams).toHaveLength(1);
});

it('keeps a resumed digest to the alerts it was composed from; a later alert goes in the next one', async () => {
  const w = await world();
  await w.alerts.record(lost(1));
  // A sender fixed its digest's alerts and died before mailing it.
  const id = '2026-12-05T07:00';
  expect(await w.store.claimDigest(id, new Date(now).toISOString())).toBe('won');
  for (const alert of await w.store.undigested()) await w.store.takeInto(alert, id);
  await w.store.digestCollected(id, 1);
  await w.alerts.record(lost(2));
  now += 3 * 60_000;
  expect(await w.alerts.sendDigest()).toMatchObject({ state: 'sent', alerts: 1 });
  expect(w.mails.map((m) => [m.key.kind, m.subject.replace(/^.*: /, '')])).toEqual([
    [`digest-${id}`, '1 admin rights lost'],
    ['digest-2026-12-05T07:03', '1 admin rights lost'],
  ]);
  expect(w.mails.map((m) => m.text.includes('Customer 2:'))).toEqual([false, true]);
});

it('tries again when Teams answers 200 with its throttling in the body, and delivers once', async () => {
  const w = await world();
  await w.alerts.record(lost(1));
  cloud.alertReceivers.throttleInBody = 1;
  await w.alerts.sendDigest();
  expect(cloud.alertReceivers.teams).toHaveLength(0);
  const waiting = (await w.store.deliveries()).find((d) => d.channel === 'teams');
  expect(waiting).toMatchObject({ state: 'pending', attempts: 1 });
  expect(waiting?.lastError).toContain('HTTP 429');
  // Not before its wait (at least 30 s); then delivered, once.
  expect(await w.alerts.deliverDue()).toMatchObject({ delivered: 0 });
  now += 60 * 60_000;
  expect(await w.alerts.deliverDue()).toMatchObject({ delivered: 1 });
  expect(await w.alerts.deliverDue()).toMatchObject({ delivered: 0 });
  expect(cloud.alertReceivers.teams).toHaveLength(1);
});

it('tries a webhook that stays down for a day, then gives up and says why', async () => {
  const w = await world();
  cloud.faults.set('webhooks', { rate5xx: 1 });
  await w.alerts.record(lost(1));
  await w.alerts.sendDigest();
  for (let hour = 0; hour < 26; hour++) {
    now += 60 * 60_000;
    await w.alerts.deliverDue();
  }
  for (const d of await w.store.deliveries()) {
    expect([d.channel, d.state, d.lastError]).toEqual([
      d.channel,
      'gave-up',
      expect.stringContaining('HTTP 503'),
    ]);
    // Backing off from a minute to an hour: a handful of tries in the day, not one a minute.
    expect(d.attempts).toBeGreaterThan(3);
    expect(d.attempts).toBeLessThan(30);
  }
  expect(cloud.alertReceivers.teams).toHaveLength(0);
});

it('refuses a removed Teams webhook without retrying', async () => {
  const w = await world({
    teamsWebhookUrl: `${cloud.url}/webhookb2/${randomUUID()}@${PARTNER_TENANT}/IncomingWebhook/00/${randomUUID()}`,
  });
  await w.alerts.record(lost(1));
  await w.alerts.sendDigest();
  const teams = (await w.store.deliveries()).find((d) => d.channel === 'teams');
  expect(teams).toMatchObject({
    state: 'refused',
    lastError: 'the webhook answered HTTP 404: Webhook not found.',
  });
});

it('splits a large digest: the card stays under Teams’ 28 KB and says how many more; JSON in parts of 100', async () => {
  const w = await world();
  for (let n = 0; n < 250; n++) await w.alerts.record(lost(n));
  await w.alerts.sendDigest();
  expect(cloud.alertReceivers.teams).toHaveLength(1);
  expect(JSON.stringify(cloud.alertReceivers.teams[0]?.body)).toContain('And 240 more.');
  const parts = cloud.alertReceivers.json.map(
    (r) => r.body as { part: number; parts: number; alerts: unknown[] },
  );
  expect(parts.map((p) => [p.part, p.parts, p.alerts.length])).toEqual([
    [1, 3, 100],
    [2, 3, 100],
    [3, 3, 50],
  ]);
  expect(w.mails[0]?.text).toContain('And 200 more of these: the console lists them all.');
});

it("signs each JSON post so a receiver refuses a forged or replayed one (the sandbox's receiver checks as docs/ALERTS.md says)", async () => {
  const w = await world();
  const secret = cloud.appSettings().ALERT_WEBHOOK_SECRET ?? '';
  const url = cloud.appSettings().ALERT_WEBHOOK_URL ?? '';
  const body = JSON.stringify({ type: 'alert-digest' });
  const t = Math.floor(now / 1000);
  expect(verifyWebhook(secret, body, signWebhook(secret, body, t), t)).toBe('valid');
  expect(verifyWebhook(secret, `${body} `, signWebhook(secret, body, t), t)).toBe('bad-signature');
  expect(verifyWebhook(secret, body, signWebhook(secret, body, t), t + 301)).toBe('stale');
  expect(verifyWebhook(secret, body, 't=1,v1=zz', t)).toBe('malformed');
  expect(verifyWebhook(secret, body, undefined, t)).toBe('malformed');
  // Through HTTP: a post signed with another secret, and one signed ten minutes ago (a replay).
  const forged = await new WebhookSender({ ca: cloud.pki.trustedRootsPem, now: () => new Date(now) }).post({
    url,
    body,
    deliveryId: 'd-1',
    secret: 'x'.repeat(40),
  });
  expect(forged).toEqual({
    kind: 'refused',
    reason: 'the webhook answered HTTP 401: {"error":"bad signature"}',
  });
  const replayed = await new WebhookSender({
    ca: cloud.pki.trustedRootsPem,
    now: () => new Date(now - 10 * 60_000),
  }).post({ url, body, deliveryId: 'd-2', secret });
  expect(replayed.kind).toBe('refused');
  expect(cloud.alertReceivers.refused.slice(-2)).toEqual(['bad signature', 'stale signature (replayed?)']);
  expect(cloud.alertReceivers.json).toHaveLength(0);
  expect(w.mails).toHaveLength(0);
});
