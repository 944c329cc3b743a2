/**
 * What a Kusto query over Application Insights refers to: the table it reads, the metric names it
 * compares `name` with, and the customDimensions keys it reads. Enough for the queries this project
 * writes (shared/telemetry/operationsQueries.ts, docs/OPERATIONS.md), to hold them to the code.
 */
export interface KustoReferences {
  tables: string[];
  metricNames: string[];
  dimensions: string[];
}

export function kustoReferences(query: string): KustoReferences {
  const quoted = (list: string) => [...list.matchAll(/"([^"]+)"/g)].map((m) => m[1] as string);
  const tables = [
    ...query.matchAll(/(?:^|\bunion\s+|,\s*)(customMetrics|requests|dependencies|traces|customEvents)\b/gm),
  ].map((m) => m[1] as string);
  const metricNames = [
    ...[...query.matchAll(/\bname\s*==\s*"([^"]+)"/g)].map((m) => m[1] as string),
    ...[...query.matchAll(/\bname\s+in\s*\(([^)]*)\)/g)].flatMap((m) => quoted(m[1] as string)),
  ];
  const dimensions = [...query.matchAll(/customDimensions\["([^"]+)"\]/g)].map((m) => m[1] as string);
  return {
    tables: [...new Set(tables)],
    metricNames: [...new Set(metricNames)],
    dimensions: [...new Set(dimensions)],
  };
}
