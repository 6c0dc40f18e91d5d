import t from 'tap';
import { scheduleFromEvents, type DomainEvent } from '../../src/domain/schedule-projection.ts';
import { leg } from './fixtures/legs.ts';

const a = leg('FRA', 'MUC', 0, 60);
const base: DomainEvent[] = [
  { _tag: 'AirportMinimumGroundTimeSet', version: 1, iata: 'FRA', minimumGroundTimeMin: 45 },
  { _tag: 'AirportMinimumGroundTimeSet', version: 1, iata: 'FRA', minimumGroundTimeMin: 50 },
  { _tag: 'AirplaneCreated', version: 1, registration: 'D-AIAA', aircraftType: '320', minimumGroundTimeMin: 30 },
  { _tag: 'RotationCreated', version: 1, rotationId: 'r1' },
  { _tag: 'LegAdded', version: 1, rotationId: 'r1', leg: a },
  { _tag: 'RotationCreated', version: 1, rotationId: 'r2' },
  { _tag: 'RotationClaimed', version: 1, rotationId: 'r1', registration: 'D-AIAA', assignmentId: 's1' },
];

t.test('latest values win; a claim alone does not make a rotation flown', async (t) => {
  const s = scheduleFromEvents(base);
  t.same(s.airports, [{ iata: 'FRA', minimumGroundTimeMin: 50 }]);
  t.same(s.airplanes, [{ registration: 'D-AIAA', aircraftType: '320', minimumGroundTimeMin: 30 }]);
  t.same(s.rotations, [{ rotationId: 'r1', legs: [a], registration: null }, { rotationId: 'r2', legs: [], registration: null }]);
});

t.test('the airplane side decides who flies it; removed rotations are gone', async (t) => {
  const s = scheduleFromEvents([
    ...base,
    { _tag: 'RotationAssigned', version: 1, registration: 'D-AIAA', rotationId: 'r1', assignmentId: 's1', previous: null },
    { _tag: 'RotationRemoved', version: 1, rotationId: 'r2' },
  ]);
  t.same(s.rotations, [{ rotationId: 'r1', legs: [a], registration: 'D-AIAA' }]);
});
