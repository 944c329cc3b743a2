import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUILT_IN_ROLES } from '../../lib/azure/builtInRoles';
import { ArmRoleAssignmentVerifier } from '../../shared/adapters/arm/roleAssignmentVerifier';
import { loadConfig, SETTING_NAMES } from '../../shared/config/appConfig';
import { buildCustomerScripts, procedureScripts } from '../../shared/instructions/customerScripts';
import { grantTemplate, type GrantTarget } from '../../shared/instructions/grantTemplates';
import { parseScope } from '../../shared/model/scopes';
import { evaluateAll } from '../support/armExpressions';
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

  it('gives every resource an apiVersion, and grants only real built-in roles', () => {
    const all = (resources: Resource[]): Resource[] =>
      resources.flatMap((r) => [r, ...all(r.resources ?? [])]);
    for (const resource of all(deploy.resources))
      expect([resource.type, resource.apiVersion]).toEqual([
        resource.type,
        expect.stringMatching(/^\d{4}-\d{2}-\d{2}(-preview)?$/),
      ]);
    const roles = deploy.variables.roles as Record<string, string>;
    const builtIn = Object.values(BUILT_IN_ROLES) as string[];
    for (const id of Object.values(roles)) expect(builtIn).toContain(id);
    const granted = deploy.resources.filter((r) => r.type === 'Microsoft.Authorization/roleAssignments');
    expect(
      granted
        .map((r) => /variables\('roles'\)\.(\w+)/.exec(String(r.properties?.roleDefinitionId))?.[1])
        .sort(),
    ).toEqual(
      [
        'contributor',
        'keyVaultSecretsUser',
        'storageBlobDataOwner',
        'storageQueueDataContributor',
        'storageTableDataContributor',
      ].sort(),
    );
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
    expect(deploy.resources.find((r) => r.type === 'Microsoft.KeyVault/vaults')?.properties).toMatchObject({
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
