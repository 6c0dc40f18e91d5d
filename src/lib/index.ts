/**
 * `aloft`: the actor runtime. An actor system per thread, typed refs, `tell` and typed `ask`,
 * supervision trees (one-for-one, all-for-one, restart with backoff and intensity), death watch,
 * passivation and entity hosts, the node-wide registry, and `AloftNode`, which runs one actor
 * system on the main thread and one in each worker thread of the process, joined by message
 * links. Event-sourced actors are in `aloft/persistence`, the cluster in `aloft/cluster`.
 *
 * ```ts
 * import { ActorSystem, stateful, type ActorRef } from 'aloft';
 *
 * type Msg = { _tag: 'Add'; n: number } | { _tag: 'Get'; replyTo: ActorRef<number> };
 * const system = new ActorSystem();
 * const counter = system.spawn(stateful<number, Msg>({
 *   initial: 0,
 *   receive: (n, m) => (m._tag === 'Add' ? n + m.n : (m.replyTo.tell(n), n)),
 * }));
 * counter.tell({ _tag: 'Add', n: 2 });
 * const n = await counter.ask<number>((replyTo) => ({ _tag: 'Get', replyTo }), 1_000); // 2
 * ```
 *
 * @packageDocumentation
 * @module aloft
 */
export { ActorRef, formatAddress, sameAddress, type Address, type AnyRef } from '../actors/ref.ts';
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
} from '../actors/behavior.ts';
export { ActorSystem, kind, type Kind, type SystemOptions } from '../actors/system.ts';
export { AloftNode, type NodeOptions, type WorkerEvent } from '../actors/node.ts';
export { serviceKey, type Registry, type ServiceKey } from '../actors/registry.ts';
export {
  oneForOne,
  allForOne,
  decideFailure,
  backoffDelay,
  type Directive,
  type SupervisorStrategy,
  type Backoff,
  type FailurePlan,
} from '../actors/supervision.ts';
export { ManualClock, systemClock, settle, type Clock, type TimerHandle } from '../actors/clock.ts';
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
} from '../actors/errors.ts';
export type { DeadLetter, DeadLetterReason, DeadLetters } from '../actors/dead-letters.ts';
