import fc from 'fast-check';
import { AcsEmailSender } from '../../shared/adapters/email/acsEmailSender';
import { MailDispatch, type MailPurposes } from '../../shared/email/dispatch';
import {
  Outbox,
  requestIdFor,
  type MailKey,
  type MailRecord,
  type MailRequest,
} from '../../shared/email/outbox';
import { EMPTY_PACE, Pace, type Lane, type PaceState } from '../../shared/email/pace';
import { startSandboxWorld, type SandboxWorld } from '../support/sandboxHarness';

let world: SandboxWorld;
// The dispatcher's clock starts at the real time: the simulated ACS judges Repeatability-First-Sent
// against its own (real) clock.
let now = Math.floor(Date.now() / 1000) * 1000;
const clock = () => new Date(now);
beforeAll(async () => {
  world = await startSandboxWorld();
});
afterAll(() => world.stop());
afterEach(() => {
  world.cloud.faults.clear();
  world.cloud.acs.limits = { perMinute: 1_000_000, perHour: 1_000_000 };
});

const request = (n: number, lane: Lane = 'bulk', key?: Partial<MailKey>): MailRequest => ({
  key: { stream: `r-${n}`, kind: 'invitation', sequence: 0, ...key },
  lane,
  to: `contact${n}@contoso.com`,
  subject: `Invitation ${n}`,
  text: `Hello ${n}`,
  html: `<p>Hello ${n}</p>`,
});
/** Hands a recorded mail to ACS, as the dispatcher does: read the record, then deliver it. */
async function deliverNow(outbox: Outbox, key: MailKey) {
  return outbox.deliver((await outbox.get(key)) as MailRecord);
}

/** The outbox's two tables: the mails, and the queue with the pace. */
const tables = async () => [await world.table('outbox'), await world.table('queue')] as const;
const sentTo = (to: string) =>
  world.cloud.state.outbox.filter((m) => m.to.some((address) => address.startsWith(to)));

/** Purposes that remember what the dispatcher told them. */
function recordingPurposes(unwanted = new Set<string>()) {
  const told: string[] = [];
  const purposes: MailPurposes = {
    stillWanted: async (m) => !unwanted.has(m.key.stream),
    sent: async (m) => void told.push(`sent ${m.key.stream}`),
    failed: async (m, reason) => void told.push(`failed ${m.key.stream}: ${reason}`),
    withdrawn: async (m) => void told.push(`withdrawn ${m.key.stream}`),
  };
  return { purposes, told };
}

describe('the outbox: every mail recorded before it is sent, and sent at most once', () => {
  it('records a mail once per key and hands it to ACS once, with the key\u2019s Repeatability-Request-Id', async () => {
    const outbox = new Outbox(...(await tables()), new AcsEmailSender(world.config));
    const first = await outbox.enqueue(request(1));
    expect(first).toMatchObject({ state: 'queued', lane: 'bulk', to: 'contact1@contoso.com' });
    expect(await outbox.enqueue({ ...request(1), subject: 'changed' })).toMatchObject({
      subject: 'Invitation 1',
    });
    const delivered = await deliverNow(outbox, first.key);
    expect(delivered).toMatchObject({ kind: 'accepted', alreadyAccepted: false });
    expect(await deliverNow(outbox, first.key)).toEqual({ ...delivered, alreadyAccepted: true });
    expect(sentTo('contact1@')).toHaveLength(1);
    expect(sentTo('contact1@')[0]).toMatchObject({
      subject: 'Invitation 1',
      repeatabilityRequestId: requestIdFor(first.key),
      senderAddress: world.config.email.senderAddress,
    });
    expect(await outbox.get(first.key)).toMatchObject({ state: 'accepted', operationId: expect.any(String) });
  });

  it('killed between "ACS accepted" and "recorded", then retried: exactly one mail', async () => {
    const table = await tables();
    const sender = new AcsEmailSender(world.config);
    const crashing = new Outbox(
      ...table,
      sender,
      () => new Date(),
      async () => {
        throw new Error('process killed here');
      },
    );
    const { key } = await crashing.enqueue(request(2));
    await expect(deliverNow(crashing, key)).rejects.toThrow('process killed here');
    expect(sentTo('contact2@')).toHaveLength(1);
    // A new process retries with the recorded bytes, the same id and first-sent time: ACS answers
    // with the first result.
    const retried = await deliverNow(new Outbox(...table, sender), key);
    expect(retried).toMatchObject({ kind: 'accepted', operationId: sentTo('contact2@')[0]?.operationId });
    expect(sentTo('contact2@')).toHaveLength(1);
  });

  it('a status poll that fails after ACS accepted is not a failed send, and nothing is sent again after 5 minutes', async () => {
    const table = await tables();
    const outbox = new Outbox(...table, new AcsEmailSender(world.config));
    const { key } = await outbox.enqueue(request(3));
    // Every GET of the operation's status fails; the POST that sends goes through.
    world.cloud.faults.set('acs', { rate5xx: 1, onlyMethods: ['GET'] });
    expect(await deliverNow(outbox, key)).toMatchObject({ kind: 'accepted' });
    const later = new Outbox(
      ...table,
      new AcsEmailSender(world.config),
      () => new Date(Date.now() + 6 * 60_000),
    );
    expect(await deliverNow(later, key)).toMatchObject({ kind: 'accepted', alreadyAccepted: true });
    world.cloud.faults.clear();
    const record = (await later.get(key)) as MailRecord;
    expect(await later.refreshStatus(record)).toBe('Succeeded');
    expect(sentTo('contact3@')).toHaveLength(1);
  });

  it('only when ACS\u2019s answer never arrived and its window passed is the mail sent under a renewed id', async () => {
    const table = await tables();
    const sender = new AcsEmailSender(world.config);
    const { key } = await new Outbox(...table, sender).enqueue(request(4));
    await expect(
      deliverNow(
        new Outbox(
          ...table,
          sender,
          () => new Date(),
          async () => Promise.reject(new Error('killed')),
        ),
        key,
      ),
    ).rejects.toThrow();
    const later = () => new Date(Date.now() + 6 * 60_000);
    expect(await deliverNow(new Outbox(...table, sender, later), key)).toMatchObject({ kind: 'accepted' });
    expect(sentTo('contact4@')).toHaveLength(2);
    expect((await new Outbox(...table, sender).get(key))?.renewals).toBe(1);
  });

  it('returns typed failures: throttled with ACS\u2019s wait, 5xx and dropped connections transient, a wrong key permanent', async () => {
    const table = await tables();
    const outbox = new Outbox(...table, new AcsEmailSender(world.config));
    const { key } = await outbox.enqueue(request(5));
    world.cloud.faults.set('acs', { rate429: 1, retryAfterSeconds: 7 });
    expect(await deliverNow(outbox, key)).toEqual({
      kind: 'failed',
      failure: { kind: 'throttled', retryAfterMs: 7000 },
    });
    world.cloud.faults.set('acs', { rate429: 0, rate5xx: 1 });
    expect(await deliverNow(outbox, key)).toMatchObject({
      kind: 'failed',
      failure: { kind: 'transient', status: 503 },
    });
    world.cloud.faults.set('acs', { rate5xx: 0, dropRate: 1 });
    expect(await deliverNow(outbox, key)).toMatchObject({ kind: 'failed', failure: { kind: 'transient' } });
    world.cloud.faults.clear();
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
    const refused = new Outbox(...table, new AcsEmailSender(wrongKey));
    const other = await refused.enqueue(request(6));
    expect(await deliverNow(refused, other.key)).toMatchObject({
      kind: 'failed',
      failure: { kind: 'permanent', status: 401 },
    });
    expect(await deliverNow(outbox, key)).toMatchObject({ kind: 'accepted' });
    expect(sentTo('contact5@')).toHaveLength(1);
    expect(sentTo('contact6@')).toHaveLength(0);
  });
});

describe('the pace: ACS\u2019s windows, people first, bulk evenly spread', () => {
  const limits = { perMinute: 30, perHour: 100 };

  it('spreads bulk mail at the hourly rate and lets a person\u2019s mail take the next free place', () => {
    const pace = new Pace(limits);
    expect(pace.bulkSpacingMs).toBe(36_020);
    let state: PaceState = EMPTY_PACE;
    let t = Date.parse('2026-11-27T08:00:00Z');
    state = pace.record(state, 'bulk', t);
    expect(pace.earliest(state, 'bulk', t)).toBe(t + 36_020);
    expect(pace.earliest(state, 'people', t)).toBe(t);
    for (let i = 0; i < 29; i++) state = pace.record(state, 'people', t);
    // 30 sends in this minute: the next waits until the window has room again.
    expect(pace.earliest(state, 'people', t)).toBeGreaterThan(t + 60_000);
    t += 3_600_000;
    expect(pace.earliest(state, 'people', t)).toBe(t);
  });

  it('never lets any 60-second window hold more than 30 sends, or any hour more than 100, whatever the mix', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom<Lane>('people', 'bulk'), fc.integer({ min: 0, max: 20_000 })), {
          minLength: 50,
          maxLength: 400,
        }),
        (asks) => {
          const pace = new Pace(limits);
          let state: PaceState = EMPTY_PACE;
          let t = 1_700_000_000_000;
          const sends: number[] = [];
          for (const [lane, gap] of asks) {
            t += gap;
            const at = pace.earliest(state, lane, t);
            t = Math.max(t, at);
            state = pace.record(state, lane, t);
            sends.push(t);
          }
          for (let i = 0; i < sends.length; i++) {
            const start = sends[i] as number;
            expect(sends.filter((s) => s >= start && s < start + 60_000).length).toBeLessThanOrEqual(30);
            expect(sends.filter((s) => s >= start && s < start + 3_600_000).length).toBeLessThanOrEqual(100);
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('the dispatcher: the queue\u2019s head, when the pace allows', () => {
  /** `random` draws the retry policy's jitter: 0 waits the policy's floor, for a repeatable timeline. */
  const dispatchFor = async (limits = { perMinute: 30, perHour: 100 }, random?: () => number) => {
    const outbox = new Outbox(...(await tables()), new AcsEmailSender(world.config), clock);
    return { outbox, mail: new MailDispatch(outbox, limits, clock, { giveUpAfterMs: 3_600_000 }, random) };
  };

  it('says by when a person\u2019s mail goes, with the hour\u2019s quota nearly used up, and it goes by then', async () => {
    const { mail } = await dispatchFor({ perMinute: 1000, perHour: 20 });
    const { purposes, told } = recordingPurposes();
    const started = now;
    for (let n = 60; n < 78; n++) await mail.enqueue(request(n, 'people'));
    await mail.dispatch(purposes);
    expect(told).toHaveLength(18);
    // Two places are left this hour and four people's mails are ahead: this one waits for the hour.
    for (let n = 78; n < 82; n++) await mail.enqueue(request(n, 'people'));
    const expected = Date.parse(await mail.expectedSendBy('people'));
    expect(expected).toBeGreaterThanOrEqual(started + 3_600_000);
    await mail.enqueue(request(82, 'people'));
    for (let i = 0; i < 200 && !told.includes('sent r-82'); i++) {
      const result = await mail.dispatch(purposes);
      if (result.kind === 'wait') now = Math.max(now + 1000, Date.parse(result.until));
    }
    expect(told).toContain('sent r-82');
    expect(now).toBeLessThanOrEqual(expected);
  });

  it('sends people\u2019s mail first, spreads the bulk, and says when to come back', async () => {
    const { mail } = await dispatchFor();
    const { purposes, told } = recordingPurposes();
    expect(await mail.enqueue(request(10))).toMatchObject({ wake: true });
    await mail.enqueue(request(11));
    await mail.enqueue(request(12, 'people'));
    const first = await mail.dispatch(purposes);
    // The person's mail and one invitation go now; the next invitation waits one bulk spacing.
    expect(told).toEqual(['sent r-12', 'sent r-10']);
    expect(first).toEqual({
      kind: 'wait',
      until: new Date(now + 36_020).toISOString(),
      sent: 2,
      reason: 'pace',
    });
    const backlog = await mail.backlog();
    expect(backlog.lanes).toEqual({
      people: { queued: 0 },
      bulk: { queued: 1, oldestQueuedAt: expect.any(String) },
    });
    expect(backlog.sentLastMinute).toBe(2);
    now += 36_020;
    expect(await mail.dispatch(purposes)).toEqual({ kind: 'idle', sent: 1 });
    expect(told).toEqual(['sent r-12', 'sent r-10', 'sent r-11']);
    // Idle was announced: the next mail queued must wake the dispatcher.
    expect(await mail.enqueue(request(13, 'people'))).toMatchObject({ wake: true });
  });

  it('a flood of people\u2019s mail does not starve the bulk lane: bulk gets its turn within a spacing', async () => {
    const { mail } = await dispatchFor();
    const { purposes, told } = recordingPurposes();
    const started = now;
    await mail.enqueue(request(40));
    for (let n = 41; n <= 100; n++) await mail.enqueue(request(n, 'people'));
    while (!told.includes('sent r-40') && now - started < 3 * 3_600_000) {
      const result = await mail.dispatch(purposes);
      if (result.kind === 'wait') now = Math.max(now + 1, Date.parse(result.until));
    }
    const position = told.indexOf('sent r-40');
    // People first (the minute's places), then bulk once it has waited a whole spacing (36 s).
    expect(position).toBeGreaterThan(0);
    expect(position).toBeLessThanOrEqual(31);
    expect(now - started).toBeLessThan(2 * 36_020 + 62_000);
  });

  it('skips a mail nobody wants any more without spending a place in the pace', async () => {
    const { mail, outbox } = await dispatchFor();
    const { purposes, told } = recordingPurposes(new Set(['r-20']));
    await mail.enqueue(request(20));
    await mail.enqueue(request(21));
    expect(await mail.dispatch(purposes)).toEqual({ kind: 'idle', sent: 1 });
    expect(told).toEqual(['withdrawn r-20', 'sent r-21']);
    expect(await outbox.get(request(20).key)).toMatchObject({ state: 'withdrawn' });
    expect(sentTo('contact20@')).toHaveLength(0);
  });

  it('waits out ACS\u2019s Retry-After; one failing mail steps aside while the next goes', async () => {
    const { mail } = await dispatchFor({ perMinute: 1000, perHour: 100_000 }, () => 0);
    const { purposes, told } = recordingPurposes();
    await mail.enqueue(request(30, 'people'));
    await mail.enqueue(request(31, 'people'));
    world.cloud.faults.set('acs', { rate429: 1, retryAfterSeconds: 20, limit: 1 });
    expect(await mail.dispatch(purposes)).toEqual({
      kind: 'wait',
      until: new Date(now + 20_000).toISOString(),
      sent: 0,
      reason: 'throttled',
    });
    now += 20_000;
    world.cloud.faults.set('acs', { rate429: 0, rate5xx: 1, limit: 1 });
    // r-30 fails once and steps aside for a second; r-31 goes; then r-30's turn comes again.
    expect(await mail.dispatch(purposes)).toEqual({
      kind: 'wait',
      until: new Date(now + 1000).toISOString(),
      sent: 1,
      reason: 'pace',
    });
    expect(told).toEqual(['sent r-31']);
    now += 1000;
    expect(await mail.dispatch(purposes)).toEqual({ kind: 'idle', sent: 1 });
    expect(told).toEqual(['sent r-31', 'sent r-30']);
    expect(sentTo('contact30@')).toHaveLength(1);
  });

  it('takes failures in a row for an outage: everything waits, and a mail is given up (telling why) only after the deadline', async () => {
    const { mail } = await dispatchFor({ perMinute: 1000, perHour: 100_000 }, () => 0);
    const { purposes, told } = recordingPurposes();
    await mail.enqueue(request(40, 'people'));
    await mail.enqueue(request(41, 'people'));
    world.cloud.faults.set('acs', { rate5xx: 1 });
    const started = now;
    // Each stepped aside for the policy's floor (1 s), twice; the fifth failure in a row is an outage.
    expect(await mail.dispatch(purposes)).toMatchObject({ kind: 'wait', reason: 'pace' });
    now += 1000;
    expect(await mail.dispatch(purposes)).toMatchObject({ kind: 'wait', reason: 'pace' });
    now += 1000;
    expect(await mail.dispatch(purposes)).toMatchObject({ kind: 'wait', reason: 'failing' });
    expect((await mail.backlog()).failingSince).toBe(new Date(started).toISOString());
    now += 3_600_000;
    expect(await mail.dispatch(purposes)).toEqual({ kind: 'idle', sent: 0 });
    // Both are past the deadline at once: which is told first is not a promise.
    expect([...told].sort()).toEqual([
      expect.stringMatching(/^failed r-40: ACS has been failing since .* \(last answer: HTTP 503: /),
      expect.stringMatching(/^failed r-41: ACS has been failing since/),
    ]);
    world.cloud.faults.clear();
  });
});
