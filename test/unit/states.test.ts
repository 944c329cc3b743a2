import {
  allowedTransitions,
  assertMove,
  canTransition,
  InvalidTransitionError,
  isFinalState,
  ReinstatementStates,
  type ReinstatementState,
} from '../../shared/model/states';

/** The whole table, written out: a change to the state machine must change this test on purpose. */
const EXPECTED: Record<ReinstatementState, ReinstatementState[]> = {
  Requested: ['InvitationSent', 'Cancelled', 'Failed'],
  InvitationSent: ['Accepted', 'Expired', 'Cancelled', 'Failed'],
  Accepted: ['AwaitingRoleAssignment', 'Reinstated', 'Cancelled', 'Failed'],
  AwaitingRoleAssignment: ['Reinstated', 'Expired', 'Cancelled', 'Failed'],
  Reinstated: [],
  Expired: [],
  Cancelled: [],
  Failed: [],
};

describe('reinstatement state machine', () => {
  const pairs = ReinstatementStates.flatMap((from) => ReinstatementStates.map((to) => [from, to] as const));

  it.each(pairs)('%s -> %s is allowed exactly when the table says so', (from, to) => {
    const allowed = EXPECTED[from].includes(to);
    expect(canTransition(from, to)).toBe(allowed);
    if (allowed) expect(() => assertMove(from, to, 'forward')).not.toThrow();
    else expect(() => assertMove(from, to, 'forward')).toThrow(InvalidTransitionError);
  });

  it.each(pairs)('%s -> %s may be reopened only from Failed into a state a retry resumes in', (from, to) => {
    const allowed =
      from === 'Failed' && ['Requested', 'InvitationSent', 'Accepted', 'AwaitingRoleAssignment'].includes(to);
    if (allowed) expect(() => assertMove(from, to, 'reopen')).not.toThrow();
    else expect(() => assertMove(from, to, 'reopen')).toThrow(InvalidTransitionError);
  });

  it('final states lead nowhere and every other state can be cancelled or fail', () => {
    for (const state of ReinstatementStates) {
      expect(isFinalState(state)).toBe(['Reinstated', 'Expired', 'Cancelled', 'Failed'].includes(state));
      if (isFinalState(state)) expect(allowedTransitions(state)).toEqual([]);
      else expect(allowedTransitions(state)).toEqual(expect.arrayContaining(['Cancelled', 'Failed']));
    }
  });

  it('every state is reachable from Requested', () => {
    const seen = new Set<ReinstatementState>(['Requested']);
    const queue: ReinstatementState[] = ['Requested'];
    while (queue.length) {
      for (const next of allowedTransitions(queue.shift() as ReinstatementState)) {
        if (!seen.has(next)) {
          seen.add(next);
          queue.push(next);
        }
      }
    }
    expect([...seen].sort()).toEqual([...ReinstatementStates].sort());
  });

  it('explains a refused move', () => {
    expect(() => assertMove('Reinstated', 'Cancelled', 'forward')).toThrow(
      'Reinstated cannot move to Cancelled (it is final)',
    );
    expect(() => assertMove('Requested', 'Reinstated', 'forward')).toThrow(
      'allowed: InvitationSent, Cancelled, Failed',
    );
  });
});
