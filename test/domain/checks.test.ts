import t from 'tap';
import { checkContinuity, checkDesignatorUniqueness, checkGroundTime, checkSchedule } from '../../src/domain/checks.ts';
import type { Schedule, ScheduleRotation } from '../../src/domain/schedule.ts';
import { leg } from './fixtures/legs.ts';

const airports = [{ iata: 'FRA', minimumGroundTimeMin: 45 }, { iata: 'MUC', minimumGroundTimeMin: 30 }];
const airplanes = [{ registration: 'D-AIAA', aircraftType: '320', minimumGroundTimeMin: 40 }];
const schedule = (...rotations: ScheduleRotation[]): Schedule => ({ airports, airplanes, rotations });

t.test('continuity: consecutive legs by departure must share the airport', async (t) => {
  const a = leg('FRA', 'MUC', 0, 60);
  const b = leg('HAM', 'FRA', 200, 260);
  const c = leg('FRA', 'MUC', 400, 460);
  // Given out of order on purpose: the check sorts by departure.
  const v = checkContinuity(schedule({ rotationId: 'r', legs: [c, b, a], registration: null }));
  t.equal(v.length, 1);
  t.match(v[0], { rotationId: 'r', previous: { id: a.id }, next: { id: b.id }, arrivalAirport: 'MUC', departureAirport: 'HAM' });
  t.match(v[0]?.message, /lands at MUC .* leaves from HAM/);
  t.same(checkContinuity(schedule({ rotationId: 'r', legs: [a], registration: null })), [], 'one leg has nothing to continue');
});

t.test('ground time: at least the larger of the landing airport and the airplane minimum', async (t) => {
  const a = leg('FRA', 'MUC', 0, 60); // lands at MUC (30 min)
  const b = leg('MUC', 'FRA', 95, 155); // 35 min later; lands at FRA (45 min)
  const c = leg('FRA', 'MUC', 200, 260); // exactly 45 min later
  const unassigned = checkGroundTime(schedule({ rotationId: 'r', legs: [a, b, c], registration: null }));
  t.same(unassigned, [], 'without an airplane only the airports count, and equal is enough');
  const assigned = checkGroundTime(schedule({ rotationId: 'r', legs: [a, b, c], registration: 'D-AIAA' }));
  t.equal(assigned.length, 1, 'with the airplane (40 min) the 35 min turn at MUC is short');
  t.match(assigned[0], { airport: 'MUC', requiredMinutes: 40, actualMinutes: 35, airportMinimumMinutes: 30, airplaneMinimumMinutes: 40, previous: { id: a.id }, next: { id: b.id } });
  const unknownAirport = leg('MUC', 'XXX', 300, 360);
  const next = leg('XXX', 'FRA', 361, 400);
  t.same(checkGroundTime(schedule({ rotationId: 'r', legs: [unknownAirport, next], registration: null })), [], 'an airport with no minimum set counts as 0');
  t.equal(checkGroundTime(schedule({ rotationId: 'r', legs: [unknownAirport, next], registration: 'D-AIAA' })).length, 1);
});

t.test('designators: carrier, number, suffix, departure airport and date of origin', async (t) => {
  const a = leg('FRA', 'MUC', 0, 60, 400);
  const sameDesignator = { ...leg('FRA', 'HAM', 600, 660, 400), id: `${a.id}~2` };
  const otherSuffix = leg('FRA', 'MUC', 700, 760, 400, { suffix: 'A' });
  const otherAirport = leg('MUC', 'FRA', 800, 860, 400);
  const otherDay = leg('FRA', 'MUC', 900, 960, 400, { dateOfOrigin: '2026-04-02' });
  const v = checkDesignatorUniqueness(schedule(
    { rotationId: 'r1', legs: [a, otherSuffix], registration: null },
    { rotationId: 'r2', legs: [sameDesignator, otherAirport, otherDay], registration: null },
  ));
  t.equal(v.length, 1);
  t.same(v[0]?.legs.map((l) => [l.rotationId, l.leg.id]), [['r1', a.id], ['r2', sameDesignator.id]]);
  t.same(v[0]?.designator, { carrier: 'LH', flightNumber: 400, suffix: '', departureAirport: 'FRA', dateOfOrigin: '2026-04-01' });
});

t.test('checkSchedule runs all three', async (t) => {
  const r = checkSchedule(schedule({ rotationId: 'r', legs: [leg('FRA', 'MUC', 0, 60), leg('HAM', 'FRA', 70, 100)], registration: null }));
  t.equal(r.continuity.length, 1);
  t.equal(r.groundTime.length, 1);
  t.equal(r.designators.length, 0);
});
