import * as df from 'durable-functions';
import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { getContainer } from '../../shared/app/container';
import { checkedPage, instructionsPage, invalidLinkPage } from '../../shared/api/customerPages';
import { ReinstatementService } from '../../shared/api/reinstatementService';
import { customerScriptsFor } from '../../shared/instructions/customerScripts';
import { workflowClient } from '../workflowClient';

const service = async (client: df.DurableClient) =>
  new ReinstatementService(await getContainer(), workflowClient(client));

/** The emailed invitation link: record the click, then on to Microsoft's admin center. */
df.app.client.http('customerInvitationLink', {
  route: 'c/{token}',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: async (request: HttpRequest, client: df.DurableClient): Promise<HttpResponseInit> => {
    const s = await service(client);
    const r = await s.fromToken(request.params.token ?? '', 'invitation');
    if (!r) return invalidLinkPage();
    return {
      status: 302,
      headers: {
        Location: await s.invitationClicked(r),
        'Cache-Control': 'no-store',
        'Referrer-Policy': 'no-referrer',
      },
    };
  },
});

df.app.client.http('customerInstructions', {
  route: 'c/{token}/instructions',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: async (request: HttpRequest, client: df.DurableClient): Promise<HttpResponseInit> => {
    const token = request.params.token ?? '';
    const r = await (await service(client)).fromToken(token, 'instructions');
    if (!r || !r.partnerGroupObjectId) return invalidLinkPage();
    const { config } = await getContainer();
    const scripts = customerScriptsFor(
      { ...r, partnerGroupObjectId: r.partnerGroupObjectId },
      config.partner.groupName,
    );
    return instructionsPage(r, scripts, `/api/c/${token}/done`);
  },
});

/** At most one customer-triggered check per reinstatement per minute (per instance of the app). */
const lastCheck = new Map<string, number>();

df.app.client.http('customerDone', {
  route: 'c/{token}/done',
  methods: ['POST'],
  authLevel: 'anonymous',
  handler: async (request: HttpRequest, client: df.DurableClient): Promise<HttpResponseInit> => {
    const s = await service(client);
    const r = await s.fromToken(request.params.token ?? '', 'instructions');
    if (!r) return invalidLinkPage();
    const now = Date.now();
    if (now - (lastCheck.get(r.id) ?? 0) < 60_000) {
      const page = checkedPage(r, 'We checked less than a minute ago; please try again in a minute.');
      // Added to the page's own headers (content type, CSP, no-store), not in place of them.
      return { ...page, status: 429, headers: { ...page.headers, 'Retry-After': '60' } };
    }
    lastCheck.set(r.id, now);
    if (r.state !== 'AwaitingRoleAssignment') return checkedPage(r, 'There is nothing left to check.');
    await s.verifyOne(r.id, 'customer-link');
    const { repository } = await getContainer();
    return checkedPage(await repository.require(r.id), 'We checked your role assignments just now.');
  },
});
