import { app, type HttpResponseInit } from '@azure/functions';
import type { HealthAnswer } from '../../shared/api/openapi/responseSchemas';
import { getConfig } from '../../shared/config/appConfig';

/** Liveness for load balancers and the sandbox: the app loaded and its configuration is valid. */
export async function health(): Promise<HttpResponseInit> {
  const config = getConfig();
  return {
    status: 200,
    jsonBody: {
      status: 'ok',
      partnerTenantId: config.partner.tenantId,
      taskHub: config.storage.taskHubName,
    } satisfies HealthAnswer,
  };
}

app.http('health', { route: 'health', methods: ['GET'], authLevel: 'anonymous', handler: health });
