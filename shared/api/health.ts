import type { IdentityHealth } from '../adapters/identity/partnerUserTokens';
import type { Container } from '../app/container';
import type { AppConfig } from '../config/appConfig';
import { tableClient } from '../../lib/tables/tableClient';
import { isNotFound } from '../../lib/tables/tableErrors';
import { errorMessage } from '../../lib/errors';

/** How long storage may take to answer the probe before the app counts it as not answering. */
const STORAGE_PROBE_MS = 3_000;

export type HealthReport =
  { ok: true; verificationIdentity: IdentityHealth } | { ok: false; failing: 'storage'; detail: string };

/**
 * Whether the app can work: Table storage answers (a point read of a row that need not exist, within
 * three seconds; the SDK's own retries would otherwise take several), and how verification's
 * identity stands (reported, not a failure: the app runs, and says what to do about it).
 */
export async function checkHealth(
  config: AppConfig,
  container: () => Promise<Container>,
): Promise<HealthReport> {
  const storage = await probeStorage(config);
  if (storage) return { ok: false, failing: 'storage', detail: storage };
  try {
    const app = await within(container(), STORAGE_PROBE_MS);
    return { ok: true, verificationIdentity: await within(app.partnerUser.health(), STORAGE_PROBE_MS) };
  } catch (error) {
    return {
      ok: false,
      failing: 'storage',
      detail: `Table storage failed the app's start: ${messageOf(error)}`,
    };
  }
}

/** Undefined when storage answered; otherwise what went wrong, in words. */
async function probeStorage(config: AppConfig): Promise<string | undefined> {
  const table = tableClient(config.storage.connection, config.storage.partnerStateTable);
  try {
    await table.getEntity('health', 'probe', { abortSignal: AbortSignal.timeout(STORAGE_PROBE_MS) });
    return undefined;
  } catch (error) {
    // The row (or even the table) not existing is an answer: storage is there.
    if (isNotFound(error)) return undefined;
    return `Table storage did not answer within ${STORAGE_PROBE_MS / 1000} s: ${messageOf(error)}`;
  }
}

function within<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s`)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

function messageOf(error: unknown): string {
  const text = errorMessage(error);
  return text.split('\n')[0]?.slice(0, 200) ?? '';
}
