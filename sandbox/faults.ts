import type { IncomingMessage, ServerResponse } from 'node:http';

export const Services = ['entra', 'graph', 'arm', 'acs', 'partnerCenter', 'webhooks'] as const;
export type Service = (typeof Services)[number];

/** Fault injection per simulated service, set by configuration or at run time (POST /sandbox/faults). */
export interface Faults {
  latencyMs: number;
  /** Share of requests answered 429 with Retry-After (0..1). */
  rate429: number;
  /** Share of requests answered 503 (0..1). */
  rate5xx: number;
  /** Share of requests whose connection is dropped without an answer (0..1). */
  dropRate: number;
  /** Share of requests answered 200 with a body that is not the service's JSON (0..1). */
  malformedRate: number;
  retryAfterSeconds: number;
  /** Only requests with these methods meet the faults (e.g. ['GET']: ACS accepts mail, status calls fail). */
  onlyMethods?: string[];
  /** At most this many faults, then none (e.g. 1: exactly the next request fails). */
  limit?: number;
}

export const NO_FAULTS: Faults = {
  latencyMs: 0,
  rate429: 0,
  rate5xx: 0,
  dropRate: 0,
  malformedRate: 0,
  retryAfterSeconds: 1,
};

export class FaultInjector {
  private readonly faults = new Map<Service, Faults>();
  /** Faults injected so far, per service and kind (for tests' and benchmarks' figures). */
  readonly injected = new Map<string, number>();
  /** Deterministic when seeded: tests get the same sequence of faults every run. */
  private seed: number;

  constructor(seed = 42) {
    this.seed = seed;
  }

  set(service: Service, faults: Partial<Faults>): void {
    this.faults.set(service, { ...(this.faults.get(service) ?? NO_FAULTS), ...faults });
  }

  get(service: Service): Faults {
    return this.faults.get(service) ?? NO_FAULTS;
  }

  clear(): void {
    this.faults.clear();
  }

  private random(): number {
    // mulberry32
    this.seed = (this.seed + 0x6d2b79f5) | 0;
    let t = this.seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Applies the service's faults; true when the request was answered (or dropped) by a fault. */
  async apply(service: Service, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const f = this.get(service);
    if (f.onlyMethods && !f.onlyMethods.includes(req.method ?? 'GET')) return false;
    if (f.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, f.latencyMs));
    const roll = this.random();
    const kind =
      roll < f.dropRate
        ? 'drop'
        : roll < f.dropRate + f.rate429
          ? '429'
          : roll < f.dropRate + f.rate429 + f.rate5xx
            ? '503'
            : roll < f.dropRate + f.rate429 + f.rate5xx + f.malformedRate
              ? 'malformed'
              : undefined;
    if (!kind) return false;
    if (f.limit !== undefined) {
      if (f.limit <= 0) return false;
      this.set(service, { limit: f.limit - 1 });
    }
    this.injected.set(`${service} ${kind}`, (this.injected.get(`${service} ${kind}`) ?? 0) + 1);
    if (kind === 'drop') {
      req.socket.destroy();
      return true;
    }
    if (kind === '429') {
      res.writeHead(429, { 'Content-Type': 'application/json', 'Retry-After': String(f.retryAfterSeconds) });
      res.end(
        JSON.stringify({
          error: { code: 'TooManyRequests', message: 'Rate limit is exceeded. Try again later.' },
        }),
      );
      return true;
    }
    if (kind === '503') {
      res.writeHead(503, { 'Content-Type': 'application/json' });
      res.end(
        JSON.stringify({
          error: { code: 'ServiceUnavailable', message: 'The service is temporarily unavailable.' },
        }),
      );
      return true;
    }
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end('<html><body>Gateway says hello</body></html>');
    return true;
  }
}
