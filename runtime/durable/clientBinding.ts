import type { ManagementUrls } from './durableHttpApi';

/**
 * The data the Durable extension hands a function that declares `df.input.durableClient()`
 * (OrchestrationClientInputData). durable-functions' DurableClient talks to `rpcBaseUrl` for every
 * operation and uses the URL templates for check-status responses.
 */
export function durableClientData(origin: string, taskHubName: string, systemKey: string) {
  const base = `${origin}/runtime/webhooks/durabletask`;
  const common = `taskHub=${taskHubName}&connection=Storage&code=${encodeURIComponent(systemKey)}`;
  const instance = `${base}/instances/INSTANCEID`;
  return {
    taskHubName,
    creationUrls: {
      createNewInstancePostUri: `${base}/orchestrators/{functionName}[/{instanceId}]?code=${encodeURIComponent(systemKey)}`,
      createAndWaitOnNewInstancePostUri: `${base}/orchestrators/{functionName}[/{instanceId}]?timeout={timeoutInSeconds}&pollingInterval={intervalInSeconds}&code=${encodeURIComponent(systemKey)}`,
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
    requiredQueryStringParameters: `code=${encodeURIComponent(systemKey)}`,
    rpcBaseUrl: `${origin}/durabletask/`,
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
