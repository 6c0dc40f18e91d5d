/**
 * One actor system per thread: the facade users hold (spawn, ask, stop, refs) and the delivery
 * path, which routes every message (local, to another worker through a ThreadLink, to another
 * node through the RemoteTransport), queues it in its cell's mailbox and runs the cell's turns
 * on the nact kernel.
 *
 * The rest of the runtime lives beside it, one concept per module, each reaching back only
 * through a narrow host interface that this class implements:
 *
 * - tree.ts: the thread's actors, spawning and stopping them;
 * - supervisor.ts: what happens when a behaviour throws (supervision.ts decides);
 * - death-watch.ts: Terminated for watchers, here and across threads and nodes;
 * - passivation.ts: idle timers, entity hosts, LRU eviction;
 * - registry.ts, asks.ts, dead-letters.ts: the node-wide registry, asks in flight, dead letters.
 *
 * Nothing a behaviour does can throw out of here: failures go to the supervisor, and an error in
 * the runtime's own bookkeeping is logged, never rethrown into nact (where it would become an
 * unhandled rejection and take the process down).
 */
import nact from 'nact';
import type { Behavior, SpawnOptions, StopReason } from './behavior.ts';
import type { Cell } from './cell.ts';
import { systemClock, type Clock } from './clock.ts';
import { decodeWith, encodeShared } from './codec.ts';
import { DeathWatch, isTerminated } from './death-watch.ts';
import { DeadLetters, type DeadLetterReason } from './dead-letters.ts';
import { ActorError, actorStopped, describeError, mailboxFull } from './errors.ts';
import { askFailure, PendingAsks, TEMP_PREFIX } from './asks.ts';
import { markRecent, Passivation } from './passivation.ts';
import { ActorRef, formatAddress, type Address, type AnyRef, type Router } from './ref.ts';
import { Registry } from './registry.ts';
import { Supervisor } from './supervisor.ts';
import { oneForOne, type SupervisorStrategy } from './supervision.ts';
import { ActorTree } from './tree.ts';
import { SYSTEM_PATH, type SystemMessage } from './envelope.ts';
import { stderrLog, type LogLevel } from '../log.ts';

/** How `new ActorSystem(options)` sets up a thread's system. Every field is optional. */
export interface SystemOptions {
  /** The node's identity; refs carry it. */
  readonly node?: string;
  /** 0 is the main thread; workers are 1..K. */
  readonly thread?: number;
  /** Time and timers for the whole runtime (idle timeouts, ask timeouts, restart backoff). Default: the real clock; tests pass a ManualClock. */
  readonly clock?: Clock;
  /** How top-level actors are supervised. Default: one-for-one restart, 10 in 10 s, then stop. */
  readonly guardian?: SupervisorStrategy;
  /** Default mailbox bound. */
  readonly mailboxCapacity?: number;
  /** Messages one actor handles per turn before yielding to others. */
  readonly throughput?: number;
  /** Encode and decode even local messages, so that what works locally is proven to work remotely. */
  readonly serializeLocal?: boolean;
  /** Where the runtime's log lines go. Default: JSON lines on stderr from `logLevel` up (src/log.ts). */
  readonly log?: (level: 'debug' | 'info' | 'warn' | 'error', line: string) => void;
  /** The default log's level (a worker thread gets its node's --log-level); info when absent. */
  readonly logLevel?: LogLevel;
}

/** Carries messages to actors on other nodes (the cluster's TCP transport implements it). */
export interface RemoteTransport {
  /** Sends `message` to the actor at `to`, on another node. */
  send(to: Address, message: unknown, sender: AnyRef | undefined): void;
}

/** Sends messages to another thread of this node (a ThreadLink). */
export interface Link {
  /** Queues `message` for the actor at `path` in the thread at the other end. */
  send(path: string, message: unknown, sender: AnyRef | null): void;
}

const TURN = Object.freeze({ _tag: '$Turn' });

type Entry = [unknown, AnyRef | undefined];

/** A typed name for behaviours other threads may start here (Erlang's spawn(Node, M, F, A)). */
export interface Kind<A, M> {
  /** The name it is defined under in each thread; unique per node. */
  readonly name: string;
  /** Phantom field carrying the argument and message types; never set. */
  readonly _types?: (a: A) => M;
}

/**
 * Names a kind: behaviours built from arguments of type `A`, taking messages of type `M`. Define
 * it in a thread with `system.define(k, factory)`; start one there from any thread of the node
 * with `spawnAt(thread, k, args)`.
 */
export function kind<A, M>(name: string): Kind<A, M> {
  return { name };
}

/**
 * The actor system of one thread: spawns actors, routes their messages, supervises them, and
 * answers asks. Create one per thread (`AloftNode` does it for the main thread and each worker);
 * refs it hands out may travel to any thread or node.
 */
// It is also the host of each runtime module (TreeHost, SupervisorHost, WatchHost,
// PassivationHost, RegistryHost, ContextHost): the compiler checks that where the constructor
// hands `this` to them, rather than in an `implements` list, which would put those internal
// interfaces into the public API.
export class ActorSystem implements Router {
  /** The node's identity, as refs carry it. */
  readonly node: string;
  /** This thread: 0 is the node's main thread, 1..K its workers. */
  readonly thread: number;
  /** The clock every timer of this system runs on. */
  readonly clock: Clock;
  /** Messages that could not be delivered: counts, listeners, a rate-limited log. */
  readonly deadLetters: DeadLetters;
  /** The node-wide registry, as this thread sees it. */
  readonly registry: Registry;
  private readonly kernel: ReturnType<typeof nact.start>;
  private readonly tree: ActorTree;
  /** The tree's index by path, held here for delivery's lookups. */
  private readonly cells: ReadonlyMap<string, Cell>;
  private readonly supervisor: Supervisor;
  private readonly deathWatch: DeathWatch;
  private readonly passivation: Passivation;
  private readonly throughput: number;
  private readonly serializeLocal: boolean;
  private readonly logFn: NonNullable<SystemOptions['log']>;
  private readonly asks: PendingAsks;
  private readonly links = new Map<number, Link>();
  private remote: RemoteTransport | undefined;
  private readonly kinds = new Map<string, (args: unknown) => Behavior<unknown>>();
  private nextKernelName = 0;
  private stopped = false;
  /** While shutting down, messages between dying actors are counted but not logged. */
  private shuttingDown = false;
  private readonly entry: Entry = [undefined, undefined];

  constructor(options: SystemOptions = {}) {
    this.node = options.node ?? 'local';
    this.thread = options.thread ?? 0;
    this.clock = options.clock ?? systemClock;
    this.throughput = options.throughput ?? 512;
    this.serializeLocal = options.serializeLocal ?? false;
    this.logFn = options.log ?? stderrLog(options.logLevel ?? 'info', { component: 'actors', node: this.node, thread: this.thread });
    this.deadLetters = new DeadLetters(this.clock, (line) => this.logFn('warn', line));
    // nact's typings say a name string, its code reads an object's `name`; the object is what works.
    this.kernel = nact.start({
      name: `aloft-${this.node}-${this.thread}-${Math.random().toString(36).slice(2)}`,
    } as unknown as nact.Plugin);
    this.tree = new ActorTree(this, options.mailboxCapacity ?? 100_000);
    this.cells = this.tree.byPath;
    const guardian = options.guardian ?? oneForOne({ decide: () => 'restart', maxRestarts: 10, withinMs: 10_000 });
    this.supervisor = new Supervisor(this, guardian, this.tree.topLevel);
    this.deathWatch = new DeathWatch(this, this.cells);
    this.passivation = new Passivation(this, this.cells);
    this.registry = new Registry(this);
    this.asks = new PendingAsks(this.clock);
  }

  // ---------------------------------------------------------------- spawning

  /**
   * Starts a top-level actor (a child of this thread's guardian) and returns its ref. Throws if
   * `options.name` is taken or invalid, or the system is shut down.
   */
  spawn<M>(behavior: Behavior<M>, options: SpawnOptions = {}): ActorRef<M> {
    return this.tree.spawn(undefined, behavior as unknown as Behavior<unknown>, options).ref as ActorRef<M>;
  }

  /** Makes `factory` startable by name from other threads (see `spawnAt`). */
  define<A, M>(k: Kind<A, M>, factory: (args: A) => Behavior<M>): void {
    this.kinds.set(k.name, factory as unknown as (args: unknown) => Behavior<unknown>);
  }

  /** Starts a top-level actor of a defined kind in `thread` of this node and returns its ref. */
  spawnAt<A, M>(
    thread: number,
    k: Kind<A, M>,
    args: A,
    options: { name?: string; idleTimeoutMs?: number; mailboxCapacity?: number } = {},
    timeoutMs = 5_000,
  ): Promise<ActorRef<M>> {
    if (thread === this.thread) return Promise.resolve(this.spawnKind(k.name, args, options) as ActorRef<M>);
    return this.askSystem<ActorRef<M>>(thread, (replyTo) => ({ _tag: '$Spawn', kind: k.name, args, options, replyTo }), timeoutMs);
  }

  private spawnKind(kindName: string, args: unknown, options: SpawnOptions): AnyRef {
    const factory = this.kinds.get(kindName);
    if (!factory) throw new Error(`no kind "${kindName}" is defined in thread ${this.thread}`);
    return this.tree.spawn(undefined, factory(args), options).ref as AnyRef;
  }

  /** @internal */
  spawnCell(parent: Cell | undefined, behavior: Behavior<unknown>, options: SpawnOptions): Cell {
    return this.tree.spawn(parent, behavior, options);
  }

  // ---------------------------------------------------------------- delivery

  /**
   * Routes one message to the actor at `to`, wherever it lives: this thread, another thread of
   * this node, or another node. What refs' `tell` calls; never throws (an undeliverable message
   * becomes a dead letter, and an ask waiting on it fails at once).
   */
  deliver(to: Address, message: unknown, sender: AnyRef | undefined): void {
    if (to.thread === this.thread && to.node === this.node) {
      this.deliverLocal(to.path, this.serializeLocal ? this.roundTrip(message) : message, sender);
    } else if (to.node === this.node) {
      const link = this.links.get(to.thread);
      if (link) link.send(to.path, message, sender ?? null);
      else this.undeliverable(formatAddress(to), 'no-route', message, sender);
    } else if (this.remote !== undefined) {
      this.remote.send(to, message, sender);
    } else if (this.thread !== 0 && this.links.has(0)) {
      // Workers reach other nodes through the main thread, which owns the node's connections.
      this.links.get(0)?.send(SYSTEM_PATH, { _tag: '$Forward', to, message }, sender ?? null);
    } else {
      this.undeliverable(formatAddress(to), 'no-route', message, sender);
    }
  }

  /**
   * @internal Installs the transport to other nodes (on the main thread). Messages for an
   * address whose node is not this one go to it; it delivers incoming ones with `deliver`.
   */
  attachRemote(transport: RemoteTransport | undefined): void {
    this.remote = transport;
  }

  private roundTrip(message: unknown): unknown {
    return decodeWith(this, encodeShared(message));
  }

  /** @internal Entry point for messages arriving from a link. */
  deliverLocal(path: string, message: unknown, sender: AnyRef | undefined): void {
    if (path.startsWith(TEMP_PREFIX)) {
      if (!this.asks.complete(path, message)) this.deadLetters.publish(path, 'late-reply', message);
      return;
    }
    if (path === SYSTEM_PATH) return this.handleSystem(message as SystemMessage, sender);
    let cell = this.cells.get(path);
    if (cell === undefined) cell = this.passivation.startEntity(path);
    else if (cell.parent !== undefined && cell.parent.options.maxChildren !== undefined) markRecent(cell.parent, cell);
    if (cell === undefined || cell.status === 'stopped') return this.undeliverable(path, 'no-such-actor', message, sender);
    if (cell.queued >= cell.capacity) return this.undeliverable(path, 'mailbox-full', message, sender, cell.capacity);
    if (cell.watching !== undefined && isTerminated(message)) this.deathWatch.forget(cell, message.ref);
    cell.enqueue(message, sender);
    if (!cell.scheduled) this.schedule(cell);
  }

  /** @internal A dead letter; an ask waiting on the message fails at once. */
  undeliverable(target: string, reason: DeadLetterReason, message: unknown, sender: AnyRef | undefined, capacity = 0): void {
    if (this.shuttingDown) return;
    this.deadLetters.publish(target, reason, message);
    // An ask to a dead or full actor fails at once instead of waiting for its timeout.
    if (sender?.address.path.startsWith(TEMP_PREFIX)) {
      const error = reason === 'mailbox-full' ? mailboxFull(target, capacity) : actorStopped(target);
      (sender as ActorRef<unknown>).tell(askFailure(error));
    }
  }

  /** @internal Hands nact a turn token for `cell`. */
  schedule(cell: Cell): void {
    cell.scheduled = true;
    // The kernel actor is created on first use: an actor that never received a message costs no
    // nact actor (about 1 KB each), which is what lets a node hold a million idle entities.
    // Kernel actors are all children of the kernel's root: the hierarchy is ours, not nact's.
    cell.kernelRef ??= nact.spawn(this.kernel, (_s: unknown) => this.turn(cell), `c${(this.nextKernelName++).toString(36)}`, {
      // Turns never throw (failures go to our supervision); this is only a safety net.
      onCrash: (_m, _e, c) => c.resume,
    });
    nact.dispatch(cell.kernelRef as Parameters<typeof nact.dispatch>[0], TURN);
  }

  // ---------------------------------------------------------------- turns

  /** Runs up to `throughput` messages. Returns a promise only when a handler went async. */
  private turn(cell: Cell, budget = this.throughput): unknown {
    if (cell.status !== 'running') {
      cell.scheduled = false;
      return undefined;
    }
    const entry = this.entry;
    const receive = cell.behavior.receive;
    for (let n = 0; n < budget; n++) {
      if (!cell.dequeue(entry)) break;
      const message = entry[0];
      cell.currentSender = entry[1];
      let next: unknown;
      try {
        next = receive(cell.state, message, cell.ctx);
      } catch (error) {
        this.supervisor.fail(cell, error);
        return undefined;
      }
      if (next !== null && typeof next === 'object' && typeof (next as PromiseLike<unknown>).then === 'function') {
        return this.awaitHandler(cell, next as Promise<unknown>, budget - n - 1);
      }
      cell.state = next;
      if (cell.passivateRequested) break;
    }
    this.endTurn(cell);
    return undefined;
  }

  private async awaitHandler(cell: Cell, pending: Promise<unknown>, budget: number): Promise<unknown> {
    const generation = cell.generation;
    let next: unknown;
    try {
      next = await pending;
    } catch (error) {
      if (generation === cell.generation && cell.status === 'running') this.supervisor.fail(cell, error);
      return;
    }
    // Restarted or stopped while we waited: the result belongs to a dead incarnation.
    if (generation !== cell.generation || cell.status !== 'running') return;
    cell.state = next;
    // Carry on with the mailbox in this same turn (up to the turn's budget): ending the turn here
    // would make every message after an async one wait for a fresh setImmediate.
    if (budget > 0 && !cell.passivateRequested && cell.queued > 0) return this.turn(cell, budget);
    this.endTurn(cell);
    return undefined;
  }

  /** @internal After a turn: passivate if asked to, else another turn or idle. */
  endTurn(cell: Cell): void {
    cell.currentSender = undefined;
    cell.lastActive = this.clock.now();
    if (cell.passivateRequested) return this.tree.stop(cell, 'passivated');
    if (cell.status !== 'running') return;
    if (cell.queued > 0) this.schedule(cell);
    else {
      cell.scheduled = false;
      this.passivation.armIdle(cell);
    }
  }

  // ---------------------------------------------------------------- host methods for the other modules

  /** @internal */
  fail(cell: Cell, error: unknown): void {
    this.supervisor.fail(cell, error);
  }

  /** @internal */
  armIdle(cell: Cell): void {
    this.passivation.armIdle(cell);
  }

  /** @internal */
  stopCell(cell: Cell, reason: StopReason): void {
    this.tree.stop(cell, reason);
  }

  /** @internal The tree stopped `cell`: its watches, its registry names and its kernel actor go. */
  cellStopped(cell: Cell, reason: StopReason): void {
    this.deathWatch.stopped(cell, reason);
    this.registry.actorStopped(cell.ref as AnyRef);
    if (cell.kernelRef !== undefined) nact.stop(cell.kernelRef as Parameters<typeof nact.stop>[0]);
  }

  /** @internal */
  watch(watcher: Cell, target: AnyRef): void {
    this.deathWatch.watch(watcher, target);
  }

  /** @internal */
  unwatch(watcher: Cell, target: AnyRef): void {
    this.deathWatch.unwatch(watcher, target);
  }

  // ---------------------------------------------------------------- stopping

  /** Stops a top-level actor or any local actor by ref. */
  stop(ref: AnyRef): void {
    if (ref.address.thread !== this.thread || ref.address.node !== this.node) return;
    const cell = this.cells.get(ref.address.path);
    if (cell) this.tree.stop(cell, 'stopped');
  }

  /** Stops every actor; pending asks fail. */
  shutdown(): void {
    if (this.stopped) return;
    this.shuttingDown = true;
    this.tree.stopAll();
    this.stopped = true;
    this.asks.failAll(`aloft://${this.node}/${this.thread}`);
    this.kernel && nact.stop(this.kernel);
  }

  /** Children passivated because their entity host reached `maxChildren`. */
  get lruPassivations(): number {
    return this.passivation.lruPassivations;
  }

  // ---------------------------------------------------------------- asks

  /**
   * An ask whose message the caller routes itself (a shard region forwarding it to the node that
   * hosts the entity): `send` gets the temporary ref the reply must go to. `target` names the
   * destination in a timeout error.
   */
  askVia<R>(target: string, timeoutMs: number, send: (replyTo: ActorRef<R>) => void): Promise<R> {
    return this.asks.start<R>(target, timeoutMs, (path) => send(new ActorRef<R>({ node: this.node, thread: this.thread, path }, this)));
  }

  /**
   * Request-reply to the actor at `to` (what refs' `ask` calls): `make` builds the message around
   * a temporary reply ref; the promise settles with the first reply, or rejects with AskTimeout
   * after `timeoutMs`, or at once with an ActorError if the message cannot be delivered.
   */
  ask<R>(to: Address, make: (replyTo: ActorRef<R>) => unknown, timeoutMs: number): Promise<R> {
    return this.asks.start<R>(formatAddress(to), timeoutMs, (path) => {
      const replyTo = new ActorRef<R>({ node: this.node, thread: this.thread, path }, this);
      this.deliver(to, make(replyTo), replyTo as AnyRef);
    });
  }

  /** @internal An ask whose target is another thread's runtime, not an actor. */
  askSystem<R>(thread: number, make: (replyTo: ActorRef<R>) => SystemMessage, timeoutMs: number): Promise<R> {
    return this.ask<R>({ node: this.node, thread, path: SYSTEM_PATH }, make, timeoutMs);
  }

  // ---------------------------------------------------------------- threads

  /** @internal Wires a link to another thread of this node. */
  attachLink(thread: number, link: Link): void {
    this.links.set(thread, link);
  }

  /** @internal Another thread of this node is gone: its actors are Terminated for our watchers. */
  threadDown(thread: number): void {
    this.links.delete(thread);
    this.deathWatch.threadDown(thread);
    this.registry.threadDown(thread);
  }

  /**
   * A whole other node is gone (downed or removed by the cluster): every actor of it that is
   * watched from this thread is Terminated with reason node-down. The main thread calls it and
   * passes it on to the workers.
   */
  nodeDown(node: string): void {
    if (node === this.node) return;
    this.deathWatch.nodeDown(node);
    if (this.thread === 0) for (const t of this.links.keys()) this.sendSystem(t, { _tag: '$NodeDown', node });
  }

  /** This thread and every thread of the node it has a link to, in order. */
  get threads(): number[] {
    return [this.thread, ...this.links.keys()].sort((a, b) => a - b);
  }

  /** @internal A runtime message to a thread of this or another node. */
  sendSystemTo(node: string, thread: number, message: SystemMessage): void {
    if (node === this.node) this.sendSystem(thread, message);
    else this.deliver({ node, thread, path: SYSTEM_PATH }, message, undefined);
  }

  /** @internal */
  sendSystem(thread: number, message: SystemMessage): void {
    if (thread === this.thread) return this.handleSystem(message);
    const link = this.links.get(thread);
    if (link) link.send(SYSTEM_PATH, message, null);
  }

  /**
   * @internal A decoded frame from a link. The cell of each distinct path is looked up once per
   * frame, not once per message; everything else is what `receive` does.
   */
  receiveFrame(paths: readonly string[], entries: readonly unknown[]): void {
    const cells: Array<Cell | undefined> = new Array(paths.length);
    for (let i = 0; i < entries.length; i += 3) {
      const index = entries[i] as number;
      const message = entries[i + 1];
      const sender = (entries[i + 2] ?? undefined) as AnyRef | undefined;
      const cell = cells[index];
      if (cell !== undefined && cell.status !== 'stopped' && cell.queued < cell.capacity) {
        cell.enqueue(message, sender);
        if (!cell.scheduled) this.schedule(cell);
        continue;
      }
      const path = paths[index] as string;
      try {
        this.receive(path, message, sender);
      } catch (error) {
        this.logFn('error', `message for ${path} from another thread failed: ${describeError(error)}`);
      }
      cells[index] = this.cells.get(path);
    }
  }

  /** @internal Messages arriving from a link. */
  receive(path: string, message: unknown, sender: AnyRef | undefined): void {
    if (path === SYSTEM_PATH) this.handleSystem(message as SystemMessage, sender);
    else this.deliverLocal(path, message, sender);
  }

  private handleSystem(message: SystemMessage, sender?: AnyRef): void {
    switch (message._tag) {
      case '$Watch':
      case '$Unwatch':
        return this.deathWatch.handle(message);
      case '$Spawn': {
        let reply: unknown;
        try {
          reply = this.spawnKind(message.kind, message.args, message.options);
        } catch (error) {
          const e = actorStopped(`kind ${message.kind}`);
          reply = askFailure(new ActorError(e._tag, e.target, describeError(error), false));
        }
        (message.replyTo as ActorRef<unknown>).tell(reply);
        return;
      }
      case '$Forward':
        // From a worker of this node, for another node.
        this.deliver(message.to, message.message, sender);
        return;
      case '$NodeDown':
        this.nodeDown(message.node);
        return;
      default:
        this.registry.handle(message, sender);
    }
  }

  // ---------------------------------------------------------------- refs and inspection

  /** A ref to any address (this thread, another worker, later another node), bound to this system. */
  ref<M = never>(address: Address): ActorRef<M> {
    return new ActorRef<M>(address, this);
  }

  /** A ref to an address in this thread, whether or not an actor lives there. */
  refAt<M = never>(path: string): ActorRef<M> {
    return new ActorRef<M>({ node: this.node, thread: this.thread, path }, this);
  }

  /** Number of live actors in this thread (for metrics and tests). */
  get actorCount(): number {
    return this.cells.size;
  }

  /** Queued messages over every actor of this thread, and the most any one actor holds. It walks
   * every actor: for a metrics scrape, not for a message path. */
  mailboxDepth(): { total: number; max: number } {
    let total = 0;
    let max = 0;
    for (const cell of this.cells.values()) {
      const n = cell.queued;
      total += n;
      if (n > max) max = n;
    }
    return { total, max };
  }

  /** Queued messages of a local actor, or undefined if it does not exist. */
  mailboxSize(ref: AnyRef): number | undefined {
    return this.cells.get(ref.address.path)?.queued;
  }

  /** @internal */
  localCell(ref: AnyRef): Cell | undefined {
    if (ref.address.node !== this.node || ref.address.thread !== this.thread) return undefined;
    return this.cells.get(ref.address.path);
  }

  /**
   * True when `ref` names a live actor of this thread. An actor of another thread or node is
   * never alive from here: watch it to learn when it stops.
   */
  isAlive(ref: AnyRef): boolean {
    return ref.address.thread === this.thread && ref.address.node === this.node && this.cells.get(ref.address.path)?.status !== undefined;
  }

  /** @internal */
  logLine(level: 'debug' | 'info' | 'warn' | 'error', line: string): void {
    this.logFn(level, line);
  }
}
