import { app, type HttpResponseInit } from '@azure/functions';
import { checkHealth } from '../../shared/api/health';
import type { HealthAnswer } from '../../shared/api/openapi/responseSchemas';
import { problem } from '../../shared/api/problem';
import { getContainer } from '../../shared/app/container';
import { getConfig } from '../../shared/config/appConfig';

/**
 * Health for load balancers, the sandbox and operators: 200 while Table storage answers (with how
 * verification's identity stands), 503 naming the part that does not answer.
 */
export async function health(): Promise<HttpResponseInit> {
  const config = getConfig();
  const report = await checkHealth(config, getContainer);
  if (!report.ok) {
    const answer = problem(503, 'Not available', report.detail, { failing: [report.failing] });
    return { ...answer, headers: { ...answer.headers, 'Retry-After': '30', 'Cache-Control': 'no-store' } };
  }
  return {
    status: 200,
    headers: { 'Cache-Control': 'no-store' },
    jsonBody: {
      status: 'ok',
      partnerTenantId: config.partner.tenantId,
      taskHub: config.storage.taskHubName,
      storage: 'ok',
      verificationIdentity: report.verificationIdentity,
    } satisfies HealthAnswer,
  };
}

app.http('health', { route: 'health', methods: ['GET'], authLevel: 'anonymous', handler: health });
