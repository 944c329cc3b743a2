import { odata, type TableClient } from '@azure/data-tables';
import type { AppConfig } from '../../config/appConfig';
import { scopeFor } from '../../../lib/azure/clouds';
import { isGuid } from '../../model/identifiers';
import { isNotFound } from '../../../lib/tables/tableErrors';
import type { Credentials } from '../identity/credentials';
import { JsonServiceClient } from '../jsonServiceClient';
import type { Failure } from '../outcomes';
import { tlsOptions } from '../../../lib/azure/tls';

export type GroupLookup =
  | { kind: 'found'; groupId: string; displayName: string; cached: boolean }
  | { kind: 'notFound'; displayName: string }
  | { kind: 'ambiguous'; displayName: string; count: number }
  | { kind: 'failed'; failure: Failure };

/** Looks up the partner group customers grant Owner to (AdminAgents by default). */
export interface PartnerGroupLookup {
  lookup(): Promise<GroupLookup>;
}

/**
 * Microsoft Graph `GET /v1.0/groups?$filter=displayName eq '<name>'&$select=id,displayName` in the
 * partner tenant (least privilege: GroupMember.Read.All). Exactly one group must match; none or
 * several is a clear failure the workflow does not retry. The id is cached per partner tenant in
 * Table storage for ADMIN_AGENTS_CACHE_HOURS.
 * https://learn.microsoft.com/graph/api/group-list
 */
export class GraphPartnerGroupLookup implements PartnerGroupLookup {
  private readonly graph: JsonServiceClient;

  constructor(
    private readonly config: AppConfig,
    credentials: Credentials,
    private readonly cache: TableClient,
    private readonly now: () => Date = () => new Date(),
    timeoutMs = 15_000,
  ) {
    this.graph = new JsonServiceClient({
      timeoutMs,
      baseUrl: config.cloud.graph,
      credential: credentials.graph(),
      scope: scopeFor(config.cloud.audiences.graph),
      service: 'Microsoft Graph',
      ...tlsOptions(config.identity.caFile),
    });
  }

  async lookup(): Promise<GroupLookup> {
    const name = this.config.partner.groupName;
    const cached = await this.fromCache(name);
    if (cached) return cached;
    // The group name is validated by configuration; odata quoting doubles any quote all the same.
    const filter = odata`displayName eq ${name}`;
    const result = await this.graph.request<{ value?: { id?: string; displayName?: string }[] }>(
      'GET',
      `/v1.0/groups?$filter=${encodeURIComponent(filter)}&$select=id,displayName`,
    );
    if (!result.ok) return { kind: 'failed', failure: result.failure };
    if (!Array.isArray(result.data?.value)) {
      return {
        kind: 'failed',
        failure: { kind: 'transient', message: 'Microsoft Graph sent a response without a value array' },
      };
    }
    const groupIds = result.data.value.flatMap((g) =>
      typeof g.id === 'string' && isGuid(g.id) && g.displayName === name ? [g.id.toLowerCase()] : [],
    );
    const [groupId] = groupIds;
    if (groupId === undefined) return { kind: 'notFound', displayName: name };
    if (groupIds.length > 1) return { kind: 'ambiguous', displayName: name, count: groupIds.length };
    await this.cache.upsertEntity(
      {
        partitionKey: 'partner-group',
        rowKey: this.config.partner.tenantId,
        groupId,
        displayName: name,
        cachedAt: this.now().toISOString(),
      },
      'Replace',
    );
    return { kind: 'found', groupId, displayName: name, cached: false };
  }

  private async fromCache(name: string): Promise<GroupLookup | undefined> {
    const ttlMs = this.config.pacing.adminAgentsCacheHours * 3_600_000;
    if (ttlMs === 0) return undefined;
    try {
      const row = await this.cache.getEntity<{ groupId: string; displayName: string; cachedAt: string }>(
        'partner-group',
        this.config.partner.tenantId,
      );
      const fresh = this.now().getTime() - Date.parse(row.cachedAt) < ttlMs;
      if (fresh && row.displayName === name && isGuid(row.groupId))
        return { kind: 'found', groupId: row.groupId, displayName: name, cached: true };
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    return undefined;
  }
}
