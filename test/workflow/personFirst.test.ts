import { randomUUID } from 'node:crypto';
import { SUBSCRIPTION } from '../support/fixtures';
import { startProduct, type Product } from '../support/productHarness';

/**
 * A person's single start goes ahead of a bulk job's invitations in the mail queue, at ACS's
 * default custom-domain quota (30 a minute, 100 an hour: one bulk invitation every 36 s).
 */
let p: Product;
beforeAll(async () => {
  p = await startProduct({ EMAIL_SEND_RATE_PER_MINUTE: '30', EMAIL_SEND_RATE_PER_HOUR: '100' });
  p.cloud.acs.limits = { perMinute: 30, perHour: 100 };
}, 60_000);
afterAll(() => p.stop());

const SLOT_MS = 36_020;

it("sends a person's invitation within two mail slots, though a 40-row bulk job's invitations are queued before it", async () => {
  const rows = ['customerTenantId,customerName,contactName,contactEmail,scopes'];
  for (let i = 1; i <= 40; i++) {
    const tenant = randomUUID();
    p.cloud.state.addCustomer(tenant, [SUBSCRIPTION]);
    rows.push(`${tenant},Bulk ${i},Admin ${i},bulk${i}@customer.example,/subscriptions/${SUBSCRIPTION}`);
  }
  const bulk = await p.partner('/api/reinstatements/bulk', {
    method: 'POST',
    body: rows.join('\n'),
    headers: { 'content-type': 'text/csv' },
  });
  expect(bulk.status).toBe(202);
  await p.settle();

  const urgent = randomUUID();
  p.cloud.state.addCustomer(urgent, [SUBSCRIPTION]);
  const startedAt = p.clock.now().getTime();
  const res = await p.partner('/api/reinstatements', {
    method: 'POST',
    body: JSON.stringify({
      customerTenantId: urgent,
      customerName: 'Urgent Ltd',
      contact: { name: 'Una', email: 'una@urgent.example' },
      scopes: [`/subscriptions/${SUBSCRIPTION}`],
    }),
  });
  expect(res.status).toBe(202);
  // The answer says by when the invitation goes; it does go by then, within two slots.
  const { invitationExpectedBy } = (await res.json()) as { invitationExpectedBy: string };
  expect(Date.parse(invitationExpectedBy) - startedAt).toBeLessThanOrEqual(2 * SLOT_MS);
  const invitationOf = () => p.cloud.state.outbox.find((m) => m.to.includes('una@urgent.example'));
  while (!invitationOf() && p.clock.now().getTime() - startedAt < 30 * 60_000) await p.advance('10s');
  const sentAt = Date.parse(invitationOf()?.acceptedAt ?? '');
  expect(sentAt - startedAt).toBeLessThanOrEqual(2 * SLOT_MS);
  // (The clock moves in 10 s steps here, so a send is seen up to one step late.)
  expect(sentAt).toBeLessThanOrEqual(Date.parse(invitationExpectedBy) + 10_000);
  // The bulk job's invitations were still going out: the person went ahead of them, not after.
  const bulkSent = p.cloud.state.outbox.filter((m) => m.to.some((to) => to.startsWith('bulk'))).length;
  expect(bulkSent).toBeLessThan(40);
});
