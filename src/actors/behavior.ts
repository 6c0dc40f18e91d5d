/**
 * Behaviours: what an actor does with a message. Three shapes:
 *
 * - stateful: `receive(state, message, ctx) -> next state` (sync or async);
 * - stateless: `receive(message, ctx)`;
 * - event-sourced: `decide(command, state) -> events | rejection`, `evolve(state, event) -> state`.
 *   The runtime shape is fixed here; persisting the events is the journal's job (src/persistence),
 *   wired in `eventSourced` through the `EventStore` port so this folder stays storage-agnostic.
 *
 * Messages are tagged unions (`{ _tag: 'Add', n: 1 }`). Lifecycle notifications (Terminated)
 * arrive through the same `receive` as system messages, so a behaviour that watches others adds
 * `Terminated` to its message type.
 */
import type { ActorRef, AnyRef } from './ref.ts';
import type { Clock } from './clock.ts';
import type { SupervisorStrategy } from './supervision.ts';

/** Delivered to a watcher when a watched actor stops, for any reason. */
export interface Terminated {
  readonly _tag: 'Terminated';
  readonly ref: AnyRef;
  readonly reason: StopReason;
}

/**
 * Why an actor stopped, as its watchers are told: `stopped` (asked to), `failed` (its supervisor
 * gave up on it), `passivated` (idle, or it asked to), `parent-stopped`, `system-stopped`,
 * `thread-down` / `node-down` (its worker thread or node died), `unknown-actor` (it did not exist
 * when the watch reached it).
 */
export type StopReason =
  | 'stopped'
  | 'failed'
  | 'passivated'
  | 'parent-stopped'
  | 'system-stopped'
  | 'thread-down'
  | 'node-down'
  | 'unknown-actor';

/** How `spawn` (or `ctx.spawn`) starts an actor. Every field is optional. */
export interface SpawnOptions {
  /** Name unique among the parent's children; generated when absent. */
  readonly name?: string;
  /** Bound on queued messages; past it a tell becomes a dead letter and an ask fails with MailboxFull. */
  readonly mailboxCapacity?: number;
  /** Stop the actor after this long without a message (passivation). */
  readonly idleTimeoutMs?: number;
  /** How this actor supervises its own children. */
  readonly supervisor?: SupervisorStrategy;
  /**
   * Makes the actor an entity host: a message for a child that does not exist (never started,
   * or passivated) starts it from this factory first. Undefined from the factory means "no such
   * entity": the message becomes a dead letter.
   */
  readonly childFactory?: (name: string) => ChildSpec | undefined;
  /**
   * Least-recently-used passivation for an entity host: when starting a child would make more
   * than this many, the child that has gone longest without a message (and has none queued) is
   * passivated first. Recency is refreshed on every message a child gets.
   */
  readonly maxChildren?: number;
}

/** A behaviour whose message type is erased, for factories that start children by name. */
export interface ChildSpec {
  readonly behavior: Behavior<unknown>;
  readonly options?: Omit<SpawnOptions, 'name'>;
}

/** Packs a typed behaviour and its options for a `childFactory`, which starts children by name. */
export function childSpec<M>(behavior: Behavior<M>, options?: Omit<SpawnOptions, 'name'>): ChildSpec {
  // Erasing M is safe: the cell only hands the behaviour messages addressed to its ref.
  return { behavior: behavior as unknown as Behavior<unknown>, ...(options ? { options } : {}) };
}

/** What a behaviour can do besides returning its next state: the `ctx` passed to `receive`. */
export interface ActorContext<M> {
  readonly self: ActorRef<M>;
  readonly parent: AnyRef | undefined;
  /** Sender of the current message, if the teller gave one. */
  readonly sender: AnyRef | undefined;
  readonly clock: Clock;
  /** Starts a child of this actor: supervised by it, stopped with it. */
  spawn<C>(behavior: Behavior<C>, options?: SpawnOptions): ActorRef<C>;
  /** Deliver Terminated to this actor when `ref` stops. Works across threads. */
  watch(ref: AnyRef): void;
  /** Cancels a `watch`; a Terminated already on its way may still arrive. */
  unwatch(ref: AnyRef): void;
  /** The names of this actor's live children, oldest (or least recently used, for an entity host
   * with `maxChildren`) first. */
  children(): readonly string[];
  /** The ref of the live child of that name, if there is one. */
  child(name: string): AnyRef | undefined;
  /** Stops the child of that name now; false if there is none. Its queued messages are
   * dead letters (an ask among them fails at once). */
  stopChild(name: string): boolean;
  /** Stop a child (or self). */
  stop(ref: AnyRef): void;
  /** Stop this actor once the current message is handled; an entity host restarts it on the next message. */
  passivate(): void;
  /** A line to the system's log, prefixed with this actor's path. */
  log(level: 'debug' | 'info' | 'warn' | 'error', message: string): void;
}

/** The runtime's view of a behaviour. `unknown` state: the cell never looks inside it. */
export interface Behavior<M> {
  readonly _tag: 'Behavior';
  readonly kind: 'stateful' | 'stateless' | 'event-sourced';
  /** The state at start, and again after each restart. */
  readonly initial: (ctx: ActorContext<M>) => unknown;
  /** Handles one message and returns the next state (or a promise of it: the actor takes no other message meanwhile). */
  readonly receive: (state: unknown, message: M, ctx: ActorContext<M>) => unknown;
  /** Runs once when the actor stops, whatever the reason. */
  readonly onStop?: (state: unknown, ctx: ActorContext<M>) => void;
}

/**
 * A behaviour with state: `receive(state, message, ctx)` returns the next state, or a promise of
 * it (messages wait meanwhile, so an actor's state is never seen half-updated). `initial` is the
 * state at start and after a restart: a value, or a function of the context (to spawn children).
 * A `receive` that throws hands the failure to the actor's supervisor.
 */
export function stateful<S, M>(spec: {
  initial: S | ((ctx: ActorContext<M>) => S);
  receive: (state: S, message: M, ctx: ActorContext<M>) => S | Promise<S>;
  onStop?: (state: S, ctx: ActorContext<M>) => void;
}): Behavior<M> {
  const init = spec.initial;
  return {
    _tag: 'Behavior',
    kind: 'stateful',
    initial: typeof init === 'function' ? (init as (ctx: ActorContext<M>) => S) : () => init,
    receive: spec.receive as Behavior<M>['receive'],
    ...(spec.onStop ? { onStop: spec.onStop as Behavior<M>['onStop'] } : {}),
  };
}

/** A behaviour without state: `receive(message, ctx)`, sync or async. */
export function stateless<M>(receive: (message: M, ctx: ActorContext<M>) => void | Promise<void>): Behavior<M> {
  return {
    _tag: 'Behavior',
    kind: 'stateless',
    initial: () => undefined,
    receive: (_state, message, ctx) => {
      const r = receive(message, ctx);
      return r instanceof Promise ? r.then(() => undefined) : undefined;
    },
  };
}
