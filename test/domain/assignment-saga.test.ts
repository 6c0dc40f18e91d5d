import t from 'tap';
import fc from 'fast-check';
import { World } from './fixtures/saga-world.ts';
import { transition, initialSagaState } from '../../src/domain/assignment-saga.ts';

function world(): World {
  const w = new World();
  for (const r of ['r1', 'r2', 'r3']) w.onRotation({ _tag: 'CreateRotation', rotationId: r });
  for (const p of ['D-AIAA', 'D-AIBB'])
    w.onAirplane({ _tag: 'CreateAirplane', registration: p, aircraftType: '320', minimumGroundTimeMin: 30 });
  return w;
}

const outcome = (w: World, id: string) => {
  const s = w.sagas.get(id)?.state;
  return s?.phase === 'completed' ? s.outcome : undefined;
};

t.test('assigns: the rotation records the airplane, then the airplane the rotation', async (t) => {
  const w = world();
  w.start({ _tag: 'StartAssignment', sagaId: 's1', registration: 'D-AIAA', rotationId: 'r1' });
  w.step('s1');
  t.match(w.rotation('r1'), { claim: { registration: 'D-AIAA', assignmentId: 's1' } });
  t.match(w.airplane('D-AIAA'), { assignment: null }, 'airplane not touched before the claim is accepted');
  w.runAll();
  t.match(outcome(w, 's1'), { _tag: 'Assigned', replaced: null });
  t.match(w.airplane('D-AIAA'), { assignment: { rotationId: 'r1', assignmentId: 's1' } });
  t.same(w.inconsistencies(), []);
});

t.test('two airplanes claim one rotation at once: one wins, the other fails cleanly', async (t) => {
  const w = world();
  w.start({ _tag: 'StartAssignment', sagaId: 'a', registration: 'D-AIAA', rotationId: 'r1' });
  w.start({ _tag: 'StartAssignment', sagaId: 'b', registration: 'D-AIBB', rotationId: 'r1' });
  w.step('b');
  w.step('a');
  w.runAll();
  t.match(outcome(w, 'b'), { _tag: 'Assigned' });
  t.match(outcome(w, 'a'), {
    _tag: 'AssignmentFailed',
    error: { _tag: 'RotationAlreadyAssigned', registration: 'D-AIBB', requestedBy: 'D-AIAA' },
  });
  t.match(w.airplane('D-AIAA'), { assignment: null });
  t.same(w.inconsistencies(), []);
});

t.test('a rotation removed while being assigned', async (t) => {
  t.test('removed before the claim: the saga fails, the airplane is untouched', async (t) => {
    const w = world();
    w.start({ _tag: 'StartAssignment', sagaId: 's', registration: 'D-AIAA', rotationId: 'r1' });
    t.equal(w.onRotation({ _tag: 'RemoveRotation', rotationId: 'r1' })._tag, 'Accepted');
    w.runAll();
    t.match(outcome(w, 's'), { _tag: 'AssignmentFailed', error: { _tag: 'RotationWasRemoved' } });
    t.match(w.airplane('D-AIAA'), { assignment: null });
  });
  t.test('removed between the claim and the airplane step: the removal is refused', async (t) => {
    const w = world();
    w.start({ _tag: 'StartAssignment', sagaId: 's', registration: 'D-AIAA', rotationId: 'r1' });
    w.step('s');
    t.match(w.onRotation({ _tag: 'RemoveRotation', rotationId: 'r1' }), { _tag: 'Rejected', error: { _tag: 'RotationIsAssigned' } });
    w.runAll();
    t.match(outcome(w, 's'), { _tag: 'Assigned' });
    t.same(w.inconsistencies(), []);
  });
  t.test('after an unassignment it can be removed', async (t) => {
    const w = world();
    w.start({ _tag: 'StartAssignment', sagaId: 's', registration: 'D-AIAA', rotationId: 'r1' });
    w.runAll();
    w.start({ _tag: 'StartUnassignment', sagaId: 'u', registration: 'D-AIAA' });
    w.runAll();
    t.match(outcome(w, 'u'), { _tag: 'Unassigned', rotationId: 'r1' });
    t.equal(w.onRotation({ _tag: 'RemoveRotation', rotationId: 'r1' })._tag, 'Accepted');
    t.same(w.inconsistencies(), []);
  });
});

t.test('an airplane reassigned to another rotation releases the first', async (t) => {
  const w = world();
  w.start({ _tag: 'StartAssignment', sagaId: 's1', registration: 'D-AIAA', rotationId: 'r1' });
  w.runAll();
  w.start({ _tag: 'StartAssignment', sagaId: 's2', registration: 'D-AIAA', rotationId: 'r2' });
  w.runAll();
  t.match(outcome(w, 's2'), { _tag: 'Assigned', rotationId: 'r2', replaced: 'r1' });
  t.match(w.rotation('r1'), { claim: null });
  t.match(w.rotation('r2'), { claim: { registration: 'D-AIAA' } });
  t.same(w.inconsistencies(), []);
  w.start({ _tag: 'StartAssignment', sagaId: 's3', registration: 'D-AIBB', rotationId: 'r1' });
  w.runAll();
  t.match(outcome(w, 's3'), { _tag: 'Assigned' }, 'the released rotation is free for another airplane');
});

t.test('an unknown airplane: the claim is compensated', async (t) => {
  const w = world();
  w.start({ _tag: 'StartAssignment', sagaId: 's', registration: 'D-NONE', rotationId: 'r1' });
  w.step('s');
  t.match(w.rotation('r1'), { claim: { registration: 'D-NONE' } });
  w.runAll();
  t.match(outcome(w, 's'), { _tag: 'AssignmentFailed', error: { _tag: 'AirplaneNotFound' } });
  t.match(w.rotation('r1'), { claim: null });
});

t.test('replies that do not fit the phase are ignored', async (t) => {
  const start = transition(initialSagaState(), { _tag: 'StartAssignment', sagaId: 's', registration: 'D-AIAA', rotationId: 'r1' });
  const stray = transition(start.state, { _tag: 'AirplaneReplied', decision: { _tag: 'Accepted', events: [] } });
  t.equal(stray.ignored, true);
  t.same(stray.state, start.state);
  t.same(stray.commands, []);
});

t.test('property: any interleaving of sagas and removals leaves airplanes and rotations agreeing', async (t) => {
  const regs = ['D-AIAA', 'D-AIBB', 'D-NONE'];
  const rots = ['r1', 'r2', 'r3'];
  const op = fc.oneof(
    fc.record({ kind: fc.constant('assign' as const), reg: fc.constantFrom(...regs), rot: fc.constantFrom(...rots) }),
    fc.record({ kind: fc.constant('unassign' as const), reg: fc.constantFrom(...regs) }),
    fc.record({ kind: fc.constant('remove' as const), rot: fc.constantFrom(...rots) }),
  );
  fc.assert(
    fc.property(fc.array(op, { minLength: 1, maxLength: 8 }), fc.array(fc.nat(), { maxLength: 60 }), (ops, schedule) => {
      const w = world();
      const live: string[] = [];
      ops.forEach((o, i) => {
        const id = `s${i}`;
        if (o.kind === 'assign') w.start({ _tag: 'StartAssignment', sagaId: id, registration: o.reg, rotationId: o.rot });
        else if (o.kind === 'unassign') w.start({ _tag: 'StartUnassignment', sagaId: id, registration: o.reg });
        else return;
        live.push(id);
      });
      // The schedule picks who moves; a pick past the end of the sagas is a removal attempt.
      for (const pick of schedule) {
        const removal = ops.filter((o) => o.kind === 'remove');
        const n = live.length + removal.length;
        if (n === 0) break;
        const k = pick % n;
        if (k < live.length) w.step(live[k] as string);
        else {
          const o = removal[k - live.length];
          if (o?.kind === 'remove') w.onRotation({ _tag: 'RemoveRotation', rotationId: o.rot });
        }
      }
      w.runAll();
      const wrong = w.inconsistencies();
      if (wrong.length > 0) throw new Error(wrong.join('\n'));
      return [...w.sagas.values()].every((s) => s.state.phase === 'completed');
    }),
    { numRuns: 400 },
  );
  t.pass('no interleaving broke the rule');
});

t.test('property: steps delivered twice (a reply lost in a crash, the step sent again) change nothing', async (t) => {
  const regs = ['D-AIAA', 'D-AIBB', 'D-NONE'];
  const rots = ['r1', 'r2', 'r3'];
  const op = fc.oneof(
    fc.record({ kind: fc.constant('assign' as const), reg: fc.constantFrom(...regs), rot: fc.constantFrom(...rots) }),
    fc.record({ kind: fc.constant('unassign' as const), reg: fc.constantFrom(...regs) }),
  );
  const move = fc.record({ pick: fc.nat(), lose: fc.boolean() });
  fc.assert(
    fc.property(fc.array(op, { minLength: 1, maxLength: 8 }), fc.array(move, { maxLength: 80 }), (ops, schedule) => {
      const w = world();
      const live: string[] = [];
      ops.forEach((o, i) => {
        const id = `s${i}`;
        w.start(
          o.kind === 'assign'
            ? { _tag: 'StartAssignment', sagaId: id, registration: o.reg, rotationId: o.rot }
            : { _tag: 'StartUnassignment', sagaId: id, registration: o.reg },
        );
        live.push(id);
      });
      for (const { pick, lose } of schedule) {
        const id = live[pick % live.length] as string;
        if (lose) w.lose(id);
        else w.step(id);
      }
      w.runAll();
      const wrong = w.inconsistencies();
      if (wrong.length > 0) throw new Error(wrong.join('\n'));
      return [...w.sagas.values()].every((s) => s.state.phase === 'completed');
    }),
    { numRuns: 1000 },
  );
  t.pass('redelivered steps never broke the rule');
});

t.test('a redelivered airplane step that another saga overtook is refused, and the saga undoes its own claim', async (t) => {
  const w = world();
  w.start({ _tag: 'StartAssignment', sagaId: 'a', registration: 'D-AIAA', rotationId: 'r1' });
  w.step('a'); // claim
  w.step('a'); // read
  w.lose('a'); // the airplane takes r1; the reply is lost
  w.start({ _tag: 'StartAssignment', sagaId: 'b', registration: 'D-AIAA', rotationId: 'r2' });
  while (w.step('b'));
  w.runAll(); // a sends its airplane step again
  t.match(outcome(w, 'b'), { _tag: 'Assigned', rotationId: 'r2', replaced: 'r1' });
  t.match(outcome(w, 'a'), { _tag: 'AssignmentFailed', error: { _tag: 'AssignmentChanged' } });
  t.match(w.airplane('D-AIAA'), { assignment: { rotationId: 'r2', assignmentId: 'b' } });
  t.match(w.rotation('r1'), { claim: null });
  t.same(w.inconsistencies(), []);
});
