import { ValidationError } from '../../shared/model/validationError';
import { ReinstatementStates } from '../../shared/model/states';
import { parseReinstatementRequest } from '../../shared/model/request';
import { STATE_WORDS } from '../../shared/model/stateWords';
import { eventLabel } from '../../shared/vocabulary/events';
import { mailLabel } from '../../shared/vocabulary/mails';

const refusal = (body: unknown): ValidationError => {
  try {
    parseReinstatementRequest(body, { delegatedAdmin: false });
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error('accepted');
};

describe('the vocabulary people read', () => {
  it('gives every state a distinct label and explanation, none of them the identifier', () => {
    const labels = ReinstatementStates.map((s) => STATE_WORDS[s].label);
    expect(new Set(labels).size).toBe(ReinstatementStates.length);
    expect(labels).not.toContain('AwaitingRoleAssignment');
    expect(labels).not.toContain('InvitationSent');
    for (const s of ReinstatementStates) expect(STATE_WORDS[s].explanation).toMatch(/^[A-Z].*\.$/);
  });

  it('says problem details in the form’s words and keeps the path and JSON Pointer for tools', () => {
    const error = refusal({
      customerTenantId: 'not-a-guid',
      customerName: 'Contoso',
      contact: { name: 'Ada', email: 'not mail' },
      scopes: ['/subscriptions/6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'subscriptions/x'],
    });
    expect(error.message).not.toMatch(/scopes\[|contact\.email|customerTenantId/);
    expect(error.message).toMatch(/Customer tenant ID: /);
    expect(error.message).toMatch(/Contact email: /);
    expect(error.message).toMatch(/Azure scope 2: /);
    expect(error.issues).toContainEqual(
      expect.objectContaining({ field: 'scopes[1]', pointer: '/scopes/1', label: 'Azure scope 2' }),
    );
    expect(error.issues).toContainEqual(
      expect.objectContaining({ field: 'contact.email', pointer: '/contact/email', label: 'Contact email' }),
    );
  });

  it('takes a bare subscription ID as the subscription', () => {
    const request = parseReinstatementRequest(
      {
        customerTenantId: '3f2504e0-4f89-11d3-9a0c-0305e82c3301',
        customerName: 'Contoso',
        contact: { name: 'Ada', email: 'ada@contoso.example' },
        scopes: [' 6BA7B810-9DAD-11D1-80B4-00C04FD430C8 '],
      },
      { delegatedAdmin: false },
    );
    expect(request.scopes.map((s) => s.subscriptionId)).toEqual(['6ba7b810-9dad-11d1-80b4-00c04fd430c8']);
  });

  it('names timeline events and mails in words, also ones added later', () => {
    expect(eventLabel('link-clicked')).toBe('The customer opened the invitation link');
    expect(eventLabel('something-new-happened')).toBe('Something new happened');
    expect(mailLabel('instructions', 0)).toBe('Instructions');
    expect(mailLabel('instructions', 2)).toBe('Instructions: reminder 2');
  });
});
