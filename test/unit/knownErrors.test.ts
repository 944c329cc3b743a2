import { instructionsPage } from '../../shared/api/customerPages';
import { buildCustomerScripts, renderFullGuide } from '../../shared/instructions/customerScripts';
import { findKnownErrors, KNOWN_ERRORS } from '../../shared/instructions/knownErrors';
import { parseScope } from '../../shared/model/scopes';
import type { Reinstatement } from '../../shared/model/reinstatement';
import { escapeHtml } from '../../shared/text/plainText';
import { composeMail } from '../../shared/email/templates/composeMail';
import { loadConfig } from '../../shared/config/appConfig';
import { validSettings } from '../support/settings';

describe('the known errors a customer can meet', () => {
  it.each(KNOWN_ERRORS.map((e) => [e.id, e]))(
    '%s: the message as it was really printed, pasted, finds it first',
    (id, entry) => {
      expect(entry.seenAs.length).toBeGreaterThan(0);
      for (const seen of entry.seenAs) {
        // Where it was printed: a public issue or Microsoft's page, or this service's own wording.
        expect(seen.source).toMatch(/^(https:\/\/(github\.com|learn\.microsoft\.com)\/|this service: )/);
        expect(findKnownErrors(seen.text)[0]?.id).toBe(id);
      }
    },
  );

  it("keeps Azure's own spelling: the ForeignGroup mismatch is printed with PrinciaplType", () => {
    const entry = KNOWN_ERRORS.find((e) => e.id === 'unmatched-principal-type');
    expect(entry?.seenAs.map((s) => s.text).every((t) => t.includes("specified PrinciaplType 'Group'"))).toBe(
      true,
    );
    expect(entry?.message).toContain('PrinciaplType');
  });

  it('says the Azure CLI accepts ForeignGroup from 2.28.0, as its release notes do', () => {
    const entry = KNOWN_ERRORS.find((e) => e.id === 'cli-foreign-group');
    expect(entry?.cause).toContain('2.28.0');
    expect(entry?.source).toContain('2.28.0');
  });

  it('tells a User Access Administrator refused by \u201cDeploy to Azure\u201d to use the commands', () => {
    const [entry] = findKnownErrors(
      '{"code":"AuthorizationFailed","message":"The client \'x@contoso.com\' with object id \'1\' does not have authorization to perform action \'Microsoft.Resources/deployments/validate/action\' over scope \'/subscriptions/a\'"}',
    );
    expect(entry?.id).toBe('deployment-not-allowed');
    expect(entry?.fix).toMatch(/Azure PowerShell or Azure CLI commands/);
  });

  it('each entry says why, what to do, and where that is documented', () => {
    for (const e of KNOWN_ERRORS) {
      expect(e.cause.length).toBeGreaterThan(20);
      expect(e.fix.length).toBeGreaterThan(10);
      expect(e.source).toMatch(/^https:\/\/learn\.microsoft\.com\//);
      expect(e.seenAs.length).toBeGreaterThan(0);
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
    now: new Date('2026-11-27T10:05:00Z'),
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
    for (const { id, seenAs } of KNOWN_ERRORS) {
      const answered = render(seenAs[0]?.text);
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
      'but this request is for the whole subscription; <a href="#known-owner-on-narrower-scope">what to do</a>)',
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
    for (const id of [
      'cli-foreign-group',
      'authorization-failed',
      'deployment-not-allowed',
      'role-assignment-exists',
    ]) {
      const entry = KNOWN_ERRORS.find((e) => e.id === id);
      expect(mail.text).toContain(entry?.message);
      expect(mail.text).toContain(entry?.fix);
      expect(mail.html).toContain(escapeHtml(entry?.message ?? ''));
    }
    expect(mail.text).toContain('https://app.example/api/c/token/instructions#known-errors');
  });
});
