/**
 * The Rotation aggregate: the ordered legs one airplane flies, and which airplane holds it.
 *
 * The one rule enforced while planning is here: legs of a rotation never overlap in time.
 * Everything else (continuity, ground times, duplicate designators) is allowed and reported by
 * the checks. The airplane side of an assignment is kept by the assignment saga: the rotation
 * only records a claim (airplane + assignment id) and refuses any other claim until it is released.
 */
import { accept, assertNever, reject, type Decider, type Decision } from './decision.ts';
import { compareLegs, formatDesignator, iso, legProblems, overlaps, type Leg } from './leg.ts';

export interface Claim {
  readonly registration: string;
  /** The saga that made the claim; a release only undoes its own claim. */
  readonly assignmentId: string;
}

export type RotationState =
  | { readonly status: 'none' }
  | { readonly status: 'active'; readonly rotationId: string; readonly legs: readonly Leg[]; readonly claim: Claim | null }
  | { readonly status: 'removed'; readonly rotationId: string };

export type RotationCommand =
  | { readonly _tag: 'CreateRotation'; readonly rotationId: string }
  | { readonly _tag: 'AddLeg'; readonly rotationId: string; readonly leg: Leg }
  | { readonly _tag: 'RemoveLeg'; readonly rotationId: string; readonly legId: string }
  | { readonly _tag: 'RemoveRotation'; readonly rotationId: string }
  | { readonly _tag: 'ClaimRotation'; readonly rotationId: string; readonly registration: string; readonly assignmentId: string }
  | { readonly _tag: 'ReleaseRotation'; readonly rotationId: string; readonly assignmentId: string };

export type RotationEvent =
  | { readonly _tag: 'RotationCreated'; readonly version: 1; readonly rotationId: string }
  /** Version 2: the leg carries `aircraftType` and `serviceType` (null when unknown); version-1
   * events are upcast on read (schema.ts), so evolve only ever sees version 2. */
  | { readonly _tag: 'LegAdded'; readonly version: 2; readonly rotationId: string; readonly leg: Leg }
  | { readonly _tag: 'LegRemoved'; readonly version: 1; readonly rotationId: string; readonly legId: string }
  | { readonly _tag: 'RotationRemoved'; readonly version: 1; readonly rotationId: string }
  | {
      readonly _tag: 'RotationClaimed';
      readonly version: 1;
      readonly rotationId: string;
      readonly registration: string;
      readonly assignmentId: string;
    }
  | {
      readonly _tag: 'RotationReleased';
      readonly version: 1;
      readonly rotationId: string;
      readonly registration: string;
      readonly assignmentId: string;
    };

export type RotationError =
  | { readonly _tag: 'RotationAlreadyExists'; readonly rotationId: string; readonly message: string }
  | { readonly _tag: 'RotationNotFound'; readonly rotationId: string; readonly message: string }
  | { readonly _tag: 'RotationWasRemoved'; readonly rotationId: string; readonly message: string }
  | {
      readonly _tag: 'InvalidLeg';
      readonly rotationId: string;
      readonly legId: string;
      readonly problems: readonly string[];
      readonly message: string;
    }
  | { readonly _tag: 'LegAlreadyInRotation'; readonly rotationId: string; readonly legId: string; readonly message: string }
  | { readonly _tag: 'LegOverlaps'; readonly rotationId: string; readonly leg: Leg; readonly conflictsWith: Leg; readonly message: string }
  | { readonly _tag: 'UnknownLeg'; readonly rotationId: string; readonly legId: string; readonly message: string }
  | { readonly _tag: 'RotationIsAssigned'; readonly rotationId: string; readonly registration: string; readonly message: string }
  | {
      readonly _tag: 'RotationAlreadyAssigned';
      readonly rotationId: string;
      readonly registration: string;
      readonly requestedBy: string;
      readonly message: string;
    };

export type RotationDecision = Decision<RotationEvent, RotationError>;

export function initialState(): RotationState {
  return { status: 'none' };
}

type Active = Extract<RotationState, { status: 'active' }>;

/** The active rotation, or the error that says why there is none. */
function active(state: RotationState, rotationId: string): Active | RotationError {
  switch (state.status) {
    case 'active':
      return state;
    case 'none':
      return { _tag: 'RotationNotFound', rotationId, message: `rotation ${rotationId} does not exist` };
    case 'removed':
      return { _tag: 'RotationWasRemoved', rotationId, message: `rotation ${rotationId} was removed` };
    default:
      return assertNever(state);
  }
}

function isError(x: Active | RotationError): x is RotationError {
  return '_tag' in x;
}

/** Index of the first leg departing at or after `departureUtc` (legs are kept sorted). */
function lowerBound(legs: readonly Leg[], leg: Leg): number {
  let lo = 0;
  let hi = legs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareLegs(legs[mid] as Leg, leg) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The leg that `leg` would overlap; only its neighbours by departure can, since legs are disjoint. */
export function findOverlap(legs: readonly Leg[], leg: Leg): Leg | undefined {
  const i = lowerBound(legs, leg);
  const before = legs[i - 1];
  const after = legs[i];
  if (before && overlaps(before, leg)) return before;
  if (after && overlaps(after, leg)) return after;
  return undefined;
}

export function decide(command: RotationCommand, state: RotationState): RotationDecision {
  const { rotationId } = command;
  switch (command._tag) {
    case 'CreateRotation':
      if (state.status !== 'none') {
        return reject({ _tag: 'RotationAlreadyExists', rotationId, message: `rotation ${rotationId} already exists` });
      }
      return accept({ _tag: 'RotationCreated', version: 1, rotationId });
    case 'AddLeg': {
      const rotation = active(state, rotationId);
      if (isError(rotation)) return reject(rotation);
      const { leg } = command;
      const problems = legProblems(leg);
      if (problems.length > 0) {
        return reject({
          _tag: 'InvalidLeg',
          rotationId,
          legId: String(leg.id),
          problems,
          message: `leg ${String(leg.id)} is invalid: ${problems.join('; ')}`,
        });
      }
      if (rotation.legs.some((l) => l.id === leg.id)) {
        return reject({
          _tag: 'LegAlreadyInRotation',
          rotationId,
          legId: leg.id,
          message: `leg ${leg.id} is already in rotation ${rotationId}`,
        });
      }
      const conflict = findOverlap(rotation.legs, leg);
      if (conflict) {
        return reject({
          _tag: 'LegOverlaps',
          rotationId,
          leg,
          conflictsWith: conflict,
          message: `leg ${formatDesignator(leg)} (${iso(leg.departureUtc)} to ${iso(leg.arrivalUtc)}) overlaps leg ${formatDesignator(conflict)} (${iso(conflict.departureUtc)} to ${iso(conflict.arrivalUtc)}) in rotation ${rotationId}`,
        });
      }
      return accept({ _tag: 'LegAdded', version: 2, rotationId, leg });
    }
    case 'RemoveLeg': {
      const rotation = active(state, rotationId);
      if (isError(rotation)) return reject(rotation);
      if (!rotation.legs.some((l) => l.id === command.legId)) {
        return reject({
          _tag: 'UnknownLeg',
          rotationId,
          legId: command.legId,
          message: `rotation ${rotationId} has no leg ${command.legId}`,
        });
      }
      return accept({ _tag: 'LegRemoved', version: 1, rotationId, legId: command.legId });
    }
    case 'RemoveRotation': {
      const rotation = active(state, rotationId);
      if (isError(rotation)) return reject(rotation);
      // Removing a held rotation would leave the airplane pointing at nothing, and the airplane is
      // another aggregate: the planner unassigns first (itself a saga), then removes.
      if (rotation.claim) {
        const { registration } = rotation.claim;
        return reject({
          _tag: 'RotationIsAssigned',
          rotationId,
          registration,
          message: `rotation ${rotationId} is assigned to airplane ${registration}; unassign it first`,
        });
      }
      return accept({ _tag: 'RotationRemoved', version: 1, rotationId });
    }
    case 'ClaimRotation': {
      const rotation = active(state, rotationId);
      if (isError(rotation)) return reject(rotation);
      const { registration, assignmentId } = command;
      const claim = rotation.claim;
      if (claim && claim.assignmentId === assignmentId) return accept();
      // One claim at a time, even by the same airplane: two sagas both claiming for one airplane
      // could finish their airplane steps in the other order and leave the ids crossed.
      if (claim) {
        return reject({
          _tag: 'RotationAlreadyAssigned',
          rotationId,
          registration: claim.registration,
          requestedBy: registration,
          message:
            claim.registration === registration
              ? `rotation ${rotationId} is already assigned to airplane ${registration}`
              : `rotation ${rotationId} is already assigned to airplane ${claim.registration}; ${registration} cannot take it`,
        });
      }
      return accept({ _tag: 'RotationClaimed', version: 1, rotationId, registration, assignmentId });
    }
    case 'ReleaseRotation': {
      // Idempotent and scoped to one assignment: a late compensation or the release of an airplane's
      // previous rotation must not undo a newer claim made by another saga.
      if (state.status !== 'active' || !state.claim || state.claim.assignmentId !== command.assignmentId) return accept();
      return accept({
        _tag: 'RotationReleased',
        version: 1,
        rotationId,
        registration: state.claim.registration,
        assignmentId: command.assignmentId,
      });
    }
    default:
      return assertNever(command);
  }
}

export function evolve(state: RotationState, event: RotationEvent): RotationState {
  switch (event._tag) {
    case 'RotationCreated':
      return { status: 'active', rotationId: event.rotationId, legs: [], claim: null };
    case 'LegAdded': {
      if (state.status !== 'active') return state;
      const legs = state.legs.slice();
      legs.splice(lowerBound(legs, event.leg), 0, event.leg);
      return { ...state, legs };
    }
    case 'LegRemoved':
      if (state.status !== 'active') return state;
      return { ...state, legs: state.legs.filter((l) => l.id !== event.legId) };
    case 'RotationRemoved':
      return { status: 'removed', rotationId: event.rotationId };
    case 'RotationClaimed':
      if (state.status !== 'active') return state;
      return { ...state, claim: { registration: event.registration, assignmentId: event.assignmentId } };
    case 'RotationReleased':
      if (state.status !== 'active') return state;
      return { ...state, claim: null };
    default:
      return assertNever(event);
  }
}

export const rotationDecider: Decider<RotationCommand, RotationEvent, RotationState, RotationError> = { decide, evolve, initialState };
