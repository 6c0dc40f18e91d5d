/**
 * Runs the domain's assignment saga (pure transitions in src/domain/assignment-saga.ts) against
 * the entities: each step's commands go through the gateway and each reply is fed back as the
 * next input, until the saga completes.
 *
 * Not yet durable: the saga's progress lives in this call. A crash between claiming the rotation
 * and assigning the airplane leaves a claim that no airplane holds; the next assignment of that
 * rotation by another airplane is then refused until the claim is released (noted in the issue).
 */
import type { CommandReply } from '../actors/index.ts';
import { initialSagaState, transition, type AssignmentSagaInput, type AssignmentSagaState, type SagaOutcome } from '../domain/index.ts';
import type { CommandGateway } from './gateway.ts';

export class SagaInterrupted extends Error {
  readonly _tag = 'SagaInterrupted';
  constructor(
    message: string,
    readonly retriable: boolean,
  ) {
    super(message);
  }
}

function asDecision<E, Err>(reply: CommandReply<E, Err>): { _tag: 'Accepted'; events: readonly E[] } | { _tag: 'Rejected'; error: Err } {
  if (reply._tag === 'Failed') throw new SagaInterrupted(`a step of the assignment failed: ${reply.error.message}`, reply.error.retriable);
  return reply._tag === 'Accepted' ? { _tag: 'Accepted', events: reply.events } : reply;
}

/**
 * A step's call. If the first step fails, the error goes to the caller as it is (nothing was
 * applied, or its outcome is unknown). A later step failing leaves the earlier ones applied: that
 * is a SagaInterrupted saying so, never an error that reads as "not applied".
 */
async function call<T>(first: boolean, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (first) throw error;
    throw new SagaInterrupted(`the assignment stopped after its first step was applied (${error instanceof Error ? error.message : String(error)}); the rotation may keep a claim that no airplane holds (the saga is not durable yet)`, false);
  }
}

export async function runAssignment(gateway: CommandGateway, start: AssignmentSagaInput): Promise<{ outcome: SagaOutcome; offset: number }> {
  let state: AssignmentSagaState = initialSagaState();
  let step = transition(state, start);
  let offset = 0;
  for (let guard = 0; guard < 16; guard++) {
    const first = guard === 0;
    state = step.state;
    if (state.phase === 'completed') return { outcome: state.outcome, offset };
    const command = step.commands[0];
    if (command === undefined) throw new SagaInterrupted(`assignment saga stuck in phase ${state.phase}`, false);
    let input: AssignmentSagaInput;
    if (command._tag === 'SendToRotation') {
      const reply = await call(first, () => gateway.rotation(command.rotationId, command.command));
      if (reply._tag === 'Accepted') offset = Math.max(offset, reply.offset);
      input = { _tag: 'RotationReplied', decision: asDecision(reply) };
    } else {
      const reply = await call(first, () => gateway.airplane(command.registration, command.command));
      if (reply._tag === 'Accepted') offset = Math.max(offset, reply.offset);
      input = { _tag: 'AirplaneReplied', decision: asDecision(reply) };
    }
    step = transition(state, input);
  }
  throw new SagaInterrupted('assignment saga did not complete in 16 steps', false);
}
