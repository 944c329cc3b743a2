import { ALERT_RULES, WORKBOOK_QUERIES } from './operationsQueries';

/**
 * The deployment template's part that watches the product (infra/azuredeploy.json; `npm run
 * generate` writes it there): an action group that mails PARTNER_OPS_EMAIL, one log alert rule per
 * entry of ALERT_RULES over Application Insights, and a workbook of WORKBOOK_QUERIES. Its expressions
 * use the template's own parameters and variables (`prefix`, `insightsName`, `location`,
 * `partnerOpsEmail`).
 */

export interface ArmResource {
  type: string;
  apiVersion: string;
  name: string;
  [key: string]: unknown;
}

/** The resource types this module owns in the template (generate.ts replaces exactly these). */
export const MONITORING_RESOURCE_TYPES = [
  'Microsoft.Insights/actionGroups',
  'Microsoft.Insights/scheduledQueryRules',
  'Microsoft.Insights/workbooks',
] as const;

const insightsId = "[resourceId('Microsoft.Insights/components', variables('insightsName'))]";
const actionGroupId = "[resourceId('Microsoft.Insights/actionGroups', variables('actionGroupName'))]";

/** The variables the monitoring resources need, beside the template's own. */
export function monitoringVariables(): Record<string, unknown> {
  return {
    actionGroupName: "[concat(variables('prefix'), '-ops')]",
    operationsWorkbook: {
      version: 'Notebook/1.0',
      items: [
        {
          type: 1,
          name: 'about',
          content: {
            json: '## CSP admin-rights reinstatement: operations\nThe funnel, what is in flight, the mail backlog, throttling and verification over the last 7 days. What each alert means and what to do: docs/OPERATIONS.md in the repository.',
          },
        },
        ...WORKBOOK_QUERIES.map((q, i) => ({
          type: 3,
          name: `query-${i + 1}`,
          content: {
            version: 'KqlItem/1.0',
            title: q.title,
            query: q.query,
            size: 0,
            timeContext: { durationMs: 7 * 24 * 3_600_000 },
            queryType: 0,
            resourceType: 'microsoft.insights/components',
            visualization: q.visualization,
          },
        })),
      ],
      fallbackResourceIds: [insightsId],
      $schema: 'https://github.com/Microsoft/Application-Insights-Workbooks/blob/master/schema/workbook.json',
    },
  };
}

export function monitoringResources(): ArmResource[] {
  return [
    {
      type: 'Microsoft.Insights/actionGroups',
      apiVersion: '2023-01-01',
      name: "[variables('actionGroupName')]",
      location: 'Global',
      metadata: { comment: "Every alert mails the partner's operations team (PARTNER_OPS_EMAIL)." },
      properties: {
        groupShortName: "[take(concat(variables('prefix'), 'ops'), 12)]",
        enabled: true,
        emailReceivers: [
          {
            name: 'partner-ops',
            emailAddress: "[parameters('partnerOpsEmail')]",
            useCommonAlertSchema: true,
          },
        ],
      },
    },
    ...ALERT_RULES.map((rule): ArmResource => ({
      type: 'Microsoft.Insights/scheduledQueryRules',
      apiVersion: '2023-12-01',
      name: `[concat(variables('prefix'), '-alert-${rule.key}')]`,
      location: "[parameters('location')]",
      properties: {
        displayName: rule.displayName,
        description: rule.description,
        severity: rule.severity,
        enabled: true,
        evaluationFrequency: rule.evaluationFrequency,
        windowSize: rule.windowSize,
        scopes: [insightsId],
        criteria: {
          allOf: [
            {
              query: rule.query,
              timeAggregation: 'Count',
              operator: 'GreaterThan',
              threshold: 0,
              failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 },
            },
          ],
        },
        autoMitigate: true,
        actions: { actionGroups: [actionGroupId] },
      },
      dependsOn: [insightsId, actionGroupId],
    })),
    {
      type: 'Microsoft.Insights/workbooks',
      apiVersion: '2023-06-01',
      name: "[guid(resourceGroup().id, 'csp-reinstatement-operations')]",
      location: "[parameters('location')]",
      kind: 'shared',
      properties: {
        displayName: "[concat(variables('prefix'), ': reinstatement operations')]",
        category: 'workbook',
        version: 'Notebook/1.0',
        sourceId: insightsId,
        serializedData: "[string(variables('operationsWorkbook'))]",
      },
      dependsOn: [insightsId],
    },
  ];
}

export interface DeploymentTemplate {
  variables: Record<string, unknown>;
  resources: ArmResource[];
  [key: string]: unknown;
}

/** The template with its monitoring part as the code defines it (the rest kept as it is, in order). */
export function withMonitoring<T extends DeploymentTemplate>(template: T): T {
  const owned = (r: ArmResource) => (MONITORING_RESOURCE_TYPES as readonly string[]).includes(r.type);
  return {
    ...template,
    variables: { ...template.variables, ...monitoringVariables() },
    resources: [...template.resources.filter((r) => !owned(r)), ...monitoringResources()],
  };
}
