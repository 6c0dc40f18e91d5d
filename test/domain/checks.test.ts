/** The four checks: hand cases, a brute-force reference over random schedules, and the schedule folded from events. */
import t from 'tap';
import fc from 'fast-check';
import { checkContinuity, checkDesignatorUniqueness, checkEquipment, checkGroundTime, checkSchedule } from '../../src/domain/checks.ts';
import type { Leg } from '../../src/domain/leg.ts';
import type { Schedule, ScheduleRotation } from '../../src/domain/schedule.ts';
import { scheduleFromEvents, type DomainEvent } from '../../src/domain/schedule-projection.ts';
import { leg } from './fixtures/legs.ts';

// ---- Hand cases
{
  const airports = [
    { iata: 'FRA', minimumGroundTimeMin: 45 },
    { iata: 'MUC', minimumGroundTimeMin: 30 },
  ];
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
    t.match(assigned[0], {
      airport: 'MUC',
      requiredMinutes: 40,
      actualMinutes: 35,
      airportMinimumMinutes: 30,
      airplaneMinimumMinutes: 40,
      previous: { id: a.id },
      next: { id: b.id },
    });
    const unknownAirport = leg('MUC', 'XXX', 300, 360);
    const next = leg('XXX', 'FRA', 361, 400);
    t.same(
      checkGroundTime(schedule({ rotationId: 'r', legs: [unknownAirport, next], registration: null })),
      [],
      'an airport with no minimum set counts as 0',
    );
    t.equal(checkGroundTime(schedule({ rotationId: 'r', legs: [unknownAirport, next], registration: 'D-AIAA' })).length, 1);
  });

  t.test('designators: carrier, number, suffix, departure airport and date of origin', async (t) => {
    const a = leg('FRA', 'MUC', 0, 60, 400);
    const sameDesignator = { ...leg('FRA', 'HAM', 600, 660, 400), id: `${a.id}~2` };
    const otherSuffix = leg('FRA', 'MUC', 700, 760, 400, { suffix: 'A' });
    const otherAirport = leg('MUC', 'FRA', 800, 860, 400);
    const otherDay = leg('FRA', 'MUC', 900, 960, 400, { dateOfOrigin: '2026-04-02' });
    const v = checkDesignatorUniqueness(
      schedule(
        { rotationId: 'r1', legs: [a, otherSuffix], registration: null },
        { rotationId: 'r2', legs: [sameDesignator, otherAirport, otherDay], registration: null },
      ),
    );
    t.equal(v.length, 1);
    t.same(
      v[0]?.legs.map((l) => [l.rotationId, l.leg.id]),
      [
        ['r1', a.id],
        ['r2', sameDesignator.id],
      ],
    );
    t.same(v[0]?.designator, { carrier: 'LH', flightNumber: 400, suffix: '', departureAirport: 'FRA', dateOfOrigin: '2026-04-01' });
  });

  t.test('equipment: a leg of a known type other than the assigned airplane type', async (t) => {
    const a = leg('FRA', 'MUC', 0, 60, 100, { aircraftType: '320' });
    const b = leg('MUC', 'FRA', 120, 180, 101, { aircraftType: '333' });
    const c = leg('FRA', 'HAM', 240, 300, 102); // type unknown
    const d = leg('HAM', 'FRA', 360, 420, 103, { aircraftType: '32N' }); // another subtype is another type
    t.same(checkEquipment(schedule({ rotationId: 'r', legs: [d, c, b, a], registration: null })), [], 'no airplane, nothing to compare');
    const v = checkEquipment(schedule({ rotationId: 'r', legs: [d, c, b, a], registration: 'D-AIAA' }));
    t.same(
      v.map((x) => [x.leg.id, x.legAircraftType, x.airplaneAircraftType, x.registration]),
      [
        [b.id, '333', '320', 'D-AIAA'],
        [d.id, '32N', '320', 'D-AIAA'],
      ],
      'in rotation order; unknown types and matching ones are fine',
    );
    t.match(v[0]?.message, /rotation r: LH 101 MUC 2026-04-01 is scheduled for aircraft type 333 but airplane D-AIAA is a 320/);
    t.same(
      checkEquipment(schedule({ rotationId: 'r', legs: [b], registration: 'D-UNKNOWN' })),
      [],
      'an airplane the schedule does not list is not judged',
    );
  });

  t.test('checkSchedule runs all four', async (t) => {
    const r = checkSchedule(
      schedule({
        rotationId: 'r',
        legs: [leg('FRA', 'MUC', 0, 60, 100, { aircraftType: '744' }), leg('HAM', 'FRA', 70, 100)],
        registration: 'D-AIAA',
      }),
    );
    t.equal(r.continuity.length, 1);
    t.equal(r.groundTime.length, 1);
    t.equal(r.designators.length, 0);
    t.equal(r.equipment.length, 1);
  });
}

// ---- Against a brute-force reference
// The checks against a brute-force reference written another way: "the next leg" found by
// scanning for the earliest later departure, duplicates by comparing every pair. Random small
// schedules with few airports and flight numbers, so violations of every kind are common.
{
  const AIRPORTS = ['FRA', 'MUC', 'HAM'];

  const scheduleArb: fc.Arbitrary<Schedule> = fc
    .record({
      mgt: fc.array(fc.integer({ min: 0, max: 90 }), { minLength: 3, maxLength: 3 }),
      planeMgt: fc.integer({ min: 0, max: 90 }),
      rotations: fc.array(
        fc.record({
          assigned: fc.boolean(),
          legs: fc.uniqueArray(
            fc.record({
              dep: fc.integer({ min: 0, max: 3000 }),
              dur: fc.integer({ min: 1, max: 200 }),
              from: fc.nat(2),
              to: fc.nat(2),
              fn: fc.integer({ min: 1, max: 4 }),
              day: fc.nat(1),
            }),
            { selector: (l) => l.dep, maxLength: 8 },
          ),
        }),
        { maxLength: 4 },
      ),
    })
    .map(({ mgt, planeMgt, rotations }) => ({
      airports: AIRPORTS.map((iata, i) => ({ iata, minimumGroundTimeMin: mgt[i] as number })),
      airplanes: [{ registration: 'D-AIAA', aircraftType: '320', minimumGroundTimeMin: planeMgt }],
      rotations: rotations.map((r, ri) => ({
        rotationId: `r${ri}`,
        registration: r.assigned ? 'D-AIAA' : null,
        legs: r.legs.map((l, li) => ({
          ...leg(AIRPORTS[l.from] as string, AIRPORTS[l.to] as string, l.dep, l.dep + l.dur, l.fn, {
            dateOfOrigin: `2026-04-0${l.day + 1}`,
          }),
          id: `r${ri}-l${li}`,
        })),
      })),
    }));

  /** The leg departing soonest after `l` in the same rotation, by scanning. */
  function nextOf(l: Leg, legs: readonly Leg[]): Leg | undefined {
    let best: Leg | undefined;
    for (const m of legs) if (m.departureUtc > l.departureUtc && (!best || m.departureUtc < best.departureUtc)) best = m;
    return best;
  }

  t.test('continuity and ground time agree with the scan', async (t) => {
    fc.assert(
      fc.property(scheduleArb, (s) => {
        const continuity: string[] = [];
        const ground: string[] = [];
        for (const r of s.rotations) {
          for (const l of r.legs) {
            const n = nextOf(l, r.legs);
            if (!n) continue;
            if (l.arrivalAirport !== n.departureAirport) continuity.push(`${l.id}>${n.id}`);
            const airport = s.airports.find((a) => a.iata === l.arrivalAirport)?.minimumGroundTimeMin ?? 0;
            const plane = r.registration ? (s.airplanes[0]?.minimumGroundTimeMin ?? 0) : 0;
            if ((n.departureUtc - l.arrivalUtc) / 60_000 < Math.max(airport, plane)) ground.push(`${l.id}>${n.id}`);
          }
        }
        const got = (vs: readonly { previous: Leg; next: Leg }[]) => vs.map((v) => `${v.previous.id}>${v.next.id}`).sort();
        return (
          JSON.stringify(got(checkContinuity(s))) === JSON.stringify(continuity.sort()) &&
          JSON.stringify(got(checkGroundTime(s))) === JSON.stringify(ground.sort())
        );
      }),
      { numRuns: 300 },
    );
    t.pass('agree');
  });

  t.test('designator uniqueness agrees with comparing every pair', async (t) => {
    fc.assert(
      fc.property(scheduleArb, (s) => {
        const all = s.rotations.flatMap((r) => r.legs);
        const same = (a: Leg, b: Leg) =>
          a.carrier === b.carrier &&
          a.flightNumber === b.flightNumber &&
          a.suffix === b.suffix &&
          a.departureAirport === b.departureAirport &&
          a.dateOfOrigin === b.dateOfOrigin;
        const inGroup = new Set<string>();
        for (const a of all) for (const b of all) if (a !== b && same(a, b)) inGroup.add(a.id);
        const reported = checkDesignatorUniqueness(s).flatMap((v) => v.legs.map((l) => l.leg.id));
        return reported.length === inGroup.size && reported.every((id) => inGroup.has(id));
      }),
      { numRuns: 300 },
    );
    t.pass('agree');
  });
}

// ---- The schedule folded from events
{
  const a = leg('FRA', 'MUC', 0, 60);
  const base: DomainEvent[] = [
    { _tag: 'AirportMinimumGroundTimeSet', version: 1, iata: 'FRA', minimumGroundTimeMin: 45 },
    { _tag: 'AirportMinimumGroundTimeSet', version: 1, iata: 'FRA', minimumGroundTimeMin: 50 },
    { _tag: 'AirplaneCreated', version: 1, registration: 'D-AIAA', aircraftType: '320', minimumGroundTimeMin: 30 },
    { _tag: 'RotationCreated', version: 1, rotationId: 'r1' },
    { _tag: 'LegAdded', version: 2, rotationId: 'r1', leg: a },
    { _tag: 'RotationCreated', version: 1, rotationId: 'r2' },
    { _tag: 'RotationClaimed', version: 1, rotationId: 'r1', registration: 'D-AIAA', assignmentId: 's1' },
  ];

  t.test('latest values win; a claim alone does not make a rotation flown', async (t) => {
    const s = scheduleFromEvents(base);
    t.same(s.airports, [{ iata: 'FRA', minimumGroundTimeMin: 50 }]);
    t.same(s.airplanes, [{ registration: 'D-AIAA', aircraftType: '320', minimumGroundTimeMin: 30 }]);
    t.same(s.rotations, [
      { rotationId: 'r1', legs: [a], registration: null },
      { rotationId: 'r2', legs: [], registration: null },
    ]);
  });

  t.test('the airplane side decides who flies it; removed rotations are gone', async (t) => {
    const s = scheduleFromEvents([
      ...base,
      { _tag: 'RotationAssigned', version: 1, registration: 'D-AIAA', rotationId: 'r1', assignmentId: 's1', previous: null },
      { _tag: 'RotationRemoved', version: 1, rotationId: 'r2' },
    ]);
    t.same(s.rotations, [{ rotationId: 'r1', legs: [a], registration: 'D-AIAA' }]);
  });
}
