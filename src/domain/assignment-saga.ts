/**
 * The assignment saga: "a rotation is flown by at most one airplane" across two aggregates,
 * kept with compensation instead of a transaction spanning both.
 *
 * Pure decision logic. The runtime (src/app/assignment.ts) runs it as an event-sourced entity
 * of its own: it journals every input before acting on it, delivers the one command the state
 * waits on (`pendingCommand`), and feeds the reply back. After a crash, a handoff or the loss of
 * its member the saga recovers its state from its inputs and sends its pending command again, so
 * every step must be safe to deliver twice:
 *
 *   assign:   idle ─Start─▶ claiming ─claim ok─▶ reading ─read─▶ assigning ─airplane ok─▶ releasing-previous ─▶ completed
 *                             │ claim refused        │ no airplane    │ refused (unknown airplane,  (if it had one)
 *                             ▼                      ▼                ▼ or the assignment changed)
 *                         completed (failed)    compensating ─release(s)─▶ completed (failed)
 *
 *   unassign: idle ─Start─▶ reading ─read─▶ unassigning ─airplane ok─▶ releasing ─▶ completed
 *
 * Why each step is idempotent:
 * - the claim carries the saga id: the rotation accepts the same saga's claim again (no event);
 * - the airplane steps carry the assignment version the saga read (`ReadAirplane`): the airplane
 *   applies them only if its assignment has not changed since; a redelivered step that was
 *   applied is recognised (the airplane already holds this saga's assignment), and one that was
 *   overtaken by another saga is refused with AssignmentChanged, never applied late;
 * - releases name the assignment they undo, so a second release, a late compensation, or the
 *   release of an airplane's previous rotation never undoes a newer claim.
 * Inputs that do not fit the current phase are ignored (reported with `ignored: true`).
 */
import { assertNever } from './decision.ts';
import {
  assignmentVersion,
  type AirplaneCommand,
  type AirplaneDecision,
  type AirplaneError,
  type AirplaneState,
  type Assignment,
} from './airplane.ts';
import type { RotationCommand, RotationDecision, RotationError } from './rotation.ts';

interface Target {
  readonly sagaId: string;
  readonly registration: string;
  readonly rotationId: string;
}

export type SagaOutcome =
  | { readonly _tag: 'Assigned'; readonly registration: string; readonly rotationId: string; readonly replaced: string | null }
  | {
      readonly _tag: 'AssignmentFailed';
      readonly registration: string;
      readonly rotationId: string;
      readonly error: RotationError | AirplaneError;
      readonly message: string;
    }
  | { readonly _tag: 'Unassigned'; readonly registration: string; readonly rotationId: string }
  | { readonly _tag: 'UnassignmentFailed'; readonly registration: string; readonly error: AirplaneError; readonly message: string };

export type AssignmentSagaState =
  | { readonly phase: 'idle' }
  | ({ readonly phase: 'claiming' } & Target)
  | ({ readonly phase: 'reading' } & Target)
  | ({ readonly phase: 'assigning'; readonly expectedVersion: number; readonly previous: Assignment | null } & Target)
  | ({ readonly phase: 'releasing-previous'; readonly previous: Assignment } & Target)
  /** Releases still to make, first one pending; the saga then fails with `error`. */
  | ({ readonly phase: 'compensating'; readonly error: AirplaneError; readonly releases: readonly Assignment[] } & Target)
  | { readonly phase: 'reading-unassign'; readonly sagaId: string; readonly registration: string }
  | {
      readonly phase: 'unassigning';
      readonly sagaId: string;
      readonly registration: string;
      readonly expectedVersion: number;
      readonly released: Assignment;
    }
  /** `error` set: the airplane's assignment changed meanwhile; the release still happens, the saga then fails. */
  | {
      readonly phase: 'releasing';
      readonly sagaId: string;
      readonly registration: string;
      readonly released: Assignment;
      readonly error?: AirplaneError;
    }
  | { readonly phase: 'completed'; readonly sagaId: string; readonly outcome: SagaOutcome };

/** What the saga learns from reading the airplane: whether it exists, its assignment and version. */
export interface AirplaneReading {
  readonly exists: boolean;
  readonly assignment: Assignment | null;
  readonly version: number;
}

/** What a ReadAirplane command answers, from the airplane's state. */
export function readAirplane(state: AirplaneState): AirplaneReading {
  return {
    exists: state.status === 'active',
    assignment: state.status === 'active' ? state.assignment : null,
    version: assignmentVersion(state),
  };
}

export type AssignmentSagaInput =
  | { readonly _tag: 'StartAssignment'; readonly sagaId: string; readonly registration: string; readonly rotationId: string }
  | { readonly _tag: 'StartUnassignment'; readonly sagaId: string; readonly registration: string }
  | { readonly _tag: 'RotationReplied'; readonly decision: RotationDecision }
  | { readonly _tag: 'AirplaneReplied'; readonly decision: AirplaneDecision }
  | { readonly _tag: 'AirplaneRead'; readonly reading: AirplaneReading };

export type SagaCommand =
  | { readonly _tag: 'SendToRotation'; readonly rotationId: string; readonly command: RotationCommand }
  | { readonly _tag: 'SendToAirplane'; readonly registration: string; readonly command: AirplaneCommand }
  /** Read the airplane's state (no change); answered with AirplaneRead. */
  | { readonly _tag: 'ReadAirplane'; readonly registration: string };

export interface SagaStep {
  readonly state: AssignmentSagaState;
  readonly commands: readonly SagaCommand[];
  readonly ignored: boolean;
}

export function initialSagaState(): AssignmentSagaState {
  return { phase: 'idle' };
}

function toRotation(command: RotationCommand): SagaCommand {
  return { _tag: 'SendToRotation', rotationId: command.rotationId, command };
}

function toAirplane(command: AirplaneCommand): SagaCommand {
  return { _tag: 'SendToAirplane', registration: command.registration, command };
}

function assigned(t: Target, replaced: string | null): AssignmentSagaState {
  return {
    phase: 'completed',
    sagaId: t.sagaId,
    outcome: { _tag: 'Assigned', registration: t.registration, rotationId: t.rotationId, replaced },
  };
}

function failed(t: Target, error: RotationError | AirplaneError): AssignmentSagaState {
  return {
    phase: 'completed',
    sagaId: t.sagaId,
    outcome: {
      _tag: 'AssignmentFailed',
      registration: t.registration,
      rotationId: t.rotationId,
      error,
      message: `assigning rotation ${t.rotationId} to airplane ${t.registration} failed: ${error.message}`,
    },
  };
}

function release(assignment: Assignment): SagaCommand {
  return toRotation({ _tag: 'ReleaseRotation', rotationId: assignment.rotationId, assignmentId: assignment.assignmentId });
}

/**
 * The one command the saga waits on in `state` (undefined when idle or completed). A runtime that
 * recovers a saga sends it again: every such command is safe to deliver twice.
 */
export function pendingCommand(state: AssignmentSagaState): SagaCommand | undefined {
  switch (state.phase) {
    case 'idle':
    case 'completed':
      return undefined;
    case 'claiming':
      return toRotation({
        _tag: 'ClaimRotation',
        rotationId: state.rotationId,
        registration: state.registration,
        assignmentId: state.sagaId,
      });
    case 'reading':
    case 'reading-unassign':
      return { _tag: 'ReadAirplane', registration: state.registration };
    case 'assigning':
      return toAirplane({
        _tag: 'AssignRotation',
        registration: state.registration,
        rotationId: state.rotationId,
        assignmentId: state.sagaId,
        expectedVersion: state.expectedVersion,
      });
    case 'releasing-previous':
      return release(state.previous);
    case 'compensating': {
      const next = state.releases[0];
      return next === undefined ? undefined : release(next);
    }
    case 'unassigning':
      return toAirplane({ _tag: 'UnassignRotation', registration: state.registration, expectedVersion: state.expectedVersion });
    case 'releasing':
      return release(state.released);
    default:
      return assertNever(state);
  }
}

function to(state: AssignmentSagaState): SagaStep {
  const command = pendingCommand(state);
  return { state, commands: command ? [command] : [], ignored: false };
}

function compensate(t: Target, error: AirplaneError, releases: readonly Assignment[]): SagaStep {
  return releases.length === 0
    ? to(failed(t, error))
    : to({ phase: 'compensating', sagaId: t.sagaId, registration: t.registration, rotationId: t.rotationId, error, releases });
}

export function transition(state: AssignmentSagaState, input: AssignmentSagaInput): SagaStep {
  const ignore: SagaStep = { state, commands: [], ignored: true };
  switch (state.phase) {
    case 'idle':
      if (input._tag === 'StartAssignment') {
        const { sagaId, registration, rotationId } = input;
        return to({ phase: 'claiming', sagaId, registration, rotationId });
      }
      if (input._tag === 'StartUnassignment') {
        const { sagaId, registration } = input;
        return to({ phase: 'reading-unassign', sagaId, registration });
      }
      return ignore;
    case 'claiming':
      if (input._tag !== 'RotationReplied') return ignore;
      if (input.decision._tag === 'Rejected') return to(failed(state, input.decision.error));
      return to({ phase: 'reading', sagaId: state.sagaId, registration: state.registration, rotationId: state.rotationId });
    case 'reading': {
      if (input._tag !== 'AirplaneRead') return ignore;
      const { exists, assignment, version } = input.reading;
      const own: Assignment = { rotationId: state.rotationId, assignmentId: state.sagaId };
      if (!exists) {
        // The rotation holds our claim but there is no airplane to fly it: undo the claim.
        return compensate(
          state,
          { _tag: 'AirplaneNotFound', registration: state.registration, message: `airplane ${state.registration} does not exist` },
          [own],
        );
      }
      const previous = assignment && assignment.assignmentId !== state.sagaId ? assignment : null;
      return to({
        phase: 'assigning',
        sagaId: state.sagaId,
        registration: state.registration,
        rotationId: state.rotationId,
        expectedVersion: version,
        previous,
      });
    }
    case 'assigning': {
      if (input._tag !== 'AirplaneReplied') return ignore;
      const decision = input.decision;
      const own: Assignment = { rotationId: state.rotationId, assignmentId: state.sagaId };
      if (decision._tag === 'Rejected') {
        // Unknown airplane: undo our claim. The assignment changed since we read it (another saga
        // got there first, or this very step was applied and then overtaken): undo our claim, and
        // release what the airplane held when we read it — it is no longer the airplane's in
        // either case, and releases are scoped to their assignment, so this never undoes a newer one.
        const releases = decision.error._tag === 'AssignmentChanged' && state.previous ? [own, state.previous] : [own];
        return compensate(state, decision.error, releases);
      }
      // Accepted, with RotationAssigned, or with no event when this step had been applied already
      // (a redelivery): either way the airplane replaced what it held when we read it.
      if (!state.previous) return to(assigned(state, null));
      return to({
        phase: 'releasing-previous',
        sagaId: state.sagaId,
        registration: state.registration,
        rotationId: state.rotationId,
        previous: state.previous,
      });
    }
    case 'releasing-previous':
      if (input._tag !== 'RotationReplied') return ignore;
      return to(assigned(state, state.previous.rotationId === state.rotationId ? null : state.previous.rotationId));
    case 'compensating': {
      if (input._tag !== 'RotationReplied') return ignore;
      const rest = state.releases.slice(1);
      return rest.length === 0 ? to(failed(state, state.error)) : to({ ...state, releases: rest });
    }
    case 'reading-unassign': {
      if (input._tag !== 'AirplaneRead') return ignore;
      const { exists, assignment, version } = input.reading;
      const { sagaId, registration } = state;
      if (!exists || !assignment) {
        const error: AirplaneError = exists
          ? { _tag: 'AirplaneNotAssigned', registration, message: `airplane ${registration} has no rotation assigned` }
          : { _tag: 'AirplaneNotFound', registration, message: `airplane ${registration} does not exist` };
        return to({
          phase: 'completed',
          sagaId,
          outcome: {
            _tag: 'UnassignmentFailed',
            registration,
            error,
            message: `unassigning airplane ${registration} failed: ${error.message}`,
          },
        });
      }
      return to({ phase: 'unassigning', sagaId, registration, expectedVersion: version, released: assignment });
    }
    case 'unassigning': {
      if (input._tag !== 'AirplaneReplied') return ignore;
      const decision = input.decision;
      const { sagaId, registration, released } = state;
      if (decision._tag === 'Rejected') {
        const error = decision.error;
        if (error._tag !== 'AssignmentChanged') {
          return to({
            phase: 'completed',
            sagaId,
            outcome: {
              _tag: 'UnassignmentFailed',
              registration,
              error,
              message: `unassigning airplane ${registration} failed: ${error.message}`,
            },
          });
        }
        // Changed since the read: the assignment we meant to remove is gone either way (we removed
        // it before a crash, or another saga replaced or removed it); its claim must go too.
        // With no assignment now, the airplane is unassigned as asked; with another one, it is not.
        return to({ phase: 'releasing', sagaId, registration, released, ...(error.current ? { error } : {}) });
      }
      return to({ phase: 'releasing', sagaId, registration, released });
    }
    case 'releasing': {
      if (input._tag !== 'RotationReplied') return ignore;
      const { sagaId, registration, released, error } = state;
      if (error)
        return to({
          phase: 'completed',
          sagaId,
          outcome: {
            _tag: 'UnassignmentFailed',
            registration,
            error,
            message: `unassigning airplane ${registration} failed: ${error.message}`,
          },
        });
      return to({ phase: 'completed', sagaId, outcome: { _tag: 'Unassigned', registration, rotationId: released.rotationId } });
    }
    case 'completed':
      return ignore;
    default:
      return assertNever(state);
  }
}

/** Every saga has ended once its state is completed; anything else still has work to do. */
export function sagaFinished(state: AssignmentSagaState): boolean {
  return state.phase === 'completed';
}
