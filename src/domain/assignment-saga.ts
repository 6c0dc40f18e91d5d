/**
 * The assignment saga: "a rotation is flown by at most one airplane" across two aggregates,
 * kept with compensation instead of a transaction spanning both.
 *
 * Pure decision logic; the runtime runs it as an actor, delivers each step's reply as an input,
 * and persists the inputs so a restarted saga resumes where it was.
 *
 *   assign:   idle ─Start─▶ claiming ─claim ok─▶ assigning ─airplane ok─▶ releasing-previous ─▶ completed
 *                             │ claim refused        │ airplane refused           (if it had one)
 *                             ▼                      ▼
 *                         completed (failed)    compensating ─release─▶ completed (failed)
 *
 *   unassign: idle ─Start─▶ unassigning ─airplane ok─▶ releasing ─▶ completed
 *
 * Claims carry the saga id (assignment id): every release names it, so a late compensation or the
 * release of an airplane's previous rotation never undoes a newer claim. Inputs that do not fit
 * the current phase are ignored (reported with `ignored: true`): replies can be redelivered.
 */
import { assertNever } from './decision.ts';
import type { AirplaneCommand, AirplaneDecision, AirplaneError, Assignment } from './airplane.ts';
import type { RotationCommand, RotationDecision, RotationError } from './rotation.ts';

interface Target {
  readonly sagaId: string;
  readonly registration: string;
  readonly rotationId: string;
}

export type SagaOutcome =
  | { readonly _tag: 'Assigned'; readonly registration: string; readonly rotationId: string; readonly replaced: string | null }
  | { readonly _tag: 'AssignmentFailed'; readonly registration: string; readonly rotationId: string; readonly error: RotationError | AirplaneError; readonly message: string }
  | { readonly _tag: 'Unassigned'; readonly registration: string; readonly rotationId: string }
  | { readonly _tag: 'UnassignmentFailed'; readonly registration: string; readonly error: AirplaneError; readonly message: string };

export type AssignmentSagaState =
  | { readonly phase: 'idle' }
  | ({ readonly phase: 'claiming' } & Target)
  | ({ readonly phase: 'assigning' } & Target)
  | ({ readonly phase: 'releasing-previous'; readonly previous: Assignment } & Target)
  | ({ readonly phase: 'compensating'; readonly error: AirplaneError } & Target)
  | { readonly phase: 'unassigning'; readonly sagaId: string; readonly registration: string }
  | { readonly phase: 'releasing'; readonly sagaId: string; readonly registration: string; readonly released: Assignment }
  | { readonly phase: 'completed'; readonly sagaId: string; readonly outcome: SagaOutcome };

export type AssignmentSagaInput =
  | { readonly _tag: 'StartAssignment'; readonly sagaId: string; readonly registration: string; readonly rotationId: string }
  | { readonly _tag: 'StartUnassignment'; readonly sagaId: string; readonly registration: string }
  | { readonly _tag: 'RotationReplied'; readonly decision: RotationDecision }
  | { readonly _tag: 'AirplaneReplied'; readonly decision: AirplaneDecision };

export type SagaCommand =
  | { readonly _tag: 'SendToRotation'; readonly rotationId: string; readonly command: RotationCommand }
  | { readonly _tag: 'SendToAirplane'; readonly registration: string; readonly command: AirplaneCommand };

export interface SagaStep {
  readonly state: AssignmentSagaState;
  readonly commands: readonly SagaCommand[];
  readonly ignored: boolean;
}

export function initialSagaState(): AssignmentSagaState {
  return { phase: 'idle' };
}

function step(state: AssignmentSagaState, ...commands: SagaCommand[]): SagaStep {
  return { state, commands, ignored: false };
}

function toRotation(command: RotationCommand): SagaCommand {
  return { _tag: 'SendToRotation', rotationId: command.rotationId, command };
}

function toAirplane(command: AirplaneCommand): SagaCommand {
  return { _tag: 'SendToAirplane', registration: command.registration, command };
}

function assigned(t: Target, replaced: string | null): AssignmentSagaState {
  return { phase: 'completed', sagaId: t.sagaId, outcome: { _tag: 'Assigned', registration: t.registration, rotationId: t.rotationId, replaced } };
}

function failed(t: Target, error: RotationError | AirplaneError): AssignmentSagaState {
  return {
    phase: 'completed', sagaId: t.sagaId,
    outcome: { _tag: 'AssignmentFailed', registration: t.registration, rotationId: t.rotationId, error, message: `assigning rotation ${t.rotationId} to airplane ${t.registration} failed: ${error.message}` },
  };
}

export function transition(state: AssignmentSagaState, input: AssignmentSagaInput): SagaStep {
  const ignore: SagaStep = { state, commands: [], ignored: true };
  switch (state.phase) {
    case 'idle':
      if (input._tag === 'StartAssignment') {
        const { sagaId, registration, rotationId } = input;
        return step({ phase: 'claiming', sagaId, registration, rotationId }, toRotation({ _tag: 'ClaimRotation', rotationId, registration, assignmentId: sagaId }));
      }
      if (input._tag === 'StartUnassignment') {
        const { sagaId, registration } = input;
        return step({ phase: 'unassigning', sagaId, registration }, toAirplane({ _tag: 'UnassignRotation', registration }));
      }
      return ignore;
    case 'claiming':
      if (input._tag !== 'RotationReplied') return ignore;
      if (input.decision._tag === 'Rejected') return step(failed(state, input.decision.error));
      return step(
        { phase: 'assigning', sagaId: state.sagaId, registration: state.registration, rotationId: state.rotationId },
        toAirplane({ _tag: 'AssignRotation', registration: state.registration, rotationId: state.rotationId, assignmentId: state.sagaId }),
      );
    case 'assigning': {
      if (input._tag !== 'AirplaneReplied') return ignore;
      const decision = input.decision;
      if (decision._tag === 'Rejected') {
        // The rotation holds our claim but the airplane will not fly it: undo the claim.
        return step(
          { phase: 'compensating', sagaId: state.sagaId, registration: state.registration, rotationId: state.rotationId, error: decision.error },
          toRotation({ _tag: 'ReleaseRotation', rotationId: state.rotationId, assignmentId: state.sagaId }),
        );
      }
      const event = decision.events.find((e) => e._tag === 'RotationAssigned');
      const previous = event?._tag === 'RotationAssigned' ? event.previous : null;
      if (!previous) return step(assigned(state, null));
      return step({ ...state, phase: 'releasing-previous', previous }, toRotation({ _tag: 'ReleaseRotation', rotationId: previous.rotationId, assignmentId: previous.assignmentId }));
    }
    case 'releasing-previous':
      if (input._tag !== 'RotationReplied') return ignore;
      return step(assigned(state, state.previous.rotationId === state.rotationId ? null : state.previous.rotationId));
    case 'compensating':
      if (input._tag !== 'RotationReplied') return ignore;
      return step(failed(state, state.error));
    case 'unassigning': {
      if (input._tag !== 'AirplaneReplied') return ignore;
      const decision = input.decision;
      if (decision._tag === 'Rejected') {
        const error = decision.error;
        return step({ phase: 'completed', sagaId: state.sagaId, outcome: { _tag: 'UnassignmentFailed', registration: state.registration, error, message: `unassigning airplane ${state.registration} failed: ${error.message}` } });
      }
      const event = decision.events.find((e) => e._tag === 'RotationUnassigned');
      if (event?._tag !== 'RotationUnassigned') return ignore;
      const released = { rotationId: event.rotationId, assignmentId: event.assignmentId };
      return step({ phase: 'releasing', sagaId: state.sagaId, registration: state.registration, released }, toRotation({ _tag: 'ReleaseRotation', ...released }));
    }
    case 'releasing':
      if (input._tag !== 'RotationReplied') return ignore;
      return step({ phase: 'completed', sagaId: state.sagaId, outcome: { _tag: 'Unassigned', registration: state.registration, rotationId: state.released.rotationId } });
    case 'completed':
      return ignore;
    default:
      return assertNever(state);
  }
}
