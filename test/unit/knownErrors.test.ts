import { instructionsPage } from '../../shared/api/customerPages';
import { buildCustomerScripts, renderFullGuide } from '../../shared/instructions/customerScripts';
import { findKnownErrors, KNOWN_ERRORS } from '../../shared/instructions/knownErrors';
import { parseScope } from '../../shared/model/scopes';
import type { Reinstatement } from '../../shared/model/reinstatement';
import { escapeHtml } from '../../shared/text/plainText';
import { composeMail } from '../../shared/email/templates/composeMail';
import { loadConfig } from '../../shared/config/appConfig';
import { validSettings } from '../support/settings';

/** Each known error as a customer would paste it: the whole line their tool printed. */
const PASTED: Record<string, string> = {
  'cli-foreign-group':
    "az role assignment create: 'ForeignGroup' is not a valid value for '--assignee-principal-type'. Allowed values: User, Group, ServicePrincipal.",
  'unmatched-principal-type':
    "New-AzRoleAssignment : The PrincipalId '0b5ad5d4-6e5f-4d4c-9a0e-2b1c3d4e5f60' has type 'ForeignGroup' , which is different from specified PrincipalType 'Group'.\nAt line:1 char:1",
  'authorization-failed':
    "(AuthorizationFailed) The client 'admin@contoso.com' with object id '2b1c3d4e-5f60-4b5a-9d4c-6e5f0b5ad5d4' does not have authorization to perform action 'Microsoft.Authorization/roleAssignments/write' over scope '/subscriptions/a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d' or the scope is invalid.",
  'principal-not-found':
    'New-AzRoleAssignment : Principal 0b5ad5d4-6e5f-4d4c-9a0e-2b1c3d4e5f60 does not exist in the directory 7f3c2a10-4b5e-4c6d-8e9f-0a1b2c3d4e5f.',
  'role-assignment-exists': '(RoleAssignmentExists) The role assignment already exists.',
  'subscription-not-found':
    "Set-AzContext : Please provide a valid tenant or a valid subscription.\n(SubscriptionNotFound) The subscription 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d' could not be found.",
  'module-in-use':
    "WARNING: The version '6.5.0' of module 'Az.Resources' is currently in use. Retry the operation after closing the applications.",
  'module-version-missing':
    "Import-Module : The specified module 'Az.Resources' with version '4.1.1' was not loaded because no valid module file was found in any module directory.",
  'accounts-version':
    'Import-Module : This module requires Az.Accounts version 2.12.1. An earlier version of Az.Accounts is imported in the current PowerShell session. Please open a new session before importing this module.',
  'owner-on-narrower-scope':
    'Owner is assigned on resource group rg-one, but this request is for the whole subscription',
};

describe('the known errors a customer can meet', () => {
  it.each(KNOWN_ERRORS.map((e) => [e.id]))('%s: its message, pasted, finds it first', (id) => {
    const pasted = PASTED[id];
    expect(pasted).toBeDefined(); // every entry has a realistic sample here
    expect(findKnownErrors(pasted as string)[0]?.id).toBe(id);
  });

  it('each entry says why, what to do, and where that is documented', () => {
    for (const e of KNOWN_ERRORS) {
      expect(e.cause.length).toBeGreaterThan(20);
      expect(e.fix.length).toBeGreaterThan(10);
      expect(e.source).toMatch(/^https:\/\/learn\.microsoft\.com\//);
    }
    expect(new Set(KNOWN_ERRORS.map((e) => e.id)).size).toBe(KNOWN_ERRORS.length);
  });

  it('a message nobody knows finds nothing', () => {
    expect(findKnownErrors('The operation completed successfully')).toEqual([]);
    expect(findKnownErrors('   ')).toEqual([]);
  });
});

const TENANT = '7f3c2a10-4b5e-4c6d-8e9f-0a1b2c3d4e5f';
const GROUP = '0b5ad5d4-6e5f-4d4c-9a0e-2b1c3d4e5f60';
const SCOPE = '/subscriptions/a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d';
const scripts = buildCustomerScripts({
  customerTenantId: TENANT,
  scopes: [parseScope(SCOPE)],
  partnerGroupObjectId: GROUP,
  partnerGroupName: 'AdminAgents',
});
const reinstatement = {
  id: 'r-1',
  customerName: 'Contoso <Ltd>',
  scopes: [
    {
      scope: SCOPE,
      kind: 'subscription',
      status: 'Pending',
      lastCheck: {
        at: '2026-11-27T10:00:00Z',
        finding: 'narrower-scope',
        explanation:
          'Owner is assigned on resource group rg-one, but this request is for the whole subscription',
      },
    },
  ],
} as unknown as Reinstatement;
const render = (pastedError?: string) =>
  instructionsPage(reinstatement, scripts, {
    doneAction: '/api/c/t/done',
    searchAction: '/api/c/t/instructions',
    pastedError,
    sender: { partnerName: 'Fabrikam CSP', supportEmail: 'support@partner.example' },
    linkBase: 'https://app.example/api/c/t',
  }).body ?? '';

describe('where the customer looks', () => {
  it('the instructions page lists every entry, escaped, and answers a pasted message with its entry', () => {
    const page = render();
    for (const e of KNOWN_ERRORS) {
      expect(page).toContain(`id="known-${e.id}"`);
      expect(page).toContain(escapeHtml(e.message));
      expect(page).toContain(escapeHtml(e.fix));
    }
    expect(page).not.toContain('id="search-result"');
    for (const [id, pasted] of Object.entries(PASTED)) {
      const answered = render(pasted);
      const result = answered.slice(answered.indexOf('id="search-result"'));
      expect(result).toContain('This is a known error');
      expect(result.slice(0, result.indexOf('</div>'))).toContain(`id="known-${id}"`);
    }
  });

  it('a hostile paste is shown back escaped, and an unknown one gets the troubleshooting advice', () => {
    const page = render('<script>alert(1)</script>');
    expect(page).not.toContain('<script>');
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page).toContain('This message is not one we know');
  });

  it("the scope's diagnosis links to the matching entry", () => {
    expect(render()).toContain(
      'but this request is for the whole subscription (<a href="#known-owner-on-narrower-scope">what to do</a>)',
    );
  });

  it("the scripts' troubleshooting part carries the table", () => {
    const guide = renderFullGuide(scripts);
    for (const e of KNOWN_ERRORS) {
      expect(guide).toContain(`# If you see (${e.tool}): ${e.message}`);
      expect(guide).toContain(`#   Fix: ${e.fix}`);
    }
  });
});

describe('the instructions mail', () => {
  it('names the commonest errors with their fix, and points at the page for any other', () => {
    const mail = composeMail(loadConfig(validSettings()), {
      kind: 'instructions',
      customerName: 'Contoso',
      contactName: 'Ada',
      instructionsLink: 'https://app.example/api/c/token/instructions',
      deployLinks: [],
      scripts,
      scopes: [],
      deadline: new Date('2026-12-10T00:00:00Z'),
      reminderNumber: 0,
    });
    for (const id of ['cli-foreign-group', 'authorization-failed', 'role-assignment-exists']) {
      const entry = KNOWN_ERRORS.find((e) => e.id === id);
      expect(mail.text).toContain(entry?.message);
      expect(mail.text).toContain(entry?.fix);
      expect(mail.html).toContain(escapeHtml(entry?.message ?? ''));
    }
    expect(mail.text).toContain('https://app.example/api/c/token/instructions#known-errors');
  });
});
