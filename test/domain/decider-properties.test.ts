import t from 'tap';
import fc from 'fast-check';
import { rotationDecider, type RotationCommand, type RotationEvent, type RotationState } from '../../src/domain/rotation.ts';
import { airplaneDecider, type AirplaneCommand, type AirplaneEvent } from '../../src/domain/airplane.ts';
import { overlaps } from '../../src/domain/leg.ts';
import { replay } from '../../src/domain/decision.ts';
import { leg } from './fixtures/legs.ts';

const R = 'r';
// Legs in a small window, so random ones collide often; ids repeat too (flight number from a small set).
const legArb = fc
  .record({ dep: fc.integer({ min: 0, max: 600 }), dur: fc.integer({ min: 1, max: 120 }), fn: fc.integer({ min: 1, max: 12 }) })
  .map(({ dep, dur, fn }) => leg('FRA', 'MUC', dep, dep + dur, fn));
const commandArb: fc.Arbitrary<RotationCommand> = fc.oneof(
  { weight: 6, arbitrary: legArb.map((l) => ({ _tag: 'AddLeg' as const, rotationId: R, leg: l })) },
  {
    weight: 2,
    arbitrary: fc
      .integer({ min: 1, max: 12 })
      .map((fn) => ({ _tag: 'RemoveLeg' as const, rotationId: R, legId: leg('FRA', 'MUC', 0, 1, fn).id })),
  },
  { weight: 1, arbitrary: fc.constant({ _tag: 'CreateRotation' as const, rotationId: R }) },
  { weight: 1, arbitrary: fc.constant({ _tag: 'RemoveRotation' as const, rotationId: R }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('A', 'B').map((p) => ({ _tag: 'ClaimRotation' as const, rotationId: R, registration: p, assignmentId: p })),
  },
  { weight: 1, arbitrary: fc.constantFrom('A', 'B').map((p) => ({ _tag: 'ReleaseRotation' as const, rotationId: R, assignmentId: p })) },
);

function run(commands: readonly RotationCommand[]): { events: RotationEvent[]; states: RotationState[] } {
  let state: RotationState = rotationDecider.initialState();
  const events: RotationEvent[] = [];
  const states: RotationState[] = [];
  // Most sequences should start with a rotation, or nothing gets accepted.
  for (const command of [{ _tag: 'CreateRotation', rotationId: R } as const, ...commands]) {
    const d = rotationDecider.decide(command, state);
    if (d._tag === 'Rejected') continue;
    for (const e of d.events) {
      events.push(e);
      state = rotationDecider.evolve(state, e);
    }
    states.push(state);
  }
  return { events, states };
}

t.test('no sequence of accepted commands yields overlapping legs in a rotation', async (t) => {
  let legsSeen = 0;
  fc.assert(
    fc.property(fc.array(commandArb, { maxLength: 60 }), (commands) => {
      for (const s of run(commands).states) {
        if (s.status !== 'active') continue;
        legsSeen += s.legs.length;
        for (let i = 0; i < s.legs.length; i++) {
          for (let j = i + 1; j < s.legs.length; j++) if (overlaps(s.legs[i]!, s.legs[j]!)) return false;
          if (i > 0 && s.legs[i - 1]!.departureUtc > s.legs[i]!.departureUtc) return false;
        }
      }
      return true;
    }),
    { numRuns: 300 },
  );
  t.ok(legsSeen > 0, 'the generator did build rotations with legs');
});

t.test('evolve is deterministic, and events survive a serialisation round trip', async (t) => {
  fc.assert(
    fc.property(fc.array(commandArb, { maxLength: 40 }), (commands) => {
      const { events } = run(commands);
      const once = replay(rotationDecider, events);
      const twice = replay(rotationDecider, events);
      const wire = replay(rotationDecider, JSON.parse(JSON.stringify(events)) as RotationEvent[]);
      return JSON.stringify(once) === JSON.stringify(twice) && JSON.stringify(once) === JSON.stringify(wire);
    }),
    { numRuns: 200 },
  );
  const airplaneCommand: fc.Arbitrary<AirplaneCommand> = fc.oneof(
    fc.constant({ _tag: 'CreateAirplane' as const, registration: 'D-A', aircraftType: '320', minimumGroundTimeMin: 30 }),
    fc
      .integer({ min: 0, max: 100 })
      .map((m) => ({ _tag: 'SetAirplaneMinimumGroundTime' as const, registration: 'D-A', minimumGroundTimeMin: m })),
    fc.constantFrom('r1', 'r2').map((r) => ({ _tag: 'AssignRotation' as const, registration: 'D-A', rotationId: r, assignmentId: r })),
    fc.constant({ _tag: 'UnassignRotation' as const, registration: 'D-A' }),
  );
  fc.assert(
    fc.property(fc.array(airplaneCommand, { maxLength: 30 }), (commands) => {
      const events: AirplaneEvent[] = [];
      let state = airplaneDecider.initialState();
      for (const c of commands) {
        const d = airplaneDecider.decide(c, state);
        if (d._tag === 'Accepted')
          for (const e of d.events) {
            events.push(e);
            state = airplaneDecider.evolve(state, e);
          }
      }
      return JSON.stringify(replay(airplaneDecider, events)) === JSON.stringify(state);
    }),
    { numRuns: 200 },
  );
  t.pass('replays agree');
});
