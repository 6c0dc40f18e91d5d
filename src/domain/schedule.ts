/**
 * A whole schedule as the checks read it: airports, airplanes, and rotations with their legs and
 * the airplane (if any) that flies each. Plain arrays, so a view, a test or an import can build
 * one without knowing the aggregates.
 */
import type { Airport } from './airport.ts';
import type { Leg } from './leg.ts';

export interface ScheduleAirplane {
  readonly registration: string;
  readonly aircraftType: string;
  readonly minimumGroundTimeMin: number;
}

export interface ScheduleRotation {
  readonly rotationId: string;
  readonly legs: readonly Leg[];
  /** The airplane assigned to the rotation, or null. */
  readonly registration: string | null;
}

export interface Schedule {
  readonly airports: readonly Airport[];
  readonly airplanes: readonly ScheduleAirplane[];
  readonly rotations: readonly ScheduleRotation[];
}
