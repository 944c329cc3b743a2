import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUILT_IN_ROLES } from '../../lib/azure/builtInRoles';
import { withMonitoring, type DeploymentTemplate } from '../../shared/telemetry/azureMonitorResources';
import { METRIC_NAMES, RECORDED_ATTRIBUTE_KEYS } from '../../shared/telemetry/names';
import { ArmRoleAssignmentVerifier } from '../../shared/adapters/arm/roleAssignmentVerifier';
import { loadConfig, SETTING_NAMES } from '../../shared/config/appConfig';
import { buildCustomerScripts, procedureScripts } from '../../shared/instructions/customerScripts';
import { grantTemplate, type GrantTarget } from '../../shared/instructions/grantTemplates';
import { parseScope } from '../../shared/model/scopes';
import fc from 'fast-check';
import { evaluate, evaluateAll } from '../support/armExpressions';
import { kustoReferences } from '../support/kustoReferences';
import { customerAdminArm, startSandboxWorld, type SandboxWorld } from '../support/sandboxHarness';
import { SIGNING_KEY } from '../support/settings';

/**
 * The deployment template and the customer's grant templates, held to the code. No ARM is reachable
 * here, so nothing is deployed: the checks are what the code relies on (settings, roles, secure
 * defaults), and the customer's assignment is evaluated and PUT to the sandbox's ARM.
 */
const ROOT = join(__dirname, '..', '..');
const read = (path: string) => JSON.parse(readFileSync(join(ROOT, path), 'utf8')) as Template;

interface Resource {
  type: string;
  apiVersion?: string;
  name: string;
  properties?: Record<string, unknown>;
  resources?: Resource[];
  [key: string]: unknown;
}
interface Template {
  $schema: string;
  parameters: Record<string, { type: string; defaultValue?: unknown; metadata?: { description?: string } }>;
  variables: Record<string, unknown>;
  resources: Resource[];
  outputs?: Record<string, unknown>;
}

const deploy = read('infra/azuredeploy.json');

/** Every resource of a template, with those of its nested deployments' templates and child resources. */
function everyResource(resources: Resource[]): Resource[] {
  return resources.flatMap((r) => [
    r,
    ...everyResource(r.resources ?? []),
    ...everyResource(((r.properties?.template as Template | undefined)?.resources ?? []) as Resource[]),
  ]);
}
const parametersFile = read('infra/azuredeploy.parameters.json') as unknown as {
  parameters: Record<string, { value: unknown }>;
};
const site = deploy.resources.find((r) => r.type === 'Microsoft.Web/sites') as Resource;
const siteProps = site.properties as {
  httpsOnly: boolean;
  functionAppConfig: {
    runtime: { name: string; version: string };
    scaleAndConcurrency: { alwaysReady: { name: string; instanceCount: number }[] };
  };
  siteConfig: { minTlsVersion: string; ftpsState: string; appSettings: { name: string; value: string }[] };
};
const appSettings = siteProps.siteConfig.appSettings;
/** Settings the Functions platform reads itself, not the app. */
const PLATFORM_SETTINGS = ['APPLICATIONINSIGHTS_CONNECTION_STRING'];

/**
 * The app settings as the platform hands them to the app: parameters from the parameters file (or
 * their defaults), Key Vault references resolved, and what Azure computes at deployment (endpoints,
 * the identity's client id) replaced by values of the same form.
 */
function resolvedSettings(): Record<string, string> {
  const parameter = (name: string) =>
    String(parametersFile.parameters[name]?.value ?? deploy.parameters[name]?.defaultValue ?? '');
  const computed: Record<string, string> = {
    AzureWebJobsStorage__accountName: 'cspreinabcdefghij',
    AzureWebJobsStorage__clientId: randomUUID(),
    MANAGED_IDENTITY_CLIENT_ID: randomUUID(),
    EMAIL_SENDER_ADDRESS: 'DoNotReply@0a1b2c3d.azurecomm.net',
    ACS_ENDPOINT: 'https://csprein-acs.europe.communication.azure.com',
    PUBLIC_BASE_URL: 'https://csprein-func-abcdefghij.azurewebsites.net',
    APPLICATIONINSIGHTS_CONNECTION_STRING: 'InstrumentationKey=00000000-0000-0000-0000-000000000000',
  };
  return Object.fromEntries(
    appSettings.map(({ name, value }) => {
      const direct =
        /^\[parameters\('([A-Za-z]+)'\)\]$/.exec(value) ??
        /^\[string\(parameters\('([A-Za-z]+)'\)\)\]$/.exec(value);
      if (direct) return [name, parameter(direct[1] as string)];
      if (value.includes('@Microsoft.KeyVault')) return [name, SIGNING_KEY];
      if (!value.startsWith('[')) return [name, value];
      if (!(name in computed)) throw new Error(`no sample for the computed setting ${name}`);
      return [name, computed[name] as string];
    }),
  );
}

describe('infra/azuredeploy.json, the partner deployment', () => {
  it('sets every setting the app requires, so that the app accepts the configuration it gets', () => {
    expect(() => loadConfig(resolvedSettings())).not.toThrow();
    // Take any setting away and the app refuses to start: each one the template sets is needed or chosen.
    const required = SETTING_NAMES.filter((name) => {
      const settings = resolvedSettings();
      if (!(name in settings)) return false;
      delete settings[name];
      try {
        loadConfig(settings);
        return false;
      } catch {
        return true;
      }
    });
    expect(required).toEqual(
      expect.arrayContaining([
        'PARTNER_TENANT_ID',
        'PARTNER_NAME',
        'LINK_SIGNING_KEY',
        'AzureWebJobsStorage__accountName',
      ]),
    );
  });

  it('sets nothing the app does not know', () => {
    const unknown = appSettings
      .map((s) => s.name)
      .filter((n) => !SETTING_NAMES.includes(n) && !PLATFORM_SETTINGS.includes(n));
    expect(unknown).toEqual([]);
  });

  it('uses every parameter, documents each, and the parameters file names only real ones and every required one', () => {
    const body = JSON.stringify({ ...deploy, parameters: {} });
    for (const [name, parameter] of Object.entries(deploy.parameters)) {
      expect([name, body.includes(`parameters('${name}')`)]).toEqual([name, true]);
      expect([name, (parameter.metadata?.description ?? '').length > 20]).toEqual([name, true]);
    }
    for (const name of Object.keys(parametersFile.parameters))
      expect(Object.keys(deploy.parameters)).toContain(name);
    const requiredParameters = Object.entries(deploy.parameters)
      .filter(([, p]) => p.defaultValue === undefined)
      .map(([n]) => n);
    expect(Object.keys(parametersFile.parameters).sort()).toEqual(requiredParameters.sort());
  });

  it('gives every resource an apiVersion, nested ones too, and grants only real built-in roles and its own mail role', () => {
    for (const resource of everyResource(deploy.resources))
      expect([resource.type, resource.apiVersion]).toEqual([
        resource.type,
        expect.stringMatching(/^\d{4}-\d{2}-\d{2}(-preview)?$/),
      ]);
    const builtIn = Object.values(BUILT_IN_ROLES) as string[];
    const granted = everyResource(deploy.resources)
      .filter((r) => r.type === 'Microsoft.Authorization/roleAssignments')
      .map((r) => String(r.properties?.roleDefinitionId));
    const roleIds = granted.map(
      (id) =>
        /variables\('roles'\)\.(\w+)/.exec(id)?.[1] ??
        /'([0-9a-f-]{36})'\)\]$/.exec(id)?.[1] ??
        (id.includes("variables('mailSenderRoleId')") ? 'mailSender' : id),
    );
    expect(roleIds.sort()).toEqual(
      [
        '4633458b-17de-408a-b874-0445c86b69e6', // Key Vault Secrets User, in the vault's deployment
        'mailSender',
        'storageBlobDataOwner',
        'storageQueueDataContributor',
        'storageTableDataContributor',
      ].sort(),
    );
    const roles = deploy.variables.roles as Record<string, string>;
    for (const id of [...Object.values(roles), '4633458b-17de-408a-b874-0445c86b69e6'])
      expect(builtIn).toContain(id);
    expect(JSON.stringify(deploy)).not.toContain(BUILT_IN_ROLES.Contributor);
  });

  it('has the secure defaults and the hosting the app needs', () => {
    expect(siteProps.httpsOnly).toBe(true);
    expect(siteProps.siteConfig.minTlsVersion).toBe('1.2');
    expect(siteProps.siteConfig.ftpsState).toBe('Disabled');
    expect(siteProps.functionAppConfig.runtime).toEqual({ name: 'node', version: '20' });
    expect(siteProps.functionAppConfig.scaleAndConcurrency.alwaysReady).toEqual([
      { name: 'durable', instanceCount: 1 },
    ]);
    const storage = deploy.resources.find((r) => r.type === 'Microsoft.Storage/storageAccounts')?.properties;
    expect(storage).toMatchObject({
      allowSharedKeyAccess: false,
      allowBlobPublicAccess: false,
      minimumTlsVersion: 'TLS1_2',
      supportsHttpsTrafficOnly: true,
    });
    const policies = deploy.resources.filter(
      (r) => r.type === 'Microsoft.Web/sites/basicPublishingCredentialsPolicies',
    );
    expect(policies.map((p) => p.properties)).toEqual([{ allow: false }, { allow: false }]);
    expect(
      everyResource(deploy.resources).find((r) => r.type === 'Microsoft.KeyVault/vaults')?.properties,
    ).toMatchObject({
      enableRbacAuthorization: true,
    });
  });

  it("host.json polls Durable Functions' queues at most 10 s apart, as Microsoft recommends for Flex Consumption", () => {
    const host = JSON.parse(readFileSync(join(ROOT, 'host.json'), 'utf8')) as {
      extensions: { durableTask: { storageProvider?: { maxQueuePollingInterval?: string } } };
    };
    const interval = host.extensions.durableTask.storageProvider?.maxQueuePollingInterval ?? '00:00:30';
    const [h, m, s] = interval.split(':').map(Number);
    expect((h as number) * 3600 + (m as number) * 60 + (s as number)).toBeLessThanOrEqual(10);
  });
});

const SUBSCRIPTION_ID = '3f2b8c1e-7d4a-4e9b-a6c5-1b2d3e4f5a6b';
/** An evaluation context for the partner template, as ARM would have it for one deployment. */
function deployContext(prefix: string, identityPrincipalId: string = randomUUID(), resourceGroup = 'rg-csp') {
  return {
    parameters: {
      ...Object.fromEntries(Object.entries(deploy.parameters).map(([n, p]) => [n, p.defaultValue])),
      ...Object.fromEntries(Object.entries(parametersFile.parameters).map(([n, p]) => [n, p.value])),
      prefix,
      location: 'westeurope',
    },
    variables: deploy.variables,
    subscriptionId: SUBSCRIPTION_ID,
    resourceGroup,
    references: (id: string) =>
      id.includes('Microsoft.ManagedIdentity/userAssignedIdentities')
        ? { principalId: identityPrincipalId, clientId: randomUUID() }
        : (() => {
            throw new Error(`no reference for ${id}`);
          })(),
  };
}
const vaultDeployment = deploy.resources.find(
  (r) => r.type === 'Microsoft.Resources/deployments',
) as Resource;
const vaultDeploymentProps = vaultDeployment.properties as {
  parameters: Record<string, { value: string }>;
  template: Template;
};

/**
 * Every name the template forms from the prefix, with the rule Azure holds it to
 * (https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules; an email
 * service is not listed there and is held to the Communication Services rule).
 */
function namesFormed(prefix: string): { what: string; name: string; valid: RegExp }[] {
  const context = deployContext(prefix);
  const variable = (name: string) => String(evaluate(`[variables('${name}')]`, context));
  const alphanumericsAndHyphens = (min: number, max: number) =>
    new RegExp(`^(?=.{${min},${max}}$)[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$`);
  return [
    { what: 'storage account', name: variable('storageName'), valid: /^[a-z0-9]{3,24}$/ },
    {
      what: 'Key Vault',
      name: String(evaluate(vaultDeploymentProps.parameters.vaultName?.value ?? '', context)),
      valid: /^(?=.{3,24}$)[A-Za-z](?!.*--)[A-Za-z0-9-]*[A-Za-z0-9]$/,
    },
    { what: 'function app', name: variable('functionAppName'), valid: alphanumericsAndHyphens(2, 60) },
    { what: 'plan', name: variable('planName'), valid: /^[A-Za-z0-9-]{1,60}$/ },
    { what: 'identity', name: variable('identityName'), valid: /^[A-Za-z0-9][A-Za-z0-9_-]{2,127}$/ },
    { what: 'workspace', name: variable('workspaceName'), valid: alphanumericsAndHyphens(4, 63) },
    {
      what: 'Application Insights',
      name: variable('insightsName'),
      valid: /^[^%&\\?/\p{Cc}]{1,260}(?<![ .])$/u,
    },
    { what: 'email service', name: variable('emailServiceName'), valid: alphanumericsAndHyphens(1, 63) },
    {
      what: 'Communication Services',
      name: variable('communicationName'),
      valid: alphanumericsAndHyphens(1, 63),
    },
    {
      what: 'action group',
      name: variable('actionGroupName'),
      valid: /^[^:<>+/&%\\?|\p{Cc}]{1,260}(?<![ .])$/u,
    },
    ...deploy.resources
      .filter((r) => r.type === 'Microsoft.Insights/scheduledQueryRules')
      .map((r) => ({
        what: 'alert rule',
        name: String(evaluate(r.name, context)),
        valid: /^[^*<>%{}&:\\?/#\p{Cc}]{1,260}(?<![ .])$/u,
      })),
  ];
}

describe('infra/azuredeploy.json: names, order, least privilege and the link-signing key', () => {
  it("accepts a prefix exactly when every name it forms follows Azure's rules, and says why otherwise", () => {
    const verdict = (prefix: string) => {
      try {
        evaluate("[variables('prefix')]", deployContext(prefix));
        return { accepted: true, message: '' };
      } catch (error) {
        return { accepted: false, message: (error as Error).message };
      }
    };
    const allValid = (prefix: string) => namesFormed(prefix).every((n) => n.valid.test(n.name));
    // The prefix's own constraints are the length: the template checks the rest.
    const { minLength, maxLength } = deploy.parameters.prefix as unknown as {
      minLength: number;
      maxLength: number;
    };
    expect([minLength, maxLength]).toEqual([3, 11]);
    fc.assert(
      fc.property(
        fc.string({
          unit: fc.constantFrom(...'abcxyz019AZ-_. é'.split('')),
          minLength,
          maxLength,
        }),
        (prefix) => {
          const { accepted } = verdict(prefix);
          if (accepted)
            expect([prefix, namesFormed(prefix).filter((n) => !n.valid.test(n.name))]).toEqual([prefix, []]);
          else {
            // Rejected: some name Azure would refuse (evaluated without the check).
            const unchecked = { ...deploy.variables, prefix: "[parameters('prefix')]" };
            const context = { ...deployContext(prefix), variables: unchecked };
            const storage = String(evaluate("[variables('storageName')]", context));
            const vault = String(evaluate(vaultDeploymentProps.parameters.vaultName?.value ?? '', context));
            expect([prefix, /^[a-z0-9]{3,24}$/.test(storage) && /^[A-Za-z]/.test(vault)]).toEqual([
              prefix,
              false,
            ]);
          }
        },
      ),
      { numRuns: 300 },
    );
    expect(verdict('csprein')).toEqual({ accepted: true, message: '' });
    expect(allValid('csprein')).toBe(true);
    for (const bad of ['1csp', 'csp-rein', 'CspRein', 'csp_r', 'csp rein'])
      expect(verdict(bad)).toEqual({
        accepted: false,
        message: expect.stringContaining(
          'The prefix must be 3 to 11 lowercase letters and digits beginning with a letter',
        ),
      });
  });

  it('creates the site only after every role assignment its identity needs, and after the vault holds the key', () => {
    const siteDependsOn = site.dependsOn as string[];
    const assignments = deploy.resources.filter((r) => r.type === 'Microsoft.Authorization/roleAssignments');
    expect(assignments).toHaveLength(4);
    for (const assignment of assignments) {
      const scope = String(assignment.scope).slice(1, -1);
      const name = assignment.name.slice(1, -1);
      expect(siteDependsOn).toContain(
        `[extensionResourceId(${scope}, 'Microsoft.Authorization/roleAssignments', ${name})]`,
      );
    }
    expect(siteDependsOn).toContain(
      "[resourceId('Microsoft.Resources/deployments', variables('keyVaultDeploymentName'))]",
    );
    const inner = vaultDeploymentProps.template.resources;
    expect(inner.map((r) => r.type).sort()).toEqual(
      [
        'Microsoft.Authorization/roleAssignments',
        'Microsoft.KeyVault/vaults',
        'Microsoft.KeyVault/vaults/secrets',
      ].sort(),
    );
    // The app's setting names the vault that deployment made, so the site cannot start before it.
    expect(appSettings.find((s) => s.name === 'LINK_SIGNING_KEY')?.value).toContain(
      "reference(resourceId('Microsoft.Resources/deployments', variables('keyVaultDeploymentName'))",
    );
  });

  it('names the vault anew when the resource group is created anew, and the same on every redeployment', () => {
    const vaultName = (principalId: string, resourceGroup = 'rg-csp') =>
      String(
        evaluate(
          vaultDeploymentProps.parameters.vaultName?.value ?? '',
          deployContext('csprein', principalId, resourceGroup),
        ),
      );
    const identity = randomUUID();
    expect(vaultName(identity)).toBe(vaultName(identity));
    // A recreated group has a new identity: a new name, free of the deleted vault's 90-day hold.
    expect(vaultName(randomUUID())).not.toBe(vaultName(identity));
    expect(vaultName(identity)).toMatch(/^cspreinkv[a-z2-7]{13}$/);
    const vault = vaultDeploymentProps.template.resources.find((r) => r.type === 'Microsoft.KeyVault/vaults');
    expect(vault?.properties).toMatchObject({ enablePurgeProtection: true, enableRbacAuthorization: true });
    // Nothing that changes from one deployment to the next (which would make a new vault each time).
    expect(vaultDeploymentProps.parameters.vaultName?.value).not.toMatch(/utcNow|newGuid|deployment\(\)/);
  });

  it('writes the link-signing key only when asked, so a redeployment keeps every mailed link working', () => {
    expect(deploy.parameters.newLinkSigningKey).toMatchObject({ type: 'bool', defaultValue: false });
    expect(vaultDeploymentProps.parameters.writeKey?.value).toBe("[parameters('newLinkSigningKey')]");
    const secret = vaultDeploymentProps.template.resources.find(
      (r) => r.type === 'Microsoft.KeyVault/vaults/secrets',
    );
    expect(secret?.condition).toBe("[parameters('writeKey')]");
    expect(secret?.properties).toEqual({ value: "[parameters('linkSigningKey')]" });
    expect(vaultDeploymentProps.template.parameters.linkSigningKey?.type).toBe('securestring');
  });

  it('sends mail with a custom role of exactly the actions Microsoft names, on the Communication Services resource only', () => {
    const role = deploy.resources.find((r) => r.type === 'Microsoft.Authorization/roleDefinitions');
    expect(role?.properties).toMatchObject({
      type: 'CustomRole',
      permissions: [
        {
          actions: [
            'Microsoft.Communication/CommunicationServices/Read',
            'Microsoft.Communication/CommunicationServices/Write',
            'Microsoft.Communication/EmailServices/write',
          ],
          notActions: [],
          dataActions: [],
          notDataActions: [],
        },
      ],
      assignableScopes: ['[resourceGroup().id]'],
    });
    const assignment = deploy.resources.find(
      (r) =>
        r.type === 'Microsoft.Authorization/roleAssignments' &&
        String(r.properties?.roleDefinitionId).includes('mailSenderRoleId'),
    );
    expect(assignment?.scope).toBe(
      "[resourceId('Microsoft.Communication/communicationServices', variables('communicationName'))]",
    );
  });
});

describe('infra/azuredeploy.json: the alerts and the workbook', () => {
  const alerts = deploy.resources.filter((r) => r.type === 'Microsoft.Insights/scheduledQueryRules');
  const insightsId = "[resourceId('Microsoft.Insights/components', variables('insightsName'))]";
  const actionGroupId = "[resourceId('Microsoft.Insights/actionGroups', variables('actionGroupName'))]";
  const queryOf = (alert: Resource) =>
    (alert.properties as { criteria: { allOf: { query: string }[] } }).criteria.allOf[0]?.query ?? '';
  const workbookQueries = () =>
    (deploy.variables.operationsWorkbook as { items: { content: { query?: string } }[] }).items
      .map((i) => i.content.query)
      .filter((q): q is string => typeof q === 'string');

  it('are what the code generates (run `npm run generate` after a change)', () => {
    expect(withMonitoring(deploy as unknown as DeploymentTemplate)).toEqual(deploy);
  });

  it("alert the partner's operations team by mail on the identity, the mail backlog, failed reinstatements and 5xx", () => {
    const group = deploy.resources.find((r) => r.type === 'Microsoft.Insights/actionGroups');
    expect((group?.properties as { emailReceivers: unknown[] }).emailReceivers).toEqual([
      { name: 'partner-ops', emailAddress: "[parameters('partnerOpsEmail')]", useCommonAlertSchema: true },
    ]);
    expect(alerts.map((a) => a.name)).toEqual(
      expect.arrayContaining(
        ['identity', 'mail-stuck', 'failed', 'http-5xx'].map(
          (k) => `[concat(variables('prefix'), '-alert-${k}')]`,
        ),
      ),
    );
    for (const alert of alerts) {
      expect([alert.name, alert.properties]).toEqual([
        alert.name,
        expect.objectContaining({
          enabled: true,
          scopes: [insightsId],
          actions: { actionGroups: [actionGroupId] },
          description: expect.stringContaining('docs/OPERATIONS.md'),
        }),
      ]);
      expect(alert.dependsOn).toEqual(expect.arrayContaining([insightsId, actionGroupId]));
    }
  });

  it('query only metrics the code records and dimensions it sets, from Application Insights tables', () => {
    const queries = [...alerts.map(queryOf), ...workbookQueries()];
    expect(queries.length).toBeGreaterThan(10);
    for (const query of queries) {
      const refs = kustoReferences(query);
      expect([query, refs.tables.length]).toEqual([query, 1]);
      expect(['customMetrics', 'requests']).toContain(refs.tables[0]);
      for (const name of refs.metricNames) expect(METRIC_NAMES).toContain(name);
      for (const key of refs.dimensions) expect(RECORDED_ATTRIBUTE_KEYS).toContain(key);
    }
  });

  it('show the funnel and the backlog in a workbook over Application Insights', () => {
    const workbook = deploy.resources.find((r) => r.type === 'Microsoft.Insights/workbooks');
    expect(workbook?.properties).toMatchObject({
      sourceId: insightsId,
      serializedData: "[string(variables('operationsWorkbook'))]",
      category: 'workbook',
    });
    const titles = (
      deploy.variables.operationsWorkbook as { items: { content: { title?: string } }[] }
    ).items.map((i) => i.content.title);
    expect(titles).toEqual(
      expect.arrayContaining([expect.stringMatching(/^Funnel/), 'Mail backlog per lane']),
    );
    const funnel = workbookQueries()[0] ?? '';
    expect(kustoReferences(funnel).metricNames).toEqual(['reinstatement.transitions']);
  });
});

describe("the customer's one-click grant", () => {
  let world: SandboxWorld;
  beforeAll(async () => {
    world = await startSandboxWorld();
  });
  afterAll(() => world.stop());

  it.each([
    ['customer-grant.json', 'subscription'],
    ['customer-grant-resource-group.json', 'resourceGroup'],
  ] as const)(
    'infra/%s is what the code generates (run `npm run generate` after a change)',
    (file, target: GrantTarget) => {
      expect(read(`infra/${file}`)).toEqual(grantTemplate(target));
    },
  );

  it.each(['subscription', 'resourceGroup'] as const)(
    'at a %s: the assignment the scripts make, which verification finds, and a redeployment changes nothing',
    async (target) => {
      const tenant = randomUUID();
      const subscription = randomUUID();
      const customer = world.cloud.state.addCustomer(tenant, [subscription]);
      const group = world.cloud.state.adminAgents.id;
      const template = grantTemplate(target, {
        partnerGroupObjectId: group,
        partnerName: 'Fabrikam CSP',
      }) as unknown as Template;
      const parameters = Object.fromEntries(
        Object.entries(template.parameters).map(([n, p]) => [n, p.defaultValue]),
      );
      const context = {
        parameters,
        variables: template.variables,
        subscriptionId: subscription,
        resourceGroup: 'rg-prod',
      };
      const resource = evaluateAll(template.resources[0] as Resource, context);
      const scope =
        target === 'subscription'
          ? `/subscriptions/${subscription}`
          : `/subscriptions/${subscription}/resourceGroups/rg-prod`;

      // What the generated command would create: the same role, principal and type at the same scope.
      const scripts = buildCustomerScripts({
        customerTenantId: tenant,
        scopes: [parseScope(scope)],
        partnerGroupObjectId: group,
      });
      const command =
        procedureScripts(scripts, 'powershell').steps.find((c) =>
          c.command.startsWith('New-AzRoleAssignment'),
        )?.command ?? '';
      expect(command).toContain(`-ObjectId '${group}'`);
      expect(command).toContain(`-Scope '${scope}'`);
      expect(resource.properties).toMatchObject({ principalId: group, principalType: 'ForeignGroup' });
      expect(String(resource.properties?.roleDefinitionId)).toMatch(
        new RegExp(`/roleDefinitions/${BUILT_IN_ROLES.Owner}$`),
      );

      // The portal's deployment, as the customer's admin: a PUT of the resource to ARM.
      const arm = customerAdminArm(
        world.cloud.url,
        readFileSync(world.caFile, 'utf8'),
        customer,
        subscription,
      );
      const put = () =>
        arm.roleAssignments.create(
          scope,
          resource.name,
          resource.properties as { roleDefinitionId: string; principalId: string },
        );
      await put();
      await put(); // a redeployment: same name, same assignment
      const verifier = new ArmRoleAssignmentVerifier(
        world.config,
        (await world.verificationIdentity()).tokensIn,
      );
      expect((await verifier.verify(tenant, scope, group)).kind).toBe('verified');
    },
  );
});
