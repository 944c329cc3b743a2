import { AcsEmailSender } from '../../shared/adapters/email/acsEmailSender';
import { EmailOutbox, requestIdFor, type MailKey } from '../../shared/adapters/email/emailOutbox';
import { SendPacer } from '../../shared/adapters/email/sendPacer';
import { startSandboxWorld, type SandboxWorld } from '../support/sandboxHarness';

let world: SandboxWorld;
beforeAll(async () => {
  world = await startSandboxWorld();
});
afterAll(() => world.stop());
afterEach(() => {
  world.cloud.faults.clear();
  world.cloud.acs.limits = { perMinute: 1_000_000, perHour: 1_000_000 };
});

const mail = (n: number) => ({
  to: `contact${n}@contoso.com`,
  subject: `Invitation ${n}`,
  text: `Hello ${n}`,
  html: `<p>Hello ${n}</p>`,
});
const outboxFor = (to: string) =>
  world.cloud.state.outbox.filter((m) => m.to.some((address) => address.startsWith(to)));

describe('email through @azure/communication-email against the simulated ACS', () => {
  it('sends once per key: a second send of the same key is recognised, not repeated', async () => {
    const outbox = new EmailOutbox(await world.table('outbox'), new AcsEmailSender(world.config));
    const key: MailKey = { stream: 'r-1', kind: 'invitation', sequence: 0 };
    const first = await outbox.send(key, mail(1));
    expect(first).toMatchObject({ kind: 'sent', operationId: expect.any(String) });
    expect(await outbox.send(key, mail(1))).toEqual({
      kind: 'alreadySent',
      operationId: (first as { operationId: string }).operationId,
    });
    const sent = outboxFor('contact1@');
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      subject: 'Invitation 1',
      repeatabilityRequestId: requestIdFor(key),
      senderAddress: world.config.email.senderAddress,
    });
  });

  it('killed between "ACS accepted" and "recorded", then retried: exactly one mail in the outbox', async () => {
    const table = await world.table('outbox');
    const sender = new AcsEmailSender(world.config);
    const crashing = new EmailOutbox(
      table,
      sender,
      () => new Date(),
      async () => {
        throw new Error('process killed here');
      },
    );
    const key: MailKey = { stream: 'r-2', kind: 'invitation', sequence: 0 };
    await expect(crashing.send(key, mail(2))).rejects.toThrow('process killed here');
    expect(outboxFor('contact2@')).toHaveLength(1);
    // The retry (a new process: a fresh outbox on the same table) sends the recorded bytes with the
    // same Repeatability-Request-Id and first-sent time; ACS answers with the first result.
    const retried = await new EmailOutbox(table, sender).send(key, mail(2));
    expect(retried).toMatchObject({ kind: 'sent', operationId: outboxFor('contact2@')[0]?.operationId });
    expect(outboxFor('contact2@')).toHaveLength(1);
  });

  it('past ACS\u2019s 5-minute window a retry is a new send: at least once, never lost, and counted', async () => {
    const table = await world.table('outbox');
    const sender = new AcsEmailSender(world.config);
    const key: MailKey = { stream: 'r-3', kind: 'instructions', sequence: 0 };
    await expect(
      new EmailOutbox(
        table,
        sender,
        () => new Date(),
        async () => Promise.reject(new Error('killed')),
      ).send(key, mail(3)),
    ).rejects.toThrow();
    const later = () => new Date(Date.now() + 6 * 60_000);
    expect(await new EmailOutbox(table, sender, later).send(key, mail(3))).toMatchObject({ kind: 'sent' });
    expect(outboxFor('contact3@')).toHaveLength(2);
    expect((await table.getEntity('r-3', 'instructions-000')).renewals).toBe(1);
  });

  it('answers ACS throttling as throttled with its Retry-After, and keeps the intent for the retry', async () => {
    const table = await world.table('outbox');
    const outbox = new EmailOutbox(table, new AcsEmailSender(world.config));
    world.cloud.faults.set('acs', { rate429: 1, retryAfterSeconds: 0 });
    const key: MailKey = { stream: 'r-4', kind: 'invitation', sequence: 0 };
    expect(await outbox.send(key, mail(4))).toEqual({
      kind: 'failed',
      failure: { kind: 'throttled', retryAfterMs: 0 },
    });
    world.cloud.faults.clear();
    expect(await outbox.send(key, mail(4))).toMatchObject({ kind: 'sent' });
    expect(outboxFor('contact4@')).toHaveLength(1);
  });

  it('reports 5xx as transient and an ACS-side rate limit as throttled with the seconds ACS asks for', async () => {
    const outbox = new EmailOutbox(await world.table('outbox'), new AcsEmailSender(world.config));
    world.cloud.faults.set('acs', { rate5xx: 1 });
    expect(await outbox.send({ stream: 'r-5', kind: 'invitation', sequence: 0 }, mail(5))).toMatchObject({
      kind: 'failed',
      failure: { kind: 'transient', status: 503 },
    });
    world.cloud.faults.clear();
    world.cloud.acs.limits = { perMinute: 1, perHour: 100 };
    await outbox.send({ stream: 'r-6', kind: 'invitation', sequence: 0 }, mail(6));
    const throttled = await outbox.send({ stream: 'r-7', kind: 'invitation', sequence: 0 }, mail(7));
    expect(throttled).toMatchObject({ kind: 'failed', failure: { kind: 'throttled' } });
    expect((throttled as { failure: { retryAfterMs: number } }).failure.retryAfterMs).toBeGreaterThan(50_000);
  });

  it('returns typed failures for a wrong access key (401), dropped connections and malformed answers', async () => {
    const table = await world.table('outbox');
    const wrongKey = {
      ...world.config,
      email: {
        ...world.config.email,
        acs: {
          kind: 'connectionString' as const,
          connectionString: `endpoint=${world.cloud.url}/;accesskey=${Buffer.alloc(32, 9).toString('base64')}`,
        },
      },
    };
    expect(
      await new EmailOutbox(table, new AcsEmailSender(wrongKey)).send(
        { stream: 'r-8', kind: 'invitation', sequence: 0 },
        mail(8),
      ),
    ).toMatchObject({ kind: 'failed', failure: { kind: 'permanent', status: 401 } });
    const outbox = new EmailOutbox(table, new AcsEmailSender(world.config));
    world.cloud.faults.set('acs', { dropRate: 1 });
    expect(await outbox.send({ stream: 'r-9', kind: 'invitation', sequence: 0 }, mail(9))).toMatchObject({
      kind: 'failed',
      failure: { kind: 'transient' },
    });
    world.cloud.faults.set('acs', { dropRate: 0, malformedRate: 1 });
    expect(await outbox.send({ stream: 'r-9', kind: 'invitation', sequence: 0 }, mail(9))).toMatchObject({
      kind: 'failed',
    });
    world.cloud.faults.clear();
    expect(await outbox.send({ stream: 'r-9', kind: 'invitation', sequence: 0 }, mail(9))).toMatchObject({
      kind: 'sent',
    });
    expect(outboxFor('contact9@')).toHaveLength(1);
    expect(outboxFor('contact8@')).toHaveLength(0);
  });

  it('paces to the quota: slots spaced so neither limit is exceeded, with queue length and expected finish', async () => {
    let now = new Date('2026-11-27T08:00:00Z');
    const pacer = new SendPacer(await world.table('pacer'), { perMinute: 30, perHour: 100 }, () => now);
    expect(pacer.spacingMs).toBe(36_000);
    const slots = await Promise.all(Array.from({ length: 10 }, () => pacer.reserve()));
    const times = slots.map((d) => d.getTime()).sort((a, b) => a - b);
    expect(times[0]).toBe(now.getTime());
    times.slice(1).forEach((t, i) => expect(t - (times[i] as number)).toBe(36_000));
    expect(await pacer.backlog()).toEqual({
      queued: 10,
      expectedFinish: new Date(now.getTime() + 9 * 36_000).toISOString(),
      spacingMs: 36_000,
    });
    now = new Date(now.getTime() + 5 * 36_000);
    expect((await pacer.backlog()).queued).toBe(5);
    // 100 in any hour: the 101st slot lands an hour after the first.
    const fast = new SendPacer(await world.table('pacer'), { perMinute: 30, perHour: 100 }, () => now);
    const many = [];
    for (let i = 0; i < 101; i++) many.push(await fast.reserve());
    expect((many[100] as Date).getTime() - (many[0] as Date).getTime()).toBe(3_600_000);
  });
});
