/**
 * The whole schedule folded from the aggregates' events: what the checks read, built the same way
 * a view would build it, so a view can be tested against `checkSchedule(scheduleFromEvents(feed))`.
 *
 * A rotation's airplane is taken from the airplane side (its RotationAssigned), not from the
 * rotation's claim: a claim exists from the saga's first step, the assignment only once the
 * airplane accepted it. At rest the two agree.
 */
import { assertNever } from './decision.ts';
import { airplaneDecider, type AirplaneEvent, type AirplaneState } from './airplane.ts';
import { airportDecider, type AirportEvent, type AirportState } from './airport.ts';
import { rotationDecider, type RotationEvent, type RotationState } from './rotation.ts';
import type { Schedule } from './schedule.ts';

export type DomainEvent = RotationEvent | AirplaneEvent | AirportEvent;

export function scheduleFromEvents(events: Iterable<DomainEvent>): Schedule {
  const rotations = new Map<string, RotationState>();
  const airplanes = new Map<string, AirplaneState>();
  const airports = new Map<string, AirportState>();
  for (const e of events) {
    switch (e._tag) {
      case 'RotationCreated':
      case 'LegAdded':
      case 'LegRemoved':
      case 'RotationRemoved':
      case 'RotationClaimed':
      case 'RotationReleased':
        rotations.set(e.rotationId, rotationDecider.evolve(rotations.get(e.rotationId) ?? rotationDecider.initialState(), e));
        break;
      case 'AirplaneCreated':
      case 'AirplaneMinimumGroundTimeSet':
      case 'RotationAssigned':
      case 'RotationUnassigned':
        airplanes.set(e.registration, airplaneDecider.evolve(airplanes.get(e.registration) ?? airplaneDecider.initialState(), e));
        break;
      case 'AirportMinimumGroundTimeSet':
        airports.set(e.iata, airportDecider.evolve(airports.get(e.iata) ?? airportDecider.initialState(), e));
        break;
      default:
        assertNever(e);
    }
  }
  const flownBy = new Map<string, string>();
  const planes: Schedule['airplanes'][number][] = [];
  for (const a of airplanes.values()) {
    if (a.status !== 'active') continue;
    planes.push({ registration: a.registration, aircraftType: a.aircraftType, minimumGroundTimeMin: a.minimumGroundTimeMin });
    if (a.assignment) flownBy.set(a.assignment.rotationId, a.registration);
  }
  return {
    airports: [...airports.values()].flatMap((a) =>
      a.status === 'known' ? [{ iata: a.iata, minimumGroundTimeMin: a.minimumGroundTimeMin }] : [],
    ),
    airplanes: planes,
    rotations: [...rotations.values()].flatMap((r) =>
      r.status === 'active' ? [{ rotationId: r.rotationId, legs: r.legs, registration: flownBy.get(r.rotationId) ?? null }] : [],
    ),
  };
}
