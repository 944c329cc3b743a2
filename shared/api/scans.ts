import { randomUUID } from 'node:crypto';
import { safeCsv } from '../text/csvCells';
import { z } from 'zod';
import type { Container } from '../app/container';
import { parseWith } from '../model/fieldIssues';
import { GUID_RULE, isGuid, normalizeGuid } from '../model/identifiers';
import { ValidationError } from '../model/validationError';
import { countResults, type ScanCounts, type ScanRecord, type ScanResult } from '../storage/scanRepository';
import type { Page } from '../storage/reinstatementRepository';
import type { ScanOutcome } from '../model/watch';
import { isWatchChange, WATCH_CHANGES } from '../model/watch';
import { Orchestrations, type ScanInput, type WorkflowClient } from '../workflow/contract';
import { BulkStarts, type BulkSubmission } from './bulkStarts';
import { CSV_COLUMNS } from './bulkCsv';
import { NotFoundError } from './errors';

const SCAN_ID = /^s-[0-9a-f]{32}$/;
const OUTCOMES: readonly ScanOutcome[] = ['has-access', 'lost-access', 'could-not-check'];
const isOutcome = (value: string): value is ScanOutcome => (OUTCOMES as readonly string[]).includes(value);

/** What the scan found to start: customers without access, less those already being reinstated. */
export interface ScanFindings {
  /** Customers in findings.csv: they lost access on at least one subscription and nothing is reinstating them. */
  customers: number;
  /** Customers that lost access and are already being reinstated (left out of the findings). */
  alreadyBeingReinstated: number;
  /** Why there is nothing to start, when there is nothing. */
  explanation?: string;
}

export interface ScanStatus extends ScanRecord {
  counts: ScanCounts;
  findings: ScanFindings;
}

/** Reinstatements for a scan's findings: which customers, and whom to mail at each. */
export const scanReinstatementsSchema = z.strictObject(
  {
    customers: z
      .array(
        z.strictObject({
          customerTenantId: z.string().refine(isGuid, { error: GUID_RULE }).transform(normalizeGuid),
          contact: z.strictObject({ name: z.string(), email: z.string() }),
          delegatedAdmin: z.boolean().optional(),
          note: z.string().optional(),
          language: z.string().optional(),
        }),
        { error: 'must be an array of customers' },
      )
      .min(1, { error: 'must name at least one customer' })
      .max(5000, { error: 'must name at most 5000 customers' }),
  },
  { error: 'must be a JSON object with customers' },
);

/**
 * The scan of the partner's customers for lost admin rights, as partner tooling uses it: start one
 * (one at a time), follow it, page through its results, take its findings as a bulk-start CSV, or
 * start reinstatements for chosen findings at once.
 */
export class Scans {
  constructor(
    private readonly app: Container,
    private readonly workflow: WorkflowClient,
  ) {}

  /**
   * Starts a scan, or answers the one already running (`existing`). Which one runs is decided by a
   * claim in Table storage before anything is written or started, so requests at the same moment,
   * on one app instance or several, start one scan between them.
   */
  async start(by: string): Promise<{ scanId: string; existing: boolean }> {
    const id = `s-${randomUUID().replace(/-/g, '')}`;
    const running = await this.app.scans.claimRunning(id, this.app.now());
    if (running.existing) return { scanId: running.id, existing: true };
    // The watch compares this scan with the last one that listed every customer.
    const previousScanId = await this.app.scans.latestFinished();
    const scan: ScanRecord = {
      id,
      createdAt: this.app.now().toISOString(),
      createdBy: by,
      state: 'running',
      customersListed: 0,
      customersScanned: 0,
      ...(previousScanId ? { previousScanId } : {}),
    };
    await this.app.scans.create(scan);
    await this.workflow.start(Orchestrations.scan, scan.id, this.input(scan.id));
    return { scanId: scan.id, existing: false };
  }

  private input(scanId: string): ScanInput {
    return { scanId, transientRetryHours: this.app.config.schedule.transientRetryHours };
  }

  async status(id: string): Promise<ScanStatus> {
    const scan = await this.require(id);
    const results = await this.app.scans.allResults(id);
    return {
      ...scan,
      customersScanned: new Set(results.filter((r) => r.change !== 'gone').map((r) => r.customerTenantId))
        .size,
      counts: countResults(results),
      findings: findingsOf(scan, results),
    };
  }

  async results(
    id: string,
    query: {
      outcome?: string | null;
      change?: string | null;
      pageSize?: string | null;
      continuationToken?: string | null;
    },
  ): Promise<Page<ScanResult>> {
    await this.require(id);
    const pageSize = query.pageSize ? Number(query.pageSize) : 100;
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000)
      throw ValidationError.single('pageSize', 'must be a whole number from 1 to 1000');
    const outcome = query.outcome ?? undefined;
    if (outcome !== undefined && !isOutcome(outcome))
      throw ValidationError.single('outcome', `must be one of ${OUTCOMES.join(', ')}`);
    const change = query.change ?? undefined;
    if (change !== undefined && !isWatchChange(change))
      throw ValidationError.single('change', `must be one of ${WATCH_CHANGES.join(', ')}`);
    return this.app.scans.results(id, {
      pageSize,
      ...(outcome ? { outcome } : {}),
      ...(change ? { change } : {}),
      ...(query.continuationToken ? { continuationToken: query.continuationToken } : {}),
    });
  }

  /**
   * The customers that lost access, in exactly the bulk-start CSV format: one row per customer, its
   * lost subscriptions as the scopes, the contact columns left for the partner to fill (Partner
   * Center has no customer contact), the language set to DEFAULT_LANGUAGE for the partner to change.
   * Customers already in a running reinstatement are left out.
   */
  async findingsCsv(id: string): Promise<string> {
    const scan = await this.require(id);
    const results = await this.app.scans.allResults(id);
    const findings = findingsIn(results);
    // An empty file says why, on a note line before the header (bulk start reads past it).
    const why = findings.size ? undefined : findingsOf(scan, results).explanation;
    const language = this.app.config.partner.defaultLanguage;
    const rows = [...findings.values()].map((f) => [
      f.tenantId,
      f.name,
      '',
      '',
      f.scopes.join(';'),
      '',
      '',
      language,
    ]);
    const csv = safeCsv([CSV_COLUMNS, ...rows]);
    return why ? `# ${why.replace(/[\r\n]+/g, ' ')}\n${csv}` : csv;
  }

  /** Reinstatements for the chosen customers of the scan's findings, with the contacts given. */
  async startReinstatements(
    id: string,
    body: unknown,
    by: string,
    idempotencyKey?: string,
  ): Promise<BulkSubmission> {
    const { customers } = parseWith(scanReinstatementsSchema, body);
    const findings = await this.findings(id);
    const unknown = customers.findIndex((c) => !findings.has(c.customerTenantId));
    if (unknown >= 0)
      throw ValidationError.single(
        `customers[${unknown}].customerTenantId`,
        'is not among the customers this scan found without access (or is already being reinstated)',
      );
    const rows = customers.map((c) => {
      const finding = findings.get(c.customerTenantId);
      return {
        customerTenantId: c.customerTenantId,
        customerName: finding?.name ?? c.customerTenantId,
        contact: c.contact,
        scopes: finding?.scopes ?? [],
        ...(c.delegatedAdmin !== undefined ? { delegatedAdmin: c.delegatedAdmin } : {}),
        ...(c.note ? { note: c.note } : {}),
        ...(c.language !== undefined ? { language: c.language } : {}),
      };
    });
    return new BulkStarts(this.app, this.workflow).submit(
      { contentType: 'application/json', text: JSON.stringify(rows) },
      `${by} (scan ${id})`,
      idempotencyKey ? { idempotencyKey } : {},
    );
  }

  /** Lost-access customers not being reinstated, with their lost subscriptions as scopes. */
  private async findings(
    id: string,
  ): Promise<Map<string, { tenantId: string; name: string; scopes: string[] }>> {
    await this.require(id);
    return findingsIn(await this.app.scans.allResults(id));
  }

  private async require(id: string): Promise<ScanRecord> {
    if (!SCAN_ID.test(id)) throw ValidationError.single('scanId', 'must be a scan id (s-...)');
    const scan = await this.app.scans.get(id);
    if (!scan) throw new NotFoundError('scan');
    return scan;
  }
}

/** A subscription the scan found without access that Partner Center still lists. */
const isLostSubscription = (r: ScanResult) =>
  r.outcome === 'lost-access' && r.change !== 'gone' && Boolean(r.subscriptionId);

/** Lost-access customers not being reinstated, with their lost subscriptions as scopes. */
function findingsIn(
  results: ScanResult[],
): Map<string, { tenantId: string; name: string; scopes: string[] }> {
  const lost = new Map<string, { tenantId: string; name: string; scopes: string[] }>();
  for (const r of results) {
    if (!isLostSubscription(r) || r.inReinstatement) continue;
    const entry = lost.get(r.customerTenantId) ?? {
      tenantId: r.customerTenantId,
      name: r.customerName,
      scopes: [],
    };
    entry.scopes.push(`/subscriptions/${r.subscriptionId}`);
    lost.set(r.customerTenantId, entry);
  }
  return lost;
}

function findingsOf(scan: ScanRecord, results: ScanResult[]): ScanFindings {
  const lost = new Map<string, boolean>();
  for (const r of results)
    if (isLostSubscription(r))
      // Already being reinstated only when every lost subscription of the customer is.
      lost.set(r.customerTenantId, (lost.get(r.customerTenantId) ?? true) && Boolean(r.inReinstatement));
  const already = [...lost.values()].filter(Boolean).length;
  const customers = lost.size - already;
  if (customers > 0) return { customers, alreadyBeingReinstated: already };
  const explanation =
    scan.state === 'running'
      ? 'The scan is still running: no customer without access has been found so far.'
      : lost.size === 0
        ? 'No customer lost access in this scan: there is nothing to start.'
        : already === 1
          ? 'The one customer that lost access is already being reinstated: there is nothing to start.'
          : `All ${already} customers that lost access are already being reinstated: there is nothing to start.`;
  return { customers, alreadyBeingReinstated: already, explanation };
}
