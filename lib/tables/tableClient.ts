import { TableClient } from '@azure/data-tables';
import { ManagedIdentityCredential } from '@azure/identity';

/**
 * How the app reaches Table storage: a connection string (Azurite, or an account with shared keys),
 * or the Table service's URL with a managed identity (`AzureWebJobsStorage__accountName`, the
 * identity-based connection Azure Functions documents; shared keys can then stay disabled).
 * https://learn.microsoft.com/azure/azure-functions/functions-reference#connecting-to-host-storage-with-an-identity
 */
export type StorageConnection =
  | { kind: 'connectionString'; connectionString: string }
  | { kind: 'identity'; tableServiceUri: string; clientId?: string };

let identity: { clientId: string | undefined; credential: ManagedIdentityCredential } | undefined;

/** A Table storage client; plain http is allowed for local emulators (Azurite) only. */
export function tableClient(connection: StorageConnection | string, tableName: string): TableClient {
  if (typeof connection === 'string' || connection.kind === 'connectionString') {
    const connectionString = typeof connection === 'string' ? connection : connection.connectionString;
    const insecure = /UseDevelopmentStorage=true|DefaultEndpointsProtocol=http;/i.test(connectionString);
    return TableClient.fromConnectionString(
      connectionString,
      tableName,
      insecure ? { allowInsecureConnection: true } : {},
    );
  }
  // One credential for every table: its token cache is shared.
  if (!identity || identity.clientId !== connection.clientId)
    identity = {
      clientId: connection.clientId,
      credential: connection.clientId
        ? new ManagedIdentityCredential({ clientId: connection.clientId })
        : new ManagedIdentityCredential(),
    };
  return new TableClient(connection.tableServiceUri, tableName, identity.credential);
}
