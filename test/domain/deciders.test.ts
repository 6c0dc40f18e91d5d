/** Decider tests in given/when/then form: every command of Rotation, Airplane and Airport, with its rejections; and the domain's layering. */
import t from 'tap';
import { rotationDecider, type RotationEvent } from '../../src/domain/rotation.ts';
import { given } from './fixtures/given.ts';
import { leg } from './fixtures/legs.ts';
import { airplaneDecider, type AirplaneEvent } from '../../src/domain/airplane.ts';
import { airportDecider } from '../../src/domain/airport.ts';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// ---- Rotation
{
  const R = 'rot-1';
  const created: RotationEvent = { _tag: 'RotationCreated', version: 1, rotationId: R };
  const a = leg('FRA', 'MUC', 0, 60);
  const b = leg('MUC', 'FRA', 120, 180);
  const added = (l: typeof a): RotationEvent => ({ _tag: 'LegAdded', version: 2, rotationId: R, leg: l });
  const claimed = (registration: string, assignmentId: string): RotationEvent => ({
    _tag: 'RotationClaimed',
    version: 1,
    rotationId: R,
    registration,
    assignmentId,
  });
  const removed: RotationEvent = { _tag: 'RotationRemoved', version: 1, rotationId: R };

  t.test('CreateRotation', async (t) => {
    given(rotationDecider, []).when({ _tag: 'CreateRotation', rotationId: R }).then(t, [created]);
    given(rotationDecider, [created]).when({ _tag: 'CreateRotation', rotationId: R }).thenError(t, 'RotationAlreadyExists');
    given(rotationDecider, [created, removed]).when({ _tag: 'CreateRotation', rotationId: R }).thenError(t, 'RotationAlreadyExists');
  });

  t.test('AddLeg', async (t) => {
    given(rotationDecider, [created])
      .when({ _tag: 'AddLeg', rotationId: R, leg: a })
      .then(t, [added(a)]);
    t.test('back to back legs do not overlap (half-open intervals)', async (t) => {
      const touching = leg('MUC', 'FRA', 60, 90);
      given(rotationDecider, [created, added(a)])
        .when({ _tag: 'AddLeg', rotationId: R, leg: touching })
        .then(t, [added(touching)]);
    });
    t.test('rejects an overlap with the leg before', async (t) => {
      const clash = leg('MUC', 'FRA', 59, 100);
      given(rotationDecider, [created, added(a), added(b)])
        .when({ _tag: 'AddLeg', rotationId: R, leg: clash })
        .thenError(t, 'LegOverlaps', { leg: clash, conflictsWith: a });
    });
    t.test('rejects an overlap with the leg after', async (t) => {
      const clash = leg('MUC', 'FRA', 90, 121);
      given(rotationDecider, [created, added(a), added(b)])
        .when({ _tag: 'AddLeg', rotationId: R, leg: clash })
        .thenError(t, 'LegOverlaps', { conflictsWith: b });
    });
    t.test('rejects a leg that contains another', async (t) => {
      const clash = leg('MUC', 'FRA', 100, 200);
      given(rotationDecider, [created, added(b)])
        .when({ _tag: 'AddLeg', rotationId: R, leg: clash })
        .thenError(t, 'LegOverlaps', { conflictsWith: b });
    });
    given(rotationDecider, [created, added(a)])
      .when({ _tag: 'AddLeg', rotationId: R, leg: a })
      .thenError(t, 'LegAlreadyInRotation', { legId: a.id });
    given(rotationDecider, [created])
      .when({ _tag: 'AddLeg', rotationId: R, leg: { ...a, arrivalUtc: a.departureUtc } })
      .thenError(t, 'InvalidLeg');
    given(rotationDecider, [created])
      .when({ _tag: 'AddLeg', rotationId: R, leg: { ...a, departureAirport: 'frankfurt' } })
      .thenError(t, 'InvalidLeg');
    given(rotationDecider, [created])
      .when({ _tag: 'AddLeg', rotationId: R, leg: { ...a, aircraftType: 'A320' } })
      .thenError(t, 'InvalidLeg');
    given(rotationDecider, [created])
      .when({ _tag: 'AddLeg', rotationId: R, leg: { ...a, serviceType: 'pax' } })
      .thenError(t, 'InvalidLeg');
    t.test('a leg with its aircraft and service type: LegAdded version 2 carries them', async (t) => {
      const typed = { ...a, aircraftType: '32N', serviceType: 'J' };
      given(rotationDecider, [created])
        .when({ _tag: 'AddLeg', rotationId: R, leg: typed })
        .then(t, [{ _tag: 'LegAdded', version: 2, rotationId: R, leg: typed }]);
    });
    given(rotationDecider, []).when({ _tag: 'AddLeg', rotationId: R, leg: a }).thenError(t, 'RotationNotFound');
    given(rotationDecider, [created, removed]).when({ _tag: 'AddLeg', rotationId: R, leg: a }).thenError(t, 'RotationWasRemoved');
    t.test('legs are kept in departure order whatever the order they were added', async (t) => {
      const { state } = given(rotationDecider, [created, added(b), added(a)]);
      t.same(state.status === 'active' ? state.legs.map((l) => l.id) : null, [a.id, b.id]);
    });
  });

  t.test('RemoveLeg', async (t) => {
    given(rotationDecider, [created, added(a)])
      .when({ _tag: 'RemoveLeg', rotationId: R, legId: a.id })
      .then(t, [{ _tag: 'LegRemoved', version: 1, rotationId: R, legId: a.id }]);
    given(rotationDecider, [created, added(a)])
      .when({ _tag: 'RemoveLeg', rotationId: R, legId: b.id })
      .thenError(t, 'UnknownLeg', { legId: b.id });
    given(rotationDecider, [created, added(a), removed])
      .when({ _tag: 'RemoveLeg', rotationId: R, legId: a.id })
      .thenError(t, 'RotationWasRemoved');
    t.test('a removed leg frees its time slot', async (t) => {
      const removedA: RotationEvent = { _tag: 'LegRemoved', version: 1, rotationId: R, legId: a.id };
      const same = leg('FRA', 'HAM', 10, 50);
      given(rotationDecider, [created, added(a), removedA])
        .when({ _tag: 'AddLeg', rotationId: R, leg: same })
        .then(t, [added(same)]);
    });
  });

  t.test('RemoveRotation', async (t) => {
    given(rotationDecider, [created, added(a)])
      .when({ _tag: 'RemoveRotation', rotationId: R })
      .then(t, [removed]);
    given(rotationDecider, []).when({ _tag: 'RemoveRotation', rotationId: R }).thenError(t, 'RotationNotFound');
    given(rotationDecider, [created, removed]).when({ _tag: 'RemoveRotation', rotationId: R }).thenError(t, 'RotationWasRemoved');
    given(rotationDecider, [created, claimed('D-AIAA', 's1')])
      .when({ _tag: 'RemoveRotation', rotationId: R })
      .thenError(t, 'RotationIsAssigned', { registration: 'D-AIAA' });
  });

  t.test('ClaimRotation and ReleaseRotation', async (t) => {
    given(rotationDecider, [created])
      .when({ _tag: 'ClaimRotation', rotationId: R, registration: 'D-AIAA', assignmentId: 's1' })
      .then(t, [claimed('D-AIAA', 's1')]);
    given(rotationDecider, [created, claimed('D-AIAA', 's1')])
      .when({ _tag: 'ClaimRotation', rotationId: R, registration: 'D-AIAA', assignmentId: 's1' })
      .then(t, []);
    given(rotationDecider, [created, claimed('D-AIAA', 's1')])
      .when({ _tag: 'ClaimRotation', rotationId: R, registration: 'D-AIAA', assignmentId: 's2' })
      .thenError(t, 'RotationAlreadyAssigned', { registration: 'D-AIAA', requestedBy: 'D-AIAA' });
    const released: RotationEvent = { _tag: 'RotationReleased', version: 1, rotationId: R, registration: 'D-AIAA', assignmentId: 's1' };
    given(rotationDecider, [created, claimed('D-AIAA', 's1'), released])
      .when({ _tag: 'ClaimRotation', rotationId: R, registration: 'D-AIBB', assignmentId: 's2' })
      .then(t, [claimed('D-AIBB', 's2')]);
    given(rotationDecider, [created, claimed('D-AIAA', 's1')])
      .when({ _tag: 'ClaimRotation', rotationId: R, registration: 'D-AIBB', assignmentId: 's2' })
      .thenError(t, 'RotationAlreadyAssigned', { registration: 'D-AIAA', requestedBy: 'D-AIBB' });
    given(rotationDecider, [created, removed])
      .when({ _tag: 'ClaimRotation', rotationId: R, registration: 'D-AIAA', assignmentId: 's1' })
      .thenError(t, 'RotationWasRemoved');
    given(rotationDecider, [])
      .when({ _tag: 'ClaimRotation', rotationId: R, registration: 'D-AIAA', assignmentId: 's1' })
      .thenError(t, 'RotationNotFound');
    given(rotationDecider, [created, claimed('D-AIAA', 's1')])
      .when({ _tag: 'ReleaseRotation', rotationId: R, assignmentId: 's1' })
      .then(t, [{ _tag: 'RotationReleased', version: 1, rotationId: R, registration: 'D-AIAA', assignmentId: 's1' }]);
    t.test('a release names its assignment and never undoes a newer claim', async (t) => {
      given(rotationDecider, [created, claimed('D-AIAA', 's2')])
        .when({ _tag: 'ReleaseRotation', rotationId: R, assignmentId: 's1' })
        .then(t, []);
      given(rotationDecider, [created]).when({ _tag: 'ReleaseRotation', rotationId: R, assignmentId: 's1' }).then(t, []);
    });
  });
}

// ---- Airplane and Airport
{
  const P = 'D-AIAA';
  const created: AirplaneEvent = { _tag: 'AirplaneCreated', version: 1, registration: P, aircraftType: '320', minimumGroundTimeMin: 35 };
  const assigned = (
    rotationId: string,
    assignmentId: string,
    previous: { rotationId: string; assignmentId: string } | null = null,
  ): AirplaneEvent => ({ _tag: 'RotationAssigned', version: 1, registration: P, rotationId, assignmentId, previous });

  t.test('CreateAirplane', async (t) => {
    given(airplaneDecider, [])
      .when({ _tag: 'CreateAirplane', registration: P, aircraftType: '320', minimumGroundTimeMin: 35 })
      .then(t, [created]);
    given(airplaneDecider, [created])
      .when({ _tag: 'CreateAirplane', registration: P, aircraftType: '320', minimumGroundTimeMin: 35 })
      .thenError(t, 'AirplaneAlreadyExists');
    given(airplaneDecider, [])
      .when({ _tag: 'CreateAirplane', registration: P, aircraftType: 'A320neo', minimumGroundTimeMin: -1 })
      .thenError(t, 'InvalidAirplane');
  });

  t.test('SetAirplaneMinimumGroundTime', async (t) => {
    given(airplaneDecider, [created])
      .when({ _tag: 'SetAirplaneMinimumGroundTime', registration: P, minimumGroundTimeMin: 50 })
      .then(t, [{ _tag: 'AirplaneMinimumGroundTimeSet', version: 1, registration: P, minimumGroundTimeMin: 50 }]);
    given(airplaneDecider, [created]).when({ _tag: 'SetAirplaneMinimumGroundTime', registration: P, minimumGroundTimeMin: 35 }).then(t, []);
    given(airplaneDecider, [created])
      .when({ _tag: 'SetAirplaneMinimumGroundTime', registration: P, minimumGroundTimeMin: 2.5 })
      .thenError(t, 'InvalidAirplane');
    given(airplaneDecider, [])
      .when({ _tag: 'SetAirplaneMinimumGroundTime', registration: P, minimumGroundTimeMin: 50 })
      .thenError(t, 'AirplaneNotFound');
  });

  t.test('AssignRotation', async (t) => {
    given(airplaneDecider, [created])
      .when({ _tag: 'AssignRotation', registration: P, rotationId: 'r1', assignmentId: 's1' })
      .then(t, [assigned('r1', 's1')]);
    given(airplaneDecider, [created, assigned('r1', 's1')])
      .when({ _tag: 'AssignRotation', registration: P, rotationId: 'r1', assignmentId: 's1' })
      .then(t, []);
    given(airplaneDecider, [created, assigned('r1', 's1')])
      .when({ _tag: 'AssignRotation', registration: P, rotationId: 'r2', assignmentId: 's2' })
      .then(t, [assigned('r2', 's2', { rotationId: 'r1', assignmentId: 's1' })]);
    given(airplaneDecider, [])
      .when({ _tag: 'AssignRotation', registration: P, rotationId: 'r1', assignmentId: 's1' })
      .thenError(t, 'AirplaneNotFound');
  });

  t.test('UnassignRotation', async (t) => {
    given(airplaneDecider, [created, assigned('r1', 's1')])
      .when({ _tag: 'UnassignRotation', registration: P })
      .then(t, [{ _tag: 'RotationUnassigned', version: 1, registration: P, rotationId: 'r1', assignmentId: 's1' }]);
    given(airplaneDecider, [created]).when({ _tag: 'UnassignRotation', registration: P }).thenError(t, 'AirplaneNotAssigned');
    given(airplaneDecider, []).when({ _tag: 'UnassignRotation', registration: P }).thenError(t, 'AirplaneNotFound');
  });

  t.test('SetAirportMinimumGroundTime', async (t) => {
    const set = { _tag: 'AirportMinimumGroundTimeSet', version: 1, iata: 'FRA', minimumGroundTimeMin: 45 } as const;
    given(airportDecider, []).when({ _tag: 'SetAirportMinimumGroundTime', iata: 'FRA', minimumGroundTimeMin: 45 }).then(t, [set]);
    given(airportDecider, [set]).when({ _tag: 'SetAirportMinimumGroundTime', iata: 'FRA', minimumGroundTimeMin: 45 }).then(t, []);
    given(airportDecider, [set])
      .when({ _tag: 'SetAirportMinimumGroundTime', iata: 'FRA', minimumGroundTimeMin: 30 })
      .then(t, [{ ...set, minimumGroundTimeMin: 30 }]);
    given(airportDecider, [])
      .when({ _tag: 'SetAirportMinimumGroundTime', iata: 'Frankfurt', minimumGroundTimeMin: 45 })
      .thenError(t, 'InvalidAirport');
    given(airportDecider, [])
      .when({ _tag: 'SetAirportMinimumGroundTime', iata: 'FRA', minimumGroundTimeMin: 5000 })
      .thenError(t, 'InvalidAirport');
  });
}

// ---- The domain imports nothing outside itself
// src/domain imports nothing of ours outside itself and no package or Node built-in: it is the
// pure core every other layer builds on (docs/domain.md, DESIGN.md "Layers").
{
  const root = fileURLToPath(new URL('../../src/domain/', import.meta.url));

  function files(dir: string): string[] {
    return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? files(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : [],
    );
  }

  t.test('every import in src/domain is a relative .ts file inside src/domain', async (t) => {
    const all = files(root);
    t.ok(all.length > 10, `found ${all.length} files`);
    for (const file of all) {
      const source = readFileSync(file, 'utf8');
      for (const m of source.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/gm)) {
        const spec = m[1] as string;
        const resolved = path.resolve(path.dirname(file), spec);
        t.ok(spec.startsWith('.') && spec.endsWith('.ts') && resolved.startsWith(root), `${path.relative(root, file)} imports ${spec}`);
      }
    }
  });
}
