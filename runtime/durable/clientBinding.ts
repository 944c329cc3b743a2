import type { ManagementUrls } from './durableHttpApi';

/**
 * The data the Durable extension hands a function that declares `df.input.durableClient()`
 * (OrchestrationClientInputData). Every URL carries the extension's system key (`code=`), as in
 * Azure. There is deliberately no `rpcBaseUrl`: the extension's local RPC endpoint takes no key
 * because in Azure only the worker beside it can reach it, while the runtime's one port is reachable
 * by anything that can reach the app (a page's cross-site form included). Without it,
 * durable-functions' DurableClient calls these webhook URLs, and every call carries the key.
 */
export function durableClientData(origin: string, taskHubName: string, systemKey: string) {
  const base = `${origin}/runtime/webhooks/durabletask`;
  const code = `code=${encodeURIComponent(systemKey)}`;
  const common = `taskHub=${taskHubName}&connection=Storage&${code}`;
  const instance = `${base}/instances/INSTANCEID`;
  return {
    taskHubName,
    creationUrls: {
      createNewInstancePostUri: `${base}/orchestrators/{functionName}[/{instanceId}]?${code}`,
      createAndWaitOnNewInstancePostUri: `${base}/orchestrators/{functionName}[/{instanceId}]?timeout={timeoutInSeconds}&pollingInterval={intervalInSeconds}&${code}`,
    },
    managementUrls: {
      id: 'INSTANCEID',
      statusQueryGetUri: `${instance}?${common}`,
      sendEventPostUri: `${instance}/raiseEvent/{eventName}?${common}`,
      terminatePostUri: `${instance}/terminate?reason={text}&${common}`,
      rewindPostUri: `${instance}/rewind?reason={text}&${common}`,
      purgeHistoryDeleteUri: `${instance}?${common}`,
      restartPostUri: `${instance}/restart?${common}`,
      suspendPostUri: `${instance}/suspend?reason={text}&${common}`,
      resumePostUri: `${instance}/resume?reason={text}&${common}`,
    },
    baseUrl: base,
    requiredQueryStringParameters: code,
    httpBaseUrl: base,
  };
}

export function managementUrls(origin: string, taskHubName: string, systemKey: string): ManagementUrls {
  const templates = durableClientData(origin, taskHubName, systemKey).managementUrls;
  return {
    payload(instanceId: string) {
      const out: Record<string, string> = { id: instanceId };
      for (const [key, value] of Object.entries(templates))
        if (key !== 'id') out[key] = value.replace('INSTANCEID', encodeURIComponent(instanceId));
      return out;
    },
  };
}
