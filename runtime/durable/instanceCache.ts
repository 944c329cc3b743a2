import { isTerminal, type InstanceMeta } from './instanceModel';
import type { InstanceStore } from './instanceStore';

export interface Cached {
  meta: InstanceMeta;
  etag: string;
}

/**
 * Recently active instances in memory, most recent last, at most `limit` (the rest are read again
 * when their turn comes). The runtime is the only writer of its instances, so what it holds is
 * current; only an instance's own episodes (which run one at a time) fill the cache.
 */
export class InstanceCache {
  private readonly entries = new Map<string, Cached>();

  constructor(
    private readonly store: InstanceStore,
    private readonly limit = 1000,
  ) {}

  /** For the instance's episode: read once and kept. Finished instances are not kept. */
  async load(instanceId: string): Promise<Cached | undefined> {
    const cached = this.entries.get(instanceId);
    if (cached) return cached;
    const found = await this.store.getMeta(instanceId);
    if (found && !isTerminal(found.meta.status)) this.remember(instanceId, found);
    return found;
  }

  /**
   * For everything but its episodes (status, events, starts, activities): what is kept, or a fresh
   * read that is not kept, since it may race an episode's commit and be older.
   */
  async peek(instanceId: string): Promise<Cached | undefined> {
    return this.entries.get(instanceId) ?? (await this.store.getMeta(instanceId));
  }

  /** The kept meta, if any (no read). */
  kept(instanceId: string): InstanceMeta | undefined {
    return this.entries.get(instanceId)?.meta;
  }

  remember(instanceId: string, cached: Cached): void {
    this.entries.delete(instanceId);
    if (isTerminal(cached.meta.status)) return;
    this.entries.set(instanceId, cached);
    if (this.entries.size > this.limit) this.entries.delete(this.entries.keys().next().value as string);
  }

  forget(instanceId: string): void {
    this.entries.delete(instanceId);
  }
}
