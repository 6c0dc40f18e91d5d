/**
 * The Airplane aggregate: registration, aircraft type, its own minimum ground time, and at most
 * one assigned rotation.
 *
 * Assigning a new rotation replaces the old one; the event names the previous assignment so the
 * assignment saga can release it on the rotation side. The airplane never checks the rotation:
 * that is the rotation's claim, made first by the saga.
 */
import { accept, assertNever, reject, type Decider, type Decision } from './decision.ts';

export interface Assignment {
  readonly rotationId: string;
  readonly assignmentId: string;
}

export type AirplaneState =
  | { readonly status: 'none' }
  | {
      readonly status: 'active';
      readonly registration: string;
      readonly aircraftType: string;
      readonly minimumGroundTimeMin: number;
      readonly assignment: Assignment | null;
      /** Counts the assignment's changes (assigned, unassigned); derived from the events, so a
       * saga that read it can make its next step conditional on nothing having changed since.
       * Absent in snapshots written before it existed: read as 0. */
      readonly assignmentVersion?: number;
    };

export type AirplaneCommand =
  | { readonly _tag: 'CreateAirplane'; readonly registration: string; readonly aircraftType: string; readonly minimumGroundTimeMin: number }
  | { readonly _tag: 'SetAirplaneMinimumGroundTime'; readonly registration: string; readonly minimumGroundTimeMin: number }
  /** With `expectedVersion` (the saga's), applied only if the assignment has not changed since the
   * saga read that version: a redelivered or overtaken step is refused, never applied late. */
  | {
      readonly _tag: 'AssignRotation';
      readonly registration: string;
      readonly rotationId: string;
      readonly assignmentId: string;
      readonly expectedVersion?: number;
    }
  | { readonly _tag: 'UnassignRotation'; readonly registration: string; readonly expectedVersion?: number };

export type AirplaneEvent =
  | {
      readonly _tag: 'AirplaneCreated';
      readonly version: 1;
      readonly registration: string;
      readonly aircraftType: string;
      readonly minimumGroundTimeMin: number;
    }
  | {
      readonly _tag: 'AirplaneMinimumGroundTimeSet';
      readonly version: 1;
      readonly registration: string;
      readonly minimumGroundTimeMin: number;
    }
  | {
      readonly _tag: 'RotationAssigned';
      readonly version: 1;
      readonly registration: string;
      readonly rotationId: string;
      readonly assignmentId: string;
      readonly previous: Assignment | null;
    }
  | {
      readonly _tag: 'RotationUnassigned';
      readonly version: 1;
      readonly registration: string;
      readonly rotationId: string;
      readonly assignmentId: string;
    };

export type AirplaneError =
  | { readonly _tag: 'AirplaneAlreadyExists'; readonly registration: string; readonly message: string }
  | { readonly _tag: 'AirplaneNotFound'; readonly registration: string; readonly message: string }
  | { readonly _tag: 'InvalidAirplane'; readonly registration: string; readonly problems: readonly string[]; readonly message: string }
  | { readonly _tag: 'AirplaneNotAssigned'; readonly registration: string; readonly message: string }
  | {
      readonly _tag: 'AssignmentChanged';
      readonly registration: string;
      readonly expectedVersion: number;
      readonly version: number;
      readonly current: Assignment | null;
      readonly message: string;
    };

export type AirplaneDecision = Decision<AirplaneEvent, AirplaneError>;

export function initialState(): AirplaneState {
  return { status: 'none' };
}

/** Minimum ground times are whole minutes, at most a day: anything longer is a typo. */
export function groundTimeProblem(minutes: number): string | null {
  return Number.isInteger(minutes) && minutes >= 0 && minutes <= 1440
    ? null
    : `minimum ground time ${minutes} must be whole minutes from 0 to 1440`;
}

function invalid(registration: string, problems: string[]): AirplaneDecision {
  return reject({ _tag: 'InvalidAirplane', registration, problems, message: `airplane ${registration}: ${problems.join('; ')}` });
}

/** The airplane's assignment version (0 for an airplane that never had one). */
export function assignmentVersion(state: AirplaneState): number {
  return state.status === 'active' ? (state.assignmentVersion ?? 0) : 0;
}

function changed(registration: string, expectedVersion: number, state: Extract<AirplaneState, { status: 'active' }>): AirplaneDecision {
  const version = state.assignmentVersion ?? 0;
  return reject({
    _tag: 'AssignmentChanged',
    registration,
    expectedVersion,
    version,
    current: state.assignment,
    message: `the assignment of airplane ${registration} changed while this step was under way (version ${expectedVersion} expected, now ${version}: ${state.assignment ? `rotation ${state.assignment.rotationId}` : 'none'})`,
  });
}

export function decide(command: AirplaneCommand, state: AirplaneState): AirplaneDecision {
  const { registration } = command;
  if (command._tag === 'CreateAirplane') {
    if (state.status !== 'none')
      return reject({ _tag: 'AirplaneAlreadyExists', registration, message: `airplane ${registration} already exists` });
    const problems: string[] = [];
    if (!/^[A-Z0-9-]{2,10}$/.test(registration)) problems.push(`registration "${registration}" must be 2-10 letters, digits or dashes`);
    if (!/^[A-Z0-9]{3}$/.test(command.aircraftType))
      problems.push(`aircraft type "${command.aircraftType}" must be a 3-character IATA code`);
    const mgt = groundTimeProblem(command.minimumGroundTimeMin);
    if (mgt) problems.push(mgt);
    if (problems.length > 0) return invalid(registration, problems);
    return accept({
      _tag: 'AirplaneCreated',
      version: 1,
      registration,
      aircraftType: command.aircraftType,
      minimumGroundTimeMin: command.minimumGroundTimeMin,
    });
  }
  if (state.status === 'none')
    return reject({ _tag: 'AirplaneNotFound', registration, message: `airplane ${registration} does not exist` });
  switch (command._tag) {
    case 'SetAirplaneMinimumGroundTime': {
      const mgt = groundTimeProblem(command.minimumGroundTimeMin);
      if (mgt) return invalid(registration, [mgt]);
      if (command.minimumGroundTimeMin === state.minimumGroundTimeMin) return accept();
      return accept({ _tag: 'AirplaneMinimumGroundTimeSet', version: 1, registration, minimumGroundTimeMin: command.minimumGroundTimeMin });
    }
    case 'AssignRotation': {
      const current = state.assignment;
      if (current && current.rotationId === command.rotationId && current.assignmentId === command.assignmentId) return accept();
      if (command.expectedVersion !== undefined && command.expectedVersion !== (state.assignmentVersion ?? 0))
        return changed(registration, command.expectedVersion, state);
      return accept({
        _tag: 'RotationAssigned',
        version: 1,
        registration,
        rotationId: command.rotationId,
        assignmentId: command.assignmentId,
        previous: current,
      });
    }
    case 'UnassignRotation': {
      const current = state.assignment;
      if (command.expectedVersion !== undefined && command.expectedVersion !== (state.assignmentVersion ?? 0))
        return changed(registration, command.expectedVersion, state);
      if (!current)
        return reject({ _tag: 'AirplaneNotAssigned', registration, message: `airplane ${registration} has no rotation assigned` });
      return accept({
        _tag: 'RotationUnassigned',
        version: 1,
        registration,
        rotationId: current.rotationId,
        assignmentId: current.assignmentId,
      });
    }
    default:
      return assertNever(command);
  }
}

export function evolve(state: AirplaneState, event: AirplaneEvent): AirplaneState {
  switch (event._tag) {
    case 'AirplaneCreated':
      return {
        status: 'active',
        registration: event.registration,
        aircraftType: event.aircraftType,
        minimumGroundTimeMin: event.minimumGroundTimeMin,
        assignment: null,
      };
    case 'AirplaneMinimumGroundTimeSet':
      return state.status === 'active' ? { ...state, minimumGroundTimeMin: event.minimumGroundTimeMin } : state;
    case 'RotationAssigned':
      return state.status === 'active'
        ? {
            ...state,
            assignment: { rotationId: event.rotationId, assignmentId: event.assignmentId },
            assignmentVersion: (state.assignmentVersion ?? 0) + 1,
          }
        : state;
    case 'RotationUnassigned':
      return state.status === 'active' ? { ...state, assignment: null, assignmentVersion: (state.assignmentVersion ?? 0) + 1 } : state;
    default:
      return assertNever(event);
  }
}

export const airplaneDecider: Decider<AirplaneCommand, AirplaneEvent, AirplaneState, AirplaneError> = { decide, evolve, initialState };
