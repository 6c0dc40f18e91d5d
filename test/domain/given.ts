/**
 * given(events).when(command).then(events | error) for the deciders, in tap.
 * Not a test file itself (no .test.ts suffix); the decider tests import it.
 */
import type { Test } from 'tap';
import type { Decider } from '../../src/domain/decision.ts';

type Asserter = Pick<Test, 'same' | 'equal' | 'fail'>;

export function given<C, E, S, Err extends { _tag: string; message: string }>(decider: Decider<C, E, S, Err>, history: readonly E[]) {
  let state = decider.initialState();
  for (const event of history) state = decider.evolve(state, event);
  return {
    state,
    when(command: C) {
      const decision = decider.decide(command, state);
      return {
        decision,
        then(t: Asserter, expected: readonly E[]) {
          if (decision._tag === 'Rejected') return void t.fail(`expected events, got ${decision.error._tag}: ${decision.error.message}`);
          t.same(decision.events, expected);
        },
        thenError(t: Asserter, tag: Err['_tag'], fields: Partial<Err> = {}) {
          if (decision._tag === 'Accepted') return void t.fail(`expected ${tag}, got events ${JSON.stringify(decision.events)}`);
          t.equal(decision.error._tag, tag);
          t.equal(typeof decision.error.message, 'string');
          for (const [k, v] of Object.entries(fields)) t.same((decision.error as Record<string, unknown>)[k], v, `error.${k}`);
        },
      };
    },
  };
}
