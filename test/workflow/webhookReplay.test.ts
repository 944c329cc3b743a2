import { createServer, type Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import { startProduct, type Product } from '../support/productHarness';

/**
 * Partner Center's signed events, captured on their way to the app (as anyone on the path could) and
 * sent again: a genuine acceptance replayed after a new reinstatement for the same customer started
 * does not accept it (the event is older than the reinstatement), and an event delivered again, or
 * many times at once, is acted on once.
 */
let p: Product;
let proxy: Server;
const captured: { headers: Record<string, string>; body: string }[] = [];
/** Whether the listener passes deliveries on to the app (or only keeps them). */
let forward = true;
beforeAll(async () => {
  p = await startProduct({ WATCHDOG_SCHEDULE: '0 0 0 1 1 *' });
  // A listener between Partner Center and the app keeps a copy of every delivery.
  proxy = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const headers = Object.fromEntries(
        Object.entries(req.headers).flatMap(([k, v]) =>
          typeof v === 'string' && k !== 'host' && k !== 'content-length' ? [[k, v]] : [],
        ),
      );
      const body = Buffer.concat(chunks).toString('utf8');
      captured.push({ headers, body });
      if (!forward) return void res.writeHead(200).end();
      const answer = await fetch(`${p.host.url}/api/webhooks/partner-center`, {
        method: 'POST',
        headers,
        body,
      });
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(await answer.text());
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
}, 60_000);
afterAll(async () => {
  await new Promise((resolve) => proxy.close(resolve));
  await p.stop();
});

interface View {
  state: string;
  audit: { what: string; details?: { eventId?: string } }[];
}
const view = async (id: string) => (await (await p.partner(`/api/reinstatements/${id}`)).json()) as View;

async function start(customer: string, subscription: string): Promise<string> {
  const res = await p.partner('/api/reinstatements', {
    method: 'POST',
    body: JSON.stringify({
      customerTenantId: customer,
      customerName: 'Fabrikam',
      contact: { name: 'Fay', email: `fay@${customer.slice(0, 8)}.example` },
      scopes: [`/subscriptions/${subscription}`],
    }),
  });
  const { id } = (await res.json()) as { id: string };
  await p.settle();
  return id;
}

const replay = (event: { headers: Record<string, string>; body: string }) =>
  p.anonymous('/api/webhooks/partner-center', { method: 'POST', headers: event.headers, body: event.body });

describe("Partner Center's events, replayed", () => {
  it('a captured acceptance replayed after a new reinstatement for the same customer started leaves it waiting', async () => {
    const customer = randomUUID();
    const subscription = randomUUID();
    p.cloud.state.addCustomer(customer, [subscription], 'Fabrikam');
    p.cloud.state.registration = {
      SubscriberId: 's',
      WebhookUrl: `http://127.0.0.1:${(proxy.address() as { port: number }).port}/`,
      WebhookEvents: ['reseller-relationship-accepted-by-customer'],
    };
    const first = await start(customer, subscription);
    expect((await view(first)).state).toBe('InvitationSent');
    await p.cloud.partnerCenter.accept(customer, false);
    await p.settle();
    expect((await view(first)).state).toBe('AwaitingRoleAssignment');
    const event = captured.at(-1);
    if (!event) throw new Error('no delivery was captured');

    // The partner cancels; six minutes later a new reinstatement for the same customer starts.
    await p.partner(`/api/reinstatements/${first}/cancel`, { method: 'POST' });
    await p.settle();
    await p.advance('6m');
    const second = await start(customer, subscription);
    expect((await view(second)).state).toBe('InvitationSent');

    const replayed = await replay(event);
    expect(replayed.status).toBe(200);
    expect(await replayed.json()).toEqual({ matched: 0 });
    await p.settle();
    const after = await view(second);
    expect(after.state).toBe('InvitationSent');
    expect(after.audit.map((a) => a.what)).not.toContain('webhook-received');
  });

  it('an event delivered ten times at once is acted on once, and again later changes nothing', async () => {
    const customer = randomUUID();
    const subscription = randomUUID();
    p.cloud.state.addCustomer(customer, [subscription], 'Fabrikam');
    p.cloud.state.registration = {
      SubscriberId: 's',
      WebhookUrl: `http://127.0.0.1:${(proxy.address() as { port: number }).port}/`,
      WebhookEvents: ['reseller-relationship-accepted-by-customer'],
    };
    const id = await start(customer, subscription);
    // The genuine delivery is kept on its way, and sent to the app ten times at once.
    forward = false;
    await p.cloud.partnerCenter.accept(customer, false);
    forward = true;
    const event = captured.at(-1);
    if (!event) throw new Error('no delivery was captured');
    const answers = await Promise.all(Array.from({ length: 10 }, () => replay(event)));
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s >= 500)).toEqual([]);
    await Promise.all(answers.map((a) => a.arrayBuffer()));
    await p.settle();
    const received = (await view(id)).audit.filter((a) => a.what === 'webhook-received');
    expect(received).toHaveLength(1);
    expect((await view(id)).state).toBe('AwaitingRoleAssignment');
    const later = await replay(event);
    expect(await later.json()).toEqual({ matched: 0 });
    expect((await view(id)).audit.filter((a) => a.what === 'webhook-received')).toHaveLength(1);
  });
});
