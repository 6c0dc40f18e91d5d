/**
 * Aloft's actor runtime: the only door to it. Nothing outside src/actors imports nact.
 */
export { ActorRef, formatAddress, sameAddress, type Address, type AnyRef } from './ref.ts';
export {
  stateful,
  stateless,
  childSpec,
  type ActorContext,
  type Behavior,
  type ChildSpec,
  type SpawnOptions,
  type StopReason,
  type Terminated,
} from './behavior.ts';
export { ActorSystem, kind, type Kind, type SystemOptions, type RemoteTransport } from './system.ts';
export { encode, decodeWith } from './codec.ts';
export { AloftNode, type NodeOptions, type WorkerEvent } from './node.ts';
export { serviceKey, type ServiceKey } from './registry.ts';
export {
  oneForOne,
  allForOne,
  decideFailure,
  backoffDelay,
  type Directive,
  type SupervisorStrategy,
  type Backoff,
  type FailurePlan,
} from './supervision.ts';
export { ManualClock, systemClock, settle, type Clock, type TimerHandle } from './clock.ts';
export {
  ActorError,
  isActorError,
  isAskTimeout,
  isMailboxFull,
  isActorStopped,
  isDeadLetterError,
  isNameTaken,
  isUnavailable,
  unavailable,
  type ActorErrorTag,
} from './errors.ts';
export { askFailure, isAskFailure, TEMP_PREFIX, type AskFailure } from './asks.ts';
export type { DeadLetter, DeadLetterReason } from './dead-letters.ts';
export {
  eventSourced,
  readSnapshotState,
  snapshotValue,
  ENTITY_STOPPED,
  type SnapshotSchema,
  type EventStore,
  type StoredEventView,
  type Decider,
  type Decision,
  type CommandReply,
  type CommandFailure,
  type EntityMessage,
  type EventSourcedSpec,
} from './event-sourced.ts';
