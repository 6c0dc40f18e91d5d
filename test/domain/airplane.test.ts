import t from 'tap';
import { airplaneDecider, type AirplaneEvent } from '../../src/domain/airplane.ts';
import { airportDecider } from '../../src/domain/airport.ts';
import { given } from './fixtures/given.ts';

const P = 'D-AIAA';
const created: AirplaneEvent = { _tag: 'AirplaneCreated', version: 1, registration: P, aircraftType: '320', minimumGroundTimeMin: 35 };
const assigned = (rotationId: string, assignmentId: string, previous: { rotationId: string; assignmentId: string } | null = null): AirplaneEvent =>
  ({ _tag: 'RotationAssigned', version: 1, registration: P, rotationId, assignmentId, previous });

t.test('CreateAirplane', async (t) => {
  given(airplaneDecider, []).when({ _tag: 'CreateAirplane', registration: P, aircraftType: '320', minimumGroundTimeMin: 35 }).then(t, [created]);
  given(airplaneDecider, [created]).when({ _tag: 'CreateAirplane', registration: P, aircraftType: '320', minimumGroundTimeMin: 35 }).thenError(t, 'AirplaneAlreadyExists');
  given(airplaneDecider, []).when({ _tag: 'CreateAirplane', registration: P, aircraftType: 'A320neo', minimumGroundTimeMin: -1 }).thenError(t, 'InvalidAirplane');
});

t.test('SetAirplaneMinimumGroundTime', async (t) => {
  given(airplaneDecider, [created]).when({ _tag: 'SetAirplaneMinimumGroundTime', registration: P, minimumGroundTimeMin: 50 })
    .then(t, [{ _tag: 'AirplaneMinimumGroundTimeSet', version: 1, registration: P, minimumGroundTimeMin: 50 }]);
  given(airplaneDecider, [created]).when({ _tag: 'SetAirplaneMinimumGroundTime', registration: P, minimumGroundTimeMin: 35 }).then(t, []);
  given(airplaneDecider, [created]).when({ _tag: 'SetAirplaneMinimumGroundTime', registration: P, minimumGroundTimeMin: 2.5 }).thenError(t, 'InvalidAirplane');
  given(airplaneDecider, []).when({ _tag: 'SetAirplaneMinimumGroundTime', registration: P, minimumGroundTimeMin: 50 }).thenError(t, 'AirplaneNotFound');
});

t.test('AssignRotation', async (t) => {
  given(airplaneDecider, [created]).when({ _tag: 'AssignRotation', registration: P, rotationId: 'r1', assignmentId: 's1' }).then(t, [assigned('r1', 's1')]);
  given(airplaneDecider, [created, assigned('r1', 's1')]).when({ _tag: 'AssignRotation', registration: P, rotationId: 'r1', assignmentId: 's1' }).then(t, []);
  given(airplaneDecider, [created, assigned('r1', 's1')]).when({ _tag: 'AssignRotation', registration: P, rotationId: 'r2', assignmentId: 's2' })
    .then(t, [assigned('r2', 's2', { rotationId: 'r1', assignmentId: 's1' })]);
  given(airplaneDecider, []).when({ _tag: 'AssignRotation', registration: P, rotationId: 'r1', assignmentId: 's1' }).thenError(t, 'AirplaneNotFound');
});

t.test('UnassignRotation', async (t) => {
  given(airplaneDecider, [created, assigned('r1', 's1')]).when({ _tag: 'UnassignRotation', registration: P })
    .then(t, [{ _tag: 'RotationUnassigned', version: 1, registration: P, rotationId: 'r1', assignmentId: 's1' }]);
  given(airplaneDecider, [created]).when({ _tag: 'UnassignRotation', registration: P }).thenError(t, 'AirplaneNotAssigned');
  given(airplaneDecider, []).when({ _tag: 'UnassignRotation', registration: P }).thenError(t, 'AirplaneNotFound');
});

t.test('SetAirportMinimumGroundTime', async (t) => {
  const set = { _tag: 'AirportMinimumGroundTimeSet', version: 1, iata: 'FRA', minimumGroundTimeMin: 45 } as const;
  given(airportDecider, []).when({ _tag: 'SetAirportMinimumGroundTime', iata: 'FRA', minimumGroundTimeMin: 45 }).then(t, [set]);
  given(airportDecider, [set]).when({ _tag: 'SetAirportMinimumGroundTime', iata: 'FRA', minimumGroundTimeMin: 45 }).then(t, []);
  given(airportDecider, [set]).when({ _tag: 'SetAirportMinimumGroundTime', iata: 'FRA', minimumGroundTimeMin: 30 })
    .then(t, [{ ...set, minimumGroundTimeMin: 30 }]);
  given(airportDecider, []).when({ _tag: 'SetAirportMinimumGroundTime', iata: 'Frankfurt', minimumGroundTimeMin: 45 }).thenError(t, 'InvalidAirport');
  given(airportDecider, []).when({ _tag: 'SetAirportMinimumGroundTime', iata: 'FRA', minimumGroundTimeMin: 5000 }).thenError(t, 'InvalidAirport');
});
