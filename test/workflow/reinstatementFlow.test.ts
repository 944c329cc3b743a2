import type {
  Activities,
  FinishInput,
  QueueMailInput,
  ReinstatementInput,
  ScopeProgress,
  StepOutcome,
} from '../../shared/workflow/contract';
import { startFlowHarness, type FlowHarness } from '../support/flowHarness';

/**
 * The reinstatement's orchestration alone, on durable-functions' replay in the offline runtime,
 * with in-memory activities and a manual clock: the procedure's order, its reminders, deadlines,
 * retries, cancellation and resends, each in milliseconds of a 14-day wait.
 */
let h: FlowHarness;
beforeAll(async () => {
  h = await startFlowHarness();
});
afterAll(() => h.stop());

const schedule = {
  invitationReminderDays: [3, 7],
  invitationExpiryDays: 14,
  roleAssignmentReminderDays: [3, 7],
  roleAssignmentDeadlineDays: 14,
  transientRetryHours: 24,
};
let n = 0;
const input = (extra: Partial<ReinstatementInput> = {}): ReinstatementInput => ({
  reinstatementId: `r-flow-${++n}`,
  schedule,
  fresh: true,
  ...extra,
});
const done = <T>(value: T): StepOutcome<T> => ({ kind: 'done', value });

/** A reinstatement's activities in memory: mails go at once, `verified` scopes of `total`. */
function activities(over: Partial<Activities> = {}, scopes = { verified: 0, total: 1 }): Partial<Activities> {
  const progress = (): ScopeProgress => ({
    ...scopes,
    pendingSummary: `${scopes.verified} of ${scopes.total}`,
  });
  return {
    loadProgress: async () => done({ state: 'Requested' }),
    queueMail: async () =>
      done({ state: 'accepted', queuedAt: h.clock.now().toISOString(), sentAt: h.clock.now().toISOString() }),
    recordMailSent: async () => done(null),
    recordAcceptance: async () => done(null),
    lookupPartnerGroup: async () => done('group-id'),
    checkScopesNow: async () => done(progress()),
    scopeProgress: async () => done(progress()),
    noteTrouble: async () => done(null),
    finish: async (i: FinishInput) => done(i.outcome),
    ...over,
  };
}

const callsOf = (id: string) =>
  h.calls.filter((c) => (c.input as { reinstatementId?: string }).reinstatementId === id);
const names = (id: string) => callsOf(id).map((c) => c.name);
const mails = (id: string) =>
  callsOf(id)
    .filter((c) => c.name === 'queueMail')
    .map((c) => {
      const q = c.input as QueueMailInput;
      return `${q.kind}#${q.sequence} ${q.lane}`;
    });
const finished = (id: string) =>
  callsOf(id).find((c) => c.name === 'finish')?.input as FinishInput | undefined;

it('follows the procedure: invitation, acceptance, partner group, check, instructions, verified, Reinstated', async () => {
  const scopes = { verified: 0, total: 1 };
  h.use(activities({}, scopes));
  const { reinstatementId: id } = input();
  await h.start('reinstatement', id, { ...input(), reinstatementId: id });
  expect((await h.status(id))?.customStatus).toEqual({ step: 'waiting for acceptance' });
  await h.raise(id, 'Accepted', { via: 'webhook', eventId: 'e1' });
  scopes.verified = 1;
  await h.raise(id, 'ScopeVerified', { by: 'timer' });
  expect(names(id)).toEqual([
    'queueMail',
    'recordMailSent',
    'recordAcceptance',
    'lookupPartnerGroup',
    'checkScopesNow',
    'queueMail',
    'recordMailSent',
    'scopeProgress',
    'scopeProgress',
    'finish',
  ]);
  expect(mails(id)).toEqual(['invitation#0 bulk', 'instructions#0 people']);
  expect(finished(id)).toMatchObject({ outcome: 'Reinstated' });
  expect((await h.status(id))?.status).toBe('Completed');
});

it('reminds on days 3 and 7, and expires on day 14 without an acceptance', async () => {
  h.use(activities());
  const start = input();
  await h.start('reinstatement', start.reinstatementId, start);
  await h.advance('13d');
  expect(mails(start.reinstatementId)).toEqual([
    'invitation#0 bulk',
    'invitation#1 bulk',
    'invitation#2 bulk',
  ]);
  expect(finished(start.reinstatementId)).toBeUndefined();
  await h.advance('1d');
  expect(finished(start.reinstatementId)).toMatchObject({
    outcome: 'Expired',
    reason: 'the invitation was not accepted within 14 days',
  });
});

it('does not ask for the role assignment when every scope already has it', async () => {
  h.use(activities({}, { verified: 2, total: 2 }));
  const start = input();
  await h.start('reinstatement', start.reinstatementId, start);
  await h.raise(start.reinstatementId, 'Accepted', { via: 'partner', eventId: 'e2' });
  expect(mails(start.reinstatementId)).toEqual(['invitation#0 bulk']);
  expect(finished(start.reinstatementId)).toMatchObject({ outcome: 'Reinstated' });
});

it("retries a throttled step no sooner than the service's Retry-After, shows it, and clears it", async () => {
  let lookups = 0;
  h.use(
    activities({
      lookupPartnerGroup: async () =>
        ++lookups < 3
          ? { kind: 'retry', reason: 'Microsoft Graph is throttling', afterMs: 900_000 }
          : done('group-id'),
    }),
  );
  const start = input();
  const id = start.reinstatementId;
  await h.start('reinstatement', id, start);
  const acceptedAt = h.clock.now().getTime();
  await h.raise(id, 'Accepted', { via: 'webhook', eventId: 'e3' });
  const notes = () =>
    callsOf(id)
      .filter((c) => c.name === 'noteTrouble')
      .map((c) => c.input as { attempt?: number; nextAttemptAt?: string; clear?: true });
  expect(notes()).toHaveLength(1);
  expect(Date.parse(notes()[0]?.nextAttemptAt ?? '')).toBeGreaterThanOrEqual(acceptedAt + 900_000);
  await h.advance('14m');
  expect(lookups).toBe(1); // nothing asked before the quarter of an hour Graph asked for
  await h.advance('40m');
  expect(lookups).toBe(3);
  expect(notes().map((note) => note.clear ?? note.attempt)).toEqual([1, 2, true]);
  expect(names(id)).toContain('checkScopesNow');
});

it('fails a step that keeps failing once its TRANSIENT_RETRY_HOURS are over, saying why', async () => {
  h.use(activities({ lookupPartnerGroup: async () => ({ kind: 'retry', reason: 'Graph is down' }) }));
  const start = input({ schedule: { ...schedule, transientRetryHours: 2 } });
  await h.start('reinstatement', start.reinstatementId, start);
  await h.raise(start.reinstatementId, 'Accepted', { via: 'webhook', eventId: 'e4' });
  await h.advance('110m');
  expect(finished(start.reinstatementId)).toBeUndefined();
  await h.advance('20m');
  expect(finished(start.reinstatementId)?.outcome).toBe('Failed');
  expect(finished(start.reinstatementId)?.reason).toMatch(
    /^looking up the partner group: still failing after \d+ attempts over 2 h \(Graph is down\)$/,
  );
});

it('a permanent failure ends the flow at once with its reason', async () => {
  h.use(
    activities({
      lookupPartnerGroup: async () => ({ kind: 'failed', reason: 'no group named AdminAgents' }),
    }),
  );
  const start = input();
  await h.start('reinstatement', start.reinstatementId, start);
  await h.raise(start.reinstatementId, 'Accepted', { via: 'webhook', eventId: 'e5' });
  expect(finished(start.reinstatementId)).toMatchObject({
    outcome: 'Failed',
    reason: 'no group named AdminAgents',
  });
});

it("ends on the partner's Cancel during a wait, and sends a resend at once in people's lane", async () => {
  h.use(activities());
  const start = input();
  const id = start.reinstatementId;
  await h.start('reinstatement', id, start);
  await h.raise(id, 'Resend', { by: 'ops', sequence: 1 });
  expect(mails(id)).toEqual(['invitation#0 bulk', 'invitation-resend#1 people']);
  await h.raise(id, 'Cancel', { by: 'Pat Ops <pat@partner.example>' });
  expect(finished(id)).toMatchObject({
    outcome: 'Cancelled',
    reason: 'cancelled by Pat Ops <pat@partner.example>',
  });
});

it('expires on the role-assignment deadline after one last look, naming what is missing', async () => {
  h.use(activities({}, { verified: 1, total: 2 }));
  const start = input();
  await h.start('reinstatement', start.reinstatementId, start);
  await h.raise(start.reinstatementId, 'Accepted', { via: 'webhook', eventId: 'e6' });
  await h.advance('14d');
  expect(mails(start.reinstatementId)).toEqual([
    'invitation#0 bulk',
    'instructions#0 people',
    'instructions#1 bulk',
    'instructions#2 bulk',
  ]);
  expect(finished(start.reinstatementId)).toMatchObject({
    outcome: 'Expired',
    reason: 'role assignments not granted within 14 days (1 of 2)',
  });
});

it('an end asked for without an orchestration records only that end, with who asked', async () => {
  h.use(activities());
  const start = input({
    end: { outcome: 'Failed', reason: 'its orchestration was terminated', actor: 'watchdog' },
  });
  await h.start('reinstatement', start.reinstatementId, start);
  expect(names(start.reinstatementId)).toEqual(['finish']);
  expect(finished(start.reinstatementId)).toMatchObject({ outcome: 'Failed', actor: 'watchdog' });
});

it('waits for the dispatcher to send a queued invitation, and fails when it gives the mail up', async () => {
  h.use(
    activities({ queueMail: async () => done({ state: 'queued', queuedAt: h.clock.now().toISOString() }) }),
  );
  const start = input();
  const id = start.reinstatementId;
  await h.start('reinstatement', id, start);
  expect(names(id)).toEqual(['queueMail']);
  // News of another mail is not this one's.
  await h.raise(id, 'MailSent', {
    kind: 'invitation',
    sequence: 1,
    ok: true,
    at: h.clock.now().toISOString(),
  });
  expect(names(id)).toEqual(['queueMail']);
  await h.raise(id, 'MailSent', {
    kind: 'invitation',
    sequence: 0,
    ok: false,
    at: '',
    reason: 'ACS refused it',
  });
  expect(finished(id)).toMatchObject({
    outcome: 'Failed',
    reason: 'the invitation could not be sent: ACS refused it',
  });
});
