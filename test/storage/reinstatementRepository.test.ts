import { TableClient } from '@azure/data-tables';
import { randomUUID } from 'node:crypto';
import { MAX_SCOPES } from '../../shared/model/request';
import { InvalidTransitionError } from '../../shared/model/states';
import { ValidationError } from '../../shared/model/validationError';
import {
  ReinstatementExistsError,
  ReinstatementNotFoundError,
  ReinstatementRepository,
} from '../../shared/storage/reinstatementRepository';
import { CUSTOMER_TENANT, OTHER_SUBSCRIPTION, sampleRequest, SUBSCRIPTION } from '../support/fixtures';
import { startAzurite, uniqueTableName, type RunningAzurite } from '../support/azurite';

let azurite: RunningAzurite;
let repo: ReinstatementRepository;
let table: TableClient;
let now = new Date('2026-11-26T10:00:00Z');

beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(() => azurite.stop());

beforeEach(async () => {
  const name = uniqueTableName();
  table = TableClient.fromConnectionString(azurite.connectionString, name, { allowInsecureConnection: true });
  repo = ReinstatementRepository.fromConnectionString(azurite.connectionString, name, { clock: () => now });
  await repo.ensureTable();
});

const newId = () => `r-${randomUUID()}`;

describe('ReinstatementRepository against Azurite', () => {
  it('round-trips a reinstatement with every field', async () => {
    const id = newId();
    const request = sampleRequest({
      scopes: [`/subscriptions/${SUBSCRIPTION}`, `/subscriptions/${OTHER_SUBSCRIPTION}/resourceGroups/rg1`],
      delegatedAdmin: true,
      note: 'Line one\nLine two',
    });
    const created = await repo.create(id, request, { actor: 'partner', details: { by: 'ops' } });
    expect(await repo.get(id)).toEqual(created);
    expect(created).toMatchObject({
      id,
      customerTenantId: CUSTOMER_TENANT,
      customerName: 'Contoso Ltd',
      contact: { name: 'Ada Admin', email: 'ada@contoso.com' },
      delegatedAdmin: true,
      note: 'Line one\nLine two',
      state: 'Requested',
      createdAt: now.toISOString(),
      counters: { remindersSent: 0, verificationChecks: 0, linkClicks: 0 },
      auditCount: 1,
      scopes: [
        { scope: `/subscriptions/${SUBSCRIPTION}`, kind: 'subscription', status: 'Pending' },
        {
          scope: `/subscriptions/${OTHER_SUBSCRIPTION}/resourceGroups/rg1`,
          kind: 'resourceGroup',
          status: 'Pending',
        },
      ],
    });
    expect(await repo.get('r-missing')).toBeUndefined();
    await expect(repo.require('r-missing')).rejects.toBeInstanceOf(ReinstatementNotFoundError);
  });

  it('stores the largest request allowed: 50 scopes of up to 1,024 characters', async () => {
    // Nested resources with long names, padded to exactly the 1,024-character limit.
    const longScope = (i: number) => {
      const head = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg${String(i).padStart(2, '0')}/providers/Microsoft.Sql`;
      const body = `/servers/${'s'.repeat(260)}/databases/${'d'.repeat(260)}/schemas/${'c'.repeat(260)}/tables/`;
      return head + body + 't'.repeat(1024 - head.length - body.length);
    };
    const scopes = Array.from({ length: MAX_SCOPES }, (_, i) => longScope(i));
    expect(scopes.every((s) => s.length === 1024)).toBe(true);
    const id = newId();
    await repo.create(id, sampleRequest({ scopes }), { actor: 'partner' });
    const stored = await repo.require(id);
    expect(stored.scopes.map((s) => s.scope)).toEqual(scopes);
  });

  it('refuses to create the same id twice and leaves the first untouched', async () => {
    const id = newId();
    await repo.create(id, sampleRequest(), { actor: 'partner' });
    await expect(
      repo.create(id, sampleRequest({ customerName: 'Other' }), { actor: 'partner' }),
    ).rejects.toBeInstanceOf(ReinstatementExistsError);
    expect((await repo.require(id)).customerName).toBe('Contoso Ltd');
    expect((await repo.listAudit(id)).items).toHaveLength(1);
  });

  it('refuses ids that are unsafe as table keys before touching storage', async () => {
    for (const bad of ['a/b', 'a#b', 'a?b', 'a\\b', 'a\u0001b', '', 'x'.repeat(65)]) {
      await expect(repo.get(bad)).rejects.toBeInstanceOf(ValidationError);
    }
  });

  it('writes the audit trail in order, one row per event, with state changes recorded', async () => {
    const id = newId();
    await repo.create(id, sampleRequest(), { actor: 'partner' });
    now = new Date('2026-11-26T10:05:00Z');
    await repo.transition(id, {
      from: ['Requested'],
      to: 'InvitationSent',
      audit: { what: 'invitation-sent', actor: 'system', details: { messageId: 'm1' } },
    });
    await repo.record(id, { what: 'link-clicked', actor: 'customer-link' }, (r) => r.counters.linkClicks++);
    await repo.transition(id, {
      from: ['InvitationSent'],
      to: 'Accepted',
      audit: {
        what: 'accepted',
        actor: 'webhook',
        details: { event: 'reseller-relationship-accepted-by-customer' },
      },
    });
    const audit = (await repo.listAudit(id)).items;
    expect(audit.map((a) => [a.sequence, a.what, a.actor, a.fromState, a.toState])).toEqual([
      [1, 'requested', 'partner', undefined, 'Requested'],
      [2, 'invitation-sent', 'system', 'Requested', 'InvitationSent'],
      [3, 'link-clicked', 'customer-link', undefined, undefined],
      [4, 'accepted', 'webhook', 'InvitationSent', 'Accepted'],
    ]);
    expect(audit[1]?.details).toEqual({ messageId: 'm1' });
    const record = await repo.require(id);
    expect(record).toMatchObject({ state: 'Accepted', auditCount: 4, stateChangedAt: now.toISOString() });
    expect(record.counters.linkClicks).toBe(1);
  });

  it('refuses a transition the state machine forbids, and writes nothing', async () => {
    const id = newId();
    await repo.create(id, sampleRequest(), { actor: 'partner' });
    await expect(
      repo.transition(id, {
        from: ['Requested'],
        to: 'Reinstated',
        audit: { what: 'reinstated', actor: 'system' },
      }),
    ).rejects.toBeInstanceOf(InvalidTransitionError);
    expect((await repo.require(id)).state).toBe('Requested');
    expect((await repo.listAudit(id)).items).toHaveLength(1);
  });

  it('moves a state only through transition or reopen: an update that changes it is refused', async () => {
    const id = newId();
    await repo.create(id, sampleRequest(), { actor: 'partner' });
    await expect(
      repo.update(id, (current) => {
        current.state = 'InvitationSent';
        return { next: current, audit: { what: 'invitation-sent', actor: 'system' } };
      }),
    ).rejects.toThrow('a state moves only through transition or reopen');
    expect((await repo.require(id)).state).toBe('Requested');
  });

  it('reopens only a Failed reinstatement, and only into a state it can resume in', async () => {
    const id = newId();
    await repo.create(id, sampleRequest(), { actor: 'partner' });
    const fail = {
      from: ['Requested'] as const,
      to: 'Failed' as const,
      audit: { what: 'failed', actor: 'system' as const },
    };
    await repo.transition(id, fail);
    await expect(
      repo.reopen(id, 'Reinstated', { what: 'retried', actor: 'partner' }, () => {}),
    ).rejects.toBeInstanceOf(InvalidTransitionError);
    await repo.reopen(id, 'Requested', { what: 'retried', actor: 'partner' }, () => {});
    expect((await repo.require(id)).state).toBe('Requested');
    // Not Failed (any more): a second reopen writes nothing.
    await repo.reopen(id, 'Requested', { what: 'retried', actor: 'partner' }, () => {});
    expect((await repo.listAudit(id)).items.map((a) => a.what)).toEqual(['requested', 'failed', 'retried']);
  });

  it('keeps both intents when two writers update at once: each re-decides from fresh state', async () => {
    const id = newId();
    await repo.create(
      id,
      sampleRequest({ scopes: [`/subscriptions/${SUBSCRIPTION}`, `/subscriptions/${OTHER_SUBSCRIPTION}`] }),
      { actor: 'partner' },
    );
    const verify = (index: number) =>
      repo.update(id, (current) => {
        const scope = current.scopes[index];
        if (!scope || scope.status === 'Verified') return null;
        scope.status = 'Verified';
        return { next: current, audit: { what: 'scope-verified', actor: 'timer', details: { index } } };
      });
    const clicks = Array.from({ length: 10 }, () =>
      repo.record(id, { what: 'link-clicked', actor: 'customer-link' }, (r) => r.counters.linkClicks++),
    );
    await Promise.all([verify(0), verify(1), ...clicks]);
    const record = await repo.require(id);
    expect(record.scopes.map((s) => s.status)).toEqual(['Verified', 'Verified']);
    expect(record.counters.linkClicks).toBe(10);
    const audit = (await repo.listAudit(id)).items;
    expect(audit).toHaveLength(13);
    expect(audit.map((a) => a.sequence)).toEqual(Array.from({ length: 13 }, (_, i) => i + 1));
  });

  it('answers the decision of the attempt that was written: of 20 once-a-minute limits at once, one allows', async () => {
    const id = newId();
    await repo.create(id, sampleRequest(), { actor: 'partner' });
    const limitOnceAMinute = () =>
      repo.updateDeciding(id, (current) => {
        if (current.lastCustomerCheckAt) return { change: null, answer: 'too soon' as const };
        current.lastCustomerCheckAt = now.toISOString();
        return { change: { next: current }, answer: 'allowed' as const };
      });
    const answers = await Promise.all(Array.from({ length: 20 }, limitOnceAMinute));
    expect(answers.filter((a) => a.answer === 'allowed')).toHaveLength(1);
    // Every caller sees the record as it stands after the one allowed write.
    for (const a of answers) expect(a.record.lastCustomerCheckAt).toBe(now.toISOString());
  });

  it('lets exactly one of two conflicting transitions win; the loser re-decides and writes nothing', async () => {
    const id = newId();
    await repo.create(id, sampleRequest(), { actor: 'partner' });
    await repo.transition(id, {
      from: ['Requested'],
      to: 'InvitationSent',
      audit: { what: 'invitation-sent', actor: 'system' },
    });
    const [cancelled, expired] = await Promise.all([
      repo.transition(id, {
        from: ['InvitationSent'],
        to: 'Cancelled',
        audit: { what: 'cancelled', actor: 'partner' },
      }),
      repo.transition(id, {
        from: ['InvitationSent'],
        to: 'Expired',
        audit: { what: 'expired', actor: 'system' },
      }),
    ]);
    // Both answer the record as it ended: one of the two moves, the same for both.
    expect(cancelled.state).toBe(expired.state);
    const record = await repo.require(id);
    expect(['Cancelled', 'Expired']).toContain(record.state);
    expect((await repo.listAudit(id)).items.map((a) => a.toState).filter(Boolean)).toEqual([
      'Requested',
      'InvitationSent',
      record.state,
    ]);
  });

  it('a stale ETag is rejected by storage itself (the mechanism the retries rely on)', async () => {
    const id = newId();
    await repo.create(id, sampleRequest(), { actor: 'partner' });
    const stale = await table.getEntity(id, 'record');
    await repo.record(id, { what: 'note', actor: 'system' });
    await expect(
      table.updateEntity({ ...stale, partitionKey: id, rowKey: 'record', state: 'Failed' }, 'Replace', {
        etag: stale.etag,
      }),
    ).rejects.toMatchObject({
      statusCode: 412,
    });
    expect((await repo.require(id)).state).toBe('Requested');
  });

  it('pages through 1,000 reinstatements by state and by customer with continuation tokens', async () => {
    const otherCustomer = '0c0c0c0c-1d1d-4e2e-8f3f-404040404040';
    const ids: string[] = [];
    for (let batch = 0; batch < 10; batch++) {
      await Promise.all(
        Array.from({ length: 100 }, async (_, i) => {
          const id = `r-${String(batch * 100 + i).padStart(4, '0')}`;
          ids.push(id);
          const odd = (batch * 100 + i) % 2 === 1;
          await repo.create(id, sampleRequest(odd ? { customerTenantId: otherCustomer } : {}), {
            actor: 'partner',
          });
          if (odd)
            await repo.transition(id, {
              from: ['Requested'],
              to: 'InvitationSent',
              audit: { what: 'invitation-sent', actor: 'system' },
            });
        }),
      );
    }
    const collect = async (list: (token?: string) => ReturnType<typeof repo.listAll>) => {
      const seen: string[] = [];
      let pages = 0;
      let token: string | undefined;
      do {
        const page = await list(token);
        pages++;
        expect(page.items.length).toBeLessThanOrEqual(64);
        seen.push(...page.items.map((r) => r.id));
        token = page.continuationToken;
      } while (token);
      return { seen, pages };
    };
    const all = await collect((t) => repo.listAll({ pageSize: 64, ...(t ? { continuationToken: t } : {}) }));
    expect(all.seen.sort()).toEqual(ids.sort());
    expect(all.pages).toBeGreaterThanOrEqual(16);

    const sent = await collect((t) =>
      repo.listByState('InvitationSent', { pageSize: 64, ...(t ? { continuationToken: t } : {}) }),
    );
    expect(sent.seen).toHaveLength(500);
    expect(new Set(sent.seen).size).toBe(500);

    const theirs = await collect((t) =>
      repo.listByCustomer(otherCustomer, { pageSize: 64, ...(t ? { continuationToken: t } : {}) }),
    );
    expect(theirs.seen.sort()).toEqual(sent.seen.sort());
  });

  it('refuses a forged continuation token with a clear error', async () => {
    await expect(repo.listAll({ continuationToken: 'not a token!' })).rejects.toBeInstanceOf(ValidationError);
    await expect(
      repo.listAll({ continuationToken: Buffer.from('{"x":1}').toString('base64') }),
    ).rejects.toBeInstanceOf(ValidationError);
  });
});
