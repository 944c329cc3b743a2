import { Agent, createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { azuriteConnectionString } from '../runtime/azuriteProcess';

/** Table-service requests that change rows, as Azurite answered them, by table. */
export interface TableWrites {
  /** Rows inserted, replaced, merged or upserted (a transaction's operations one by one). */
  written: Map<string, number>;
  deleted: Map<string, number>;
  /** Writes Azurite refused (a lost conditional write: 409, 412; a failed transaction's operations). */
  refused: Map<string, number>;
  /** Entity and query reads, all tables together. */
  reads: number;
}

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'MERGE', 'DELETE']);

/** `/devstoreaccount1/Scans(PartitionKey='a',RowKey='b')` → `Scans`; `Tables` and `$batch` as they are. */
function tableOf(path: string): string {
  const rest = path.split('?')[0]?.split('/').filter(Boolean)[1] ?? '';
  return rest.replace(/\(.*$/, '');
}

const add = (map: Map<string, number>, key: string, n = 1) => map.set(key, (map.get(key) ?? 0) + n);

/**
 * A loopback proxy in front of Azurite's Table service that counts, from what Azurite answers, the
 * rows the app and its runtime write: the bench's way to count storage writes without a counter in
 * the product. Requests and answers pass unchanged (Shared Key signs the path, not the host); a
 * transaction (`$batch`) counts each of its operations, all refused when one is.
 */
export class TableWriteCounter {
  private readonly writes: TableWrites = {
    written: new Map(),
    deleted: new Map(),
    refused: new Map(),
    reads: 0,
  };
  private readonly agent = new Agent({ keepAlive: true });
  private server!: Server;
  private port = 0;

  private constructor(private readonly target: { host: string; port: number }) {}

  /** Starts the proxy in front of the Table endpoint `http://127.0.0.1:<port>/...`. */
  static async start(tableEndpoint: string): Promise<TableWriteCounter> {
    const url = new URL(tableEndpoint);
    const counter = new TableWriteCounter({ host: url.hostname, port: Number(url.port) });
    counter.server = createServer((req, res) => counter.forward(req, res));
    await new Promise<void>((resolve) => counter.server.listen(0, '127.0.0.1', () => resolve()));
    counter.port = (counter.server.address() as AddressInfo).port;
    return counter;
  }

  /** The connection string to give the app instead of Azurite's. */
  get connectionString(): string {
    return azuriteConnectionString(this.port);
  }

  /** The counts so far (a copy). */
  snapshot(): TableWrites {
    return {
      written: new Map(this.writes.written),
      deleted: new Map(this.writes.deleted),
      refused: new Map(this.writes.refused),
      reads: this.writes.reads,
    };
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    this.agent.destroy();
  }

  private forward(req: IncomingMessage, res: import('node:http').ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const method = req.method ?? 'GET';
      const table = tableOf(req.url ?? '/');
      const upstream = request(
        {
          host: this.target.host,
          port: this.target.port,
          method,
          path: req.url,
          headers: req.headers,
          agent: this.agent,
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.statusMessage, answer.headers);
          const status = answer.statusCode ?? 0;
          if (table !== '$batch') {
            answer.pipe(res);
            this.count(method, table, status);
            return;
          }
          const answered: Buffer[] = [];
          answer.on('data', (c: Buffer) => answered.push(c));
          answer.pipe(res);
          answer.on('end', () =>
            this.countBatch(body.toString('utf8'), Buffer.concat(answered).toString('utf8')),
          );
        },
      );
      upstream.on('error', () => {
        if (!res.headersSent) res.writeHead(502);
        res.end();
      });
      upstream.end(body);
    });
  }

  private count(method: string, table: string, status: number): void {
    if (!WRITE_METHODS.has(method)) {
      this.writes.reads++;
      return;
    }
    if (table === 'Tables') return; // creating or deleting a table writes no row
    if (status < 200 || status >= 300) add(this.writes.refused, table);
    else add(method === 'DELETE' ? this.writes.deleted : this.writes.written, table);
  }

  /** A transaction: its operations' request lines, all refused unless every answer is 2xx. */
  private countBatch(body: string, answer: string): void {
    const operations = [...body.matchAll(/^(POST|PUT|PATCH|MERGE|DELETE) (\S+) HTTP\/1\.1/gm)].map((m) => ({
      method: m[1] ?? 'POST',
      table: tableOf(new URL(m[2] ?? '/', 'http://x').pathname),
    }));
    const statuses = [...answer.matchAll(/^HTTP\/1\.1 (\d{3})/gm)].map((m) => Number(m[1]));
    const ok = statuses.length > 0 && statuses.every((s) => s >= 200 && s < 300);
    for (const op of operations)
      if (!ok) add(this.writes.refused, op.table);
      else add(op.method === 'DELETE' ? this.writes.deleted : this.writes.written, op.table);
  }
}

/** What was written between two snapshots. */
export function writesSince(before: TableWrites, after: TableWrites): TableWrites {
  const diff = (a: Map<string, number>, b: Map<string, number>) =>
    new Map([...b].map(([k, n]) => [k, n - (a.get(k) ?? 0)] as const).filter(([, n]) => n > 0));
  return {
    written: diff(before.written, after.written),
    deleted: diff(before.deleted, after.deleted),
    refused: diff(before.refused, after.refused),
    reads: after.reads - before.reads,
  };
}
