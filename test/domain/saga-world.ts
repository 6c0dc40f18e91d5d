/**
 * A tiny in-memory world for the assignment saga: aggregates as event lists, sagas as pure state,
 * and a step function that lets a test (or fast-check) choose who moves next. It stands in for
 * the runtime, which delivers one command at a time per saga and replies with the decision.
 */
import { airplaneDecider, type AirplaneCommand, type AirplaneEvent, type AirplaneState } from '../../src/domain/airplane.ts';
import { rotationDecider, type RotationCommand, type RotationEvent, type RotationState } from '../../src/domain/rotation.ts';
import { initialSagaState, transition, type AssignmentSagaInput, type AssignmentSagaState, type SagaCommand } from '../../src/domain/assignment-saga.ts';
import type { Decision } from '../../src/domain/decision.ts';

interface Saga {
  state: AssignmentSagaState;
  pending: SagaCommand | null;
}

export class World {
  readonly rotations = new Map<string, RotationState>();
  readonly airplanes = new Map<string, AirplaneState>();
  readonly sagas = new Map<string, Saga>();

  rotation(id: string): RotationState {
    return this.rotations.get(id) ?? rotationDecider.initialState();
  }
  airplane(reg: string): AirplaneState {
    return this.airplanes.get(reg) ?? airplaneDecider.initialState();
  }

  onRotation(command: RotationCommand) {
    const decision = rotationDecider.decide(command, this.rotation(command.rotationId));
    if (decision._tag === 'Accepted') this.rotations.set(command.rotationId, decision.events.reduce<RotationState>(rotationDecider.evolve, this.rotation(command.rotationId)));
    return decision;
  }
  onAirplane(command: AirplaneCommand) {
    const decision = airplaneDecider.decide(command, this.airplane(command.registration));
    if (decision._tag === 'Accepted') this.airplanes.set(command.registration, decision.events.reduce<AirplaneState>(airplaneDecider.evolve, this.airplane(command.registration)));
    return decision;
  }

  start(input: Extract<AssignmentSagaInput, { _tag: 'StartAssignment' | 'StartUnassignment' }>): void {
    const { state, commands } = transition(initialSagaState(), input);
    this.sagas.set(input.sagaId, { state, pending: commands[0] ?? null });
  }

  /** Delivers the saga's pending command and feeds the reply back; false when it had none. */
  step(sagaId: string): boolean {
    const saga = this.sagas.get(sagaId);
    if (!saga?.pending) return false;
    const command = saga.pending;
    const reply: AssignmentSagaInput =
      command._tag === 'SendToRotation'
        ? { _tag: 'RotationReplied', decision: this.onRotation(command.command) as Decision<RotationEvent, never> }
        : { _tag: 'AirplaneReplied', decision: this.onAirplane(command.command) as Decision<AirplaneEvent, never> };
    const next = transition(saga.state, reply);
    saga.state = next.state;
    saga.pending = next.commands[0] ?? null;
    return true;
  }

  runAll(): void {
    for (const id of this.sagas.keys()) while (this.step(id));
  }

  /** The cross-aggregate rule, checked once no saga is in flight. Returns what is wrong. */
  inconsistencies(): string[] {
    const wrong: string[] = [];
    for (const [reg, a] of this.airplanes) {
      if (a.status !== 'active' || !a.assignment) continue;
      const r = this.rotation(a.assignment.rotationId);
      if (r.status !== 'active') wrong.push(`${reg} holds ${a.assignment.rotationId}, which is ${r.status}`);
      else if (r.claim?.registration !== reg || r.claim.assignmentId !== a.assignment.assignmentId) {
        wrong.push(`${reg} holds ${a.assignment.rotationId} (${a.assignment.assignmentId}) but the rotation's claim is ${JSON.stringify(r.claim)}`);
      }
    }
    for (const [id, r] of this.rotations) {
      if (r.status !== 'active' || !r.claim) continue;
      const a = this.airplane(r.claim.registration);
      if (a.status !== 'active' || a.assignment?.rotationId !== id) wrong.push(`${id} is claimed by ${r.claim.registration}, which holds ${a.status === 'active' ? JSON.stringify(a.assignment) : 'nothing (no such airplane)'}`);
    }
    return wrong;
  }
}
