import { TableClient } from '@azure/data-tables';

/** A Table storage client from a connection string; plain http is allowed for local emulators (Azurite). */
export function tableClient(connectionString: string, tableName: string): TableClient {
  const insecure = /UseDevelopmentStorage=true|DefaultEndpointsProtocol=http;/i.test(connectionString);
  return TableClient.fromConnectionString(
    connectionString,
    tableName,
    insecure ? { allowInsecureConnection: true } : {},
  );
}
