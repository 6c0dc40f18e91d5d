/**
 * A season as the commands that would build it through the aggregates: what the demo (and any
 * loader) sends, in order: airport ground times, airplanes, rotations with their legs, then one
 * assignment saga per airplane. Saga ids are derived from the rotation, so loading twice is
 * predictable.
 */
import { importCommands, type AirplaneCommand, type AirportCommand, type AssignmentSagaInput, type RotationCommand } from '../index.ts';
import type { Season } from './season.ts';

export interface SeasonCommands {
  readonly airports: readonly AirportCommand[];
  readonly airplanes: readonly AirplaneCommand[];
  readonly rotations: readonly RotationCommand[];
  readonly assignments: readonly Extract<AssignmentSagaInput, { _tag: 'StartAssignment' }>[];
}

export function seasonCommands(season: Season): SeasonCommands {
  return { ...fleetCommands(season), rotations: importCommands(season.rotations) };
}

/** All but the rotations' commands, for a loader that sends the rotations as an import (one
 * command object per leg is a lot of memory on a big season). */
export function fleetCommands(season: Season): Omit<SeasonCommands, 'rotations'> {
  return {
    airports: season.airports.map((a) => ({
      _tag: 'SetAirportMinimumGroundTime',
      iata: a.iata,
      minimumGroundTimeMin: a.minimumGroundTimeMin,
    })),
    airplanes: season.airplanes.map((a) => ({
      _tag: 'CreateAirplane',
      registration: a.registration,
      aircraftType: a.aircraftType,
      minimumGroundTimeMin: a.minimumGroundTimeMin,
    })),
    assignments: season.airplanes.map((a) => ({
      _tag: 'StartAssignment',
      sagaId: `assign-${a.rotationId}`,
      registration: a.registration,
      rotationId: a.rotationId,
    })),
  };
}
