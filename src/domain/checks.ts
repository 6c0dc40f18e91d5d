/**
 * The three validation checks of the paper, and a fourth (equipment), as pure functions over a
 * whole schedule.
 *
 * They are the oracle the read models are tested against, so they are written to be obviously
 * right first: sort each rotation's legs by departure, walk consecutive pairs, group designators.
 * Each violation carries what a planner needs to find it: rotation, legs, airports, times, and for
 * ground time the required and actual minutes.
 *
 * Decisions worth knowing (docs/domain.md has the full list):
 * - consecutive means adjacent after sorting by (departure, arrival, id);
 * - ground time is next departure minus previous arrival; the requirement is the larger of the
 *   MGT of the airport the airplane lands at (previous arrival airport) and the assigned
 *   airplane's MGT; an airport with no MGT set counts as 0; ground time equal to it is fine;
 * - designator uniqueness compares carrier, flight number, suffix ('' for none), departure airport
 *   and date of origin, across every rotation;
 * - equipment: a leg whose aircraft type is known and differs from the aircraft type of the
 *   rotation's airplane; a leg of unknown type (null), a rotation without an airplane and an
 *   airplane the schedule does not list are never reported.
 */
import { compareLegs, designatorKey, formatDesignator, iso, type Designator, type Leg } from './leg.ts';
import type { Schedule } from './schedule.ts';

export interface ContinuityViolation {
  readonly _tag: 'ContinuityBroken';
  readonly rotationId: string;
  readonly registration: string | null;
  readonly previous: Leg;
  readonly next: Leg;
  /** Where the previous leg lands. */
  readonly arrivalAirport: string;
  /** Where the next leg leaves from. */
  readonly departureAirport: string;
  readonly message: string;
}

export interface GroundTimeViolation {
  readonly _tag: 'GroundTimeTooShort';
  readonly rotationId: string;
  readonly registration: string | null;
  readonly previous: Leg;
  readonly next: Leg;
  readonly airport: string;
  readonly arrivalUtc: number;
  readonly departureUtc: number;
  readonly requiredMinutes: number;
  readonly actualMinutes: number;
  readonly airportMinimumMinutes: number;
  readonly airplaneMinimumMinutes: number | null;
  readonly message: string;
}

export interface DuplicateDesignatorViolation {
  readonly _tag: 'DuplicateDesignator';
  readonly designator: Designator;
  readonly key: string;
  readonly legs: readonly { readonly rotationId: string; readonly leg: Leg }[];
  readonly message: string;
}

export interface EquipmentViolation {
  readonly _tag: 'EquipmentMismatch';
  readonly rotationId: string;
  readonly registration: string;
  readonly leg: Leg;
  /** The aircraft type the leg is scheduled for. */
  readonly legAircraftType: string;
  /** The aircraft type of the airplane assigned to the rotation. */
  readonly airplaneAircraftType: string;
  readonly message: string;
}

export type Violation = ContinuityViolation | GroundTimeViolation | DuplicateDesignatorViolation | EquipmentViolation;

function sortedLegs(legs: readonly Leg[]): readonly Leg[] {
  for (let i = 1; i < legs.length; i++) {
    if (compareLegs(legs[i - 1] as Leg, legs[i] as Leg) > 0) return [...legs].sort(compareLegs);
  }
  return legs;
}

export function checkContinuity(schedule: Schedule): ContinuityViolation[] {
  const out: ContinuityViolation[] = [];
  for (const rotation of schedule.rotations) {
    const legs = sortedLegs(rotation.legs);
    for (let i = 1; i < legs.length; i++) {
      const previous = legs[i - 1] as Leg;
      const next = legs[i] as Leg;
      if (previous.arrivalAirport === next.departureAirport) continue;
      out.push({
        _tag: 'ContinuityBroken',
        rotationId: rotation.rotationId,
        registration: rotation.registration,
        previous,
        next,
        arrivalAirport: previous.arrivalAirport,
        departureAirport: next.departureAirport,
        message: `rotation ${rotation.rotationId}: ${formatDesignator(previous)} lands at ${previous.arrivalAirport} but the next leg ${formatDesignator(next)} leaves from ${next.departureAirport}`,
      });
    }
  }
  return out;
}

const MINUTE = 60_000;

export function checkGroundTime(schedule: Schedule): GroundTimeViolation[] {
  const airportMgt = new Map(schedule.airports.map((a) => [a.iata, a.minimumGroundTimeMin]));
  const airplaneMgt = new Map(schedule.airplanes.map((a) => [a.registration, a.minimumGroundTimeMin]));
  const out: GroundTimeViolation[] = [];
  for (const rotation of schedule.rotations) {
    const legs = sortedLegs(rotation.legs);
    const airplaneMinimumMinutes = rotation.registration === null ? null : (airplaneMgt.get(rotation.registration) ?? null);
    for (let i = 1; i < legs.length; i++) {
      const previous = legs[i - 1] as Leg;
      const next = legs[i] as Leg;
      const airport = previous.arrivalAirport;
      const airportMinimumMinutes = airportMgt.get(airport) ?? 0;
      const requiredMinutes = Math.max(airportMinimumMinutes, airplaneMinimumMinutes ?? 0);
      const actualMinutes = (next.departureUtc - previous.arrivalUtc) / MINUTE;
      if (actualMinutes >= requiredMinutes) continue;
      out.push({
        _tag: 'GroundTimeTooShort',
        rotationId: rotation.rotationId,
        registration: rotation.registration,
        previous,
        next,
        airport,
        arrivalUtc: previous.arrivalUtc,
        departureUtc: next.departureUtc,
        requiredMinutes,
        actualMinutes,
        airportMinimumMinutes,
        airplaneMinimumMinutes,
        message: `rotation ${rotation.rotationId}: ${actualMinutes} min on the ground at ${airport} between ${formatDesignator(previous)} (arrives ${iso(previous.arrivalUtc)}) and ${formatDesignator(next)} (departs ${iso(next.departureUtc)}); at least ${requiredMinutes} min required`,
      });
    }
  }
  return out;
}

export function checkDesignatorUniqueness(schedule: Schedule): DuplicateDesignatorViolation[] {
  const groups = new Map<string, { rotationId: string; leg: Leg }[]>();
  for (const rotation of schedule.rotations) {
    for (const leg of rotation.legs) {
      const key = designatorKey(leg);
      const group = groups.get(key);
      if (group) group.push({ rotationId: rotation.rotationId, leg });
      else groups.set(key, [{ rotationId: rotation.rotationId, leg }]);
    }
  }
  const out: DuplicateDesignatorViolation[] = [];
  for (const [key, legs] of groups) {
    if (legs.length < 2) continue;
    const { carrier, flightNumber, suffix, departureAirport, dateOfOrigin } = (legs[0] as { leg: Leg }).leg;
    const designator = { carrier, flightNumber, suffix, departureAirport, dateOfOrigin };
    out.push({
      _tag: 'DuplicateDesignator',
      designator,
      key,
      legs,
      message: `${legs.length} legs share designator ${formatDesignator(designator)}: ${legs.map((l) => `${l.leg.id} in rotation ${l.rotationId}`).join(', ')}`,
    });
  }
  return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** Legs scheduled for another aircraft type than their rotation's airplane, in rotation order. */
export function checkEquipment(schedule: Schedule): EquipmentViolation[] {
  const typeOf = new Map(schedule.airplanes.map((a) => [a.registration, a.aircraftType]));
  const out: EquipmentViolation[] = [];
  for (const rotation of schedule.rotations) {
    const registration = rotation.registration;
    if (registration === null) continue;
    const airplaneAircraftType = typeOf.get(registration);
    if (airplaneAircraftType === undefined) continue;
    for (const leg of sortedLegs(rotation.legs)) {
      const legAircraftType = leg.aircraftType ?? null;
      if (legAircraftType === null || legAircraftType === airplaneAircraftType) continue;
      out.push({
        _tag: 'EquipmentMismatch',
        rotationId: rotation.rotationId,
        registration,
        leg,
        legAircraftType,
        airplaneAircraftType,
        message: `rotation ${rotation.rotationId}: ${formatDesignator(leg)} is scheduled for aircraft type ${legAircraftType} but airplane ${registration} is a ${airplaneAircraftType}`,
      });
    }
  }
  return out;
}

export interface CheckReport {
  readonly continuity: readonly ContinuityViolation[];
  readonly groundTime: readonly GroundTimeViolation[];
  readonly designators: readonly DuplicateDesignatorViolation[];
  readonly equipment: readonly EquipmentViolation[];
}

export function checkSchedule(schedule: Schedule): CheckReport {
  return {
    continuity: checkContinuity(schedule),
    groundTime: checkGroundTime(schedule),
    designators: checkDesignatorUniqueness(schedule),
    equipment: checkEquipment(schedule),
  };
}
