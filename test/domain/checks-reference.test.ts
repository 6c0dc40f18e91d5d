/**
 * The checks against a brute-force reference written another way: "the next leg" found by
 * scanning for the earliest later departure, duplicates by comparing every pair. Random small
 * schedules with few airports and flight numbers, so violations of every kind are common.
 */
import t from 'tap';
import fc from 'fast-check';
import { checkContinuity, checkDesignatorUniqueness, checkGroundTime } from '../../src/domain/checks.ts';
import type { Leg } from '../../src/domain/leg.ts';
import type { Schedule } from '../../src/domain/schedule.ts';
import { leg } from './fixtures/legs.ts';

const AIRPORTS = ['FRA', 'MUC', 'HAM'];

const scheduleArb: fc.Arbitrary<Schedule> = fc
  .record({
    mgt: fc.array(fc.integer({ min: 0, max: 90 }), { minLength: 3, maxLength: 3 }),
    planeMgt: fc.integer({ min: 0, max: 90 }),
    rotations: fc.array(
      fc.record({
        assigned: fc.boolean(),
        legs: fc.uniqueArray(
          fc.record({ dep: fc.integer({ min: 0, max: 3000 }), dur: fc.integer({ min: 1, max: 200 }), from: fc.nat(2), to: fc.nat(2), fn: fc.integer({ min: 1, max: 4 }), day: fc.nat(1) }),
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
        ...leg(AIRPORTS[l.from] as string, AIRPORTS[l.to] as string, l.dep, l.dep + l.dur, l.fn, { dateOfOrigin: `2026-04-0${l.day + 1}` }),
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
      return JSON.stringify(got(checkContinuity(s))) === JSON.stringify(continuity.sort()) && JSON.stringify(got(checkGroundTime(s))) === JSON.stringify(ground.sort());
    }),
    { numRuns: 300 },
  );
  t.pass('agree');
});

t.test('designator uniqueness agrees with comparing every pair', async (t) => {
  fc.assert(
    fc.property(scheduleArb, (s) => {
      const all = s.rotations.flatMap((r) => r.legs);
      const same = (a: Leg, b: Leg) => a.carrier === b.carrier && a.flightNumber === b.flightNumber && a.suffix === b.suffix && a.departureAirport === b.departureAirport && a.dateOfOrigin === b.dateOfOrigin;
      const inGroup = new Set<string>();
      for (const a of all) for (const b of all) if (a !== b && same(a, b)) inGroup.add(a.id);
      const reported = checkDesignatorUniqueness(s).flatMap((v) => v.legs.map((l) => l.leg.id));
      return reported.length === inGroup.size && reported.every((id) => inGroup.has(id));
    }),
    { numRuns: 300 },
  );
  t.pass('agree');
});
