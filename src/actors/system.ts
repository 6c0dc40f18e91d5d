/**
 * One actor system per thread: spawns cells on the nact kernel, runs their turns, routes messages
 * (local, to another worker through a ThreadLink, later to another node), supervises failures,
 * delivers Terminated to watchers, and answers asks through temporary refs.
 *
 * Nothing a behaviour does can throw out of here: failures go to the supervisor, and an error in
 * the runtime's own bookkeeping is logged, never rethrown into nact (where it would become an
 * unhandled rejection and take the process down).
 */
import nact from 'nact';
import { type ActorContext, type Behavior, type SpawnOptions, type StopReason, type Terminated } from './behavior.ts';
import { Cell } from './cell.ts';
import { systemClock, type Clock } from './clock.ts';
import { decodeWith, encodeShared } from './codec.ts';
import { DeadLetters, type DeadLetterReason } from './dead-letters.ts';
import { ActorError, actorStopped, mailboxFull } from './errors.ts';
import { askFailure, PendingAsks, TEMP_PREFIX } from './asks.ts';
import { CellContext } from './context.ts';
import { ActorRef, addressKey, formatAddress, type Address, type AnyRef, type Router } from './ref.ts';
import { Registry } from './registry.ts';
import { decideFailure, oneForOne, type SupervisorStrategy } from './supervision.ts';
import { SYSTEM_PATH, type SystemMessage } from './envelope.ts';

export interface SystemOptions {
  /** The node's identity; refs carry it. */
  readonly node?: string;
  /** 0 is the main thread; workers are 1..K. */
  readonly thread?: number;
  readonly clock?: Clock;
  /** How top-level actors are supervised. Default: one-for-one restart, 10 in 10 s, then stop. */
  readonly guardian?: SupervisorStrategy;
  /** Default mailbox bound. */
  readonly mailboxCapacity?: number;
  /** Messages one actor handles per turn before yielding to others. */
  readonly throughput?: number;
  /** Encode and decode even local messages, so that what works locally is proven to work remotely. */
  readonly serializeLocal?: boolean;
  readonly log?: (level: 'debug' | 'info' | 'warn' | 'error', line: string) => void;
}

/** Carries messages to actors on other nodes (the cluster's TCP transport implements it). */
export interface RemoteTransport {
  send(to: Address, message: unknown, sender: AnyRef | undefined): void;
}

/** Sends messages to another thread of this node. */
export interface Link {
  send(path: string, message: unknown, sender: AnyRef | null): void;
}

const TURN = Object.freeze({ _tag: '$Turn' });

type Entry = [unknown, AnyRef | undefined];

/** A typed name for behaviours other threads may start here (Erlang's spawn(Node, M, F, A)). */
export interface Kind<A, M> {
  readonly name: string;
  readonly _types?: (a: A) => M;
}

export function kind<A, M>(name: string): Kind<A, M> {
  return { name };
}

export class ActorSystem implements Router {
  readonly node: string;
  readonly thread: number;
  readonly clock: Clock;
  readonly deadLetters: DeadLetters;
  /** Children passivated because their entity host reached `maxChildren`. */
  lruPassivations = 0;
  readonly registry: Registry;
  private readonly kernel: ReturnType<typeof nact.start>;
  private readonly cells = new Map<string, Cell>();
  private readonly topLevel = new Map<string, Cell>();
  private readonly guardianStrategy: SupervisorStrategy;
  private guardianHistory: readonly number[] = [];
  private readonly capacity: number;
  private readonly throughput: number;
  private readonly serializeLocal: boolean;
  private readonly logFn: NonNullable<SystemOptions['log']>;
  private readonly asks: PendingAsks;
  private readonly links = new Map<number, Link>();
  /**
   * Actors in other threads or nodes watched from here, by "node|thread", so that a thread or a
   * node that dies still yields Terminated for them.
   */
  private readonly remoteWatches = new Map<string, Map<string, { target: AnyRef; watchers: Set<Cell> }>>();
  private remote: RemoteTransport | undefined;
  /** Nodes known to be gone: watching an actor on one of them yields Terminated at once. */
  private readonly downNodes = new Set<string>();
  private readonly kinds = new Map<string, (args: unknown) => Behavior<unknown>>();
  private nextId = 0;
  private nextKernelName = 0;
  private stopped = false;
  /** While shutting down, messages between dying actors are counted but not logged. */
  private shuttingDown = false;
  private readonly entry: Entry = [undefined, undefined];

  constructor(options: SystemOptions = {}) {
    this.node = options.node ?? 'local';
    this.thread = options.thread ?? 0;
    this.clock = options.clock ?? systemClock;
    this.guardianStrategy = options.guardian ?? oneForOne({ decide: () => 'restart', maxRestarts: 10, withinMs: 10_000 });
    this.capacity = options.mailboxCapacity ?? 100_000;
    this.throughput = options.throughput ?? 512;
    this.serializeLocal = options.serializeLocal ?? false;
    this.logFn = options.log ?? ((level, line) => (level === 'debug' ? undefined : console.error(`[aloft ${this.node}/${this.thread}] ${level}: ${line}`)));
    this.deadLetters = new DeadLetters(this.clock, (line) => this.logFn('warn', line));
    // nact's typings say a name string, its code reads an object's `name`; the object is what works.
    this.kernel = nact.start({ name: `aloft-${this.node}-${this.thread}-${Math.random().toString(36).slice(2)}` } as unknown as nact.Plugin);
    this.registry = new Registry(this);
    this.asks = new PendingAsks(this.clock);
  }

  // ---------------------------------------------------------------- spawning

  spawn<M>(behavior: Behavior<M>, options: SpawnOptions = {}): ActorRef<M> {
    return this.spawnCell(undefined, behavior as unknown as Behavior<unknown>, options).ref as ActorRef<M>;
  }

  /** Makes `factory` startable by name from other threads (see `spawnAt`). */
  define<A, M>(k: Kind<A, M>, factory: (args: A) => Behavior<M>): void {
    this.kinds.set(k.name, factory as unknown as (args: unknown) => Behavior<unknown>);
  }

  /** Starts a top-level actor of a defined kind in `thread` of this node and returns its ref. */
  spawnAt<A, M>(thread: number, k: Kind<A, M>, args: A, options: { name?: string; idleTimeoutMs?: number; mailboxCapacity?: number } = {}, timeoutMs = 5_000): Promise<ActorRef<M>> {
    if (thread === this.thread) return Promise.resolve(this.spawnKind(k.name, args, options) as ActorRef<M>);
    return this.askSystem<ActorRef<M>>(thread, (replyTo) => ({ _tag: '$Spawn', kind: k.name, args, options, replyTo }), timeoutMs);
  }

  private spawnKind(kindName: string, args: unknown, options: SpawnOptions): AnyRef {
    const factory = this.kinds.get(kindName);
    if (!factory) throw new Error(`no kind "${kindName}" is defined in thread ${this.thread}`);
    return this.spawnCell(undefined, factory(args), options).ref as AnyRef;
  }

  /** @internal */
  spawnCell(parent: Cell | undefined, behavior: Behavior<unknown>, options: SpawnOptions): Cell {
    if (this.stopped) throw actorStopped(`aloft://${this.node}/${this.thread}`);
    const siblings = parent ? parent.children : this.topLevel;
    const name = options.name ?? `$${(this.nextId++).toString(36)}`;
    if (name.length === 0 || name.includes('/')) throw new Error(`invalid actor name "${name}": must be non-empty and contain no "/"`);
    if (siblings.has(name)) throw new Error(`an actor named "${name}" already exists under ${parent ? parent.path : 'the guardian'}`);
    const path = parent ? `${parent.path}/${name}` : name;
    const ref = new ActorRef<unknown>({ node: this.node, thread: this.thread, path }, this);
    const cell = new Cell(path, name, parent, ref, behavior, options, options.mailboxCapacity ?? this.capacity);
    cell.ctx = new CellContext(this, cell);
    siblings.set(name, cell);
    this.cells.set(path, cell);
    cell.lastActive = this.clock.now();
    try {
      cell.state = behavior.initial(cell.ctx);
    } catch (error) {
      this.fail(cell, error);
      return cell;
    }
    this.armIdle(cell);
    return cell;
  }

  // ---------------------------------------------------------------- delivery

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
    if (cell === undefined) cell = this.startEntity(path);
    else if (cell.parent !== undefined && cell.parent.options.maxChildren !== undefined) {
      // Recency for LRU passivation: the host's children map is kept in last-message order.
      cell.parent.children.delete(cell.name);
      cell.parent.children.set(cell.name, cell);
    }
    if (cell === undefined || cell.status === 'stopped') return this.undeliverable(path, 'no-such-actor', message, sender);
    if (cell.queued >= cell.capacity) return this.undeliverable(path, 'mailbox-full', message, sender, cell.capacity);
    if (cell.watching !== undefined && isTerminated(message)) this.forgetWatch(cell, message.ref);
    cell.enqueue(message, sender);
    if (!cell.scheduled) this.schedule(cell);
  }

  /** A message for a missing child of an entity host starts that child first. */
  private startEntity(path: string): Cell | undefined {
    const slash = path.lastIndexOf('/');
    if (slash < 0) return undefined;
    const host = this.cells.get(path.slice(0, slash));
    const factory = host?.options.childFactory;
    if (!host || !factory || host.status === 'stopped') return undefined;
    const name = path.slice(slash + 1);
    const spec = factory(name);
    if (!spec) return undefined;
    const max = host.options.maxChildren;
    if (max !== undefined && host.hasChildren && host.children.size >= max) this.evictLeastRecent(host, host.children.size - max + 1);
    return this.spawnCell(host, spec.behavior, { ...spec.options, name });
  }

  /** Passivates up to `n` idle children of an entity host, least recently used first. A child
   * with work queued or in hand is skipped: the limit is then exceeded until it goes idle. */
  private evictLeastRecent(host: Cell, n: number): void {
    for (const child of host.children.values()) {
      if (n <= 0) break;
      if (child.status !== 'running' || child.scheduled || child.queued > 0) continue;
      this.stopCell(child, 'passivated');
      this.lruPassivations++;
      n--;
    }
  }

  private undeliverable(target: string, reason: DeadLetterReason, message: unknown, sender: AnyRef | undefined, capacity = 0): void {
    if (this.shuttingDown) return;
    this.deadLetters.publish(target, reason, message);
    // An ask to a dead or full actor fails at once instead of waiting for its timeout.
    if (sender && sender.address.path.startsWith(TEMP_PREFIX)) {
      const error = reason === 'mailbox-full' ? mailboxFull(target, capacity) : actorStopped(target);
      (sender as ActorRef<unknown>).tell(askFailure(error));
    }
  }

  private schedule(cell: Cell): void {
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
        this.fail(cell, error);
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
      if (generation === cell.generation && cell.status === 'running') this.fail(cell, error);
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

  private endTurn(cell: Cell): void {
    cell.currentSender = undefined;
    cell.lastActive = this.clock.now();
    if (cell.passivateRequested) return this.stopCell(cell, 'passivated');
    if (cell.status !== 'running') return;
    if (cell.queued > 0) this.schedule(cell);
    else {
      cell.scheduled = false;
      this.armIdle(cell);
    }
  }

  // ---------------------------------------------------------------- passivation

  private armIdle(cell: Cell): void {
    const idle = cell.options.idleTimeoutMs;
    if (idle === undefined || cell.idleTimer !== undefined || cell.status === 'stopped') return;
    const wait = Math.max(1, idle - (this.clock.now() - cell.lastActive));
    cell.idleTimer = this.clock.setTimeout(() => {
      cell.idleTimer = undefined;
      if (cell.status !== 'running') return;
      if (cell.scheduled || cell.queued > 0) return; // busy: endTurn re-arms when it goes quiet
      if (this.clock.now() - cell.lastActive >= idle) this.stopCell(cell, 'passivated');
      else this.armIdle(cell);
    }, wait);
  }

  // ---------------------------------------------------------------- supervision

  private fail(cell: Cell, error: unknown): void {
    if (cell.status === 'stopped') return;
    cell.status = 'suspended';
    cell.generation++;
    const supervisor = cell.parent;
    const strategy = supervisor?.options.supervisor ?? (supervisor ? oneForOne() : this.guardianStrategy);
    const history = supervisor ? supervisor.restartHistory : this.guardianHistory;
    const plan = decideFailure(strategy, error, history, this.clock.now());
    this.logFn('warn', `${cell.path} failed: ${describeError(error)}; ${plan._tag.toLowerCase()}`);
    switch (plan._tag) {
      case 'Resume':
        cell.status = 'running';
        this.endTurn(cell);
        return;
      case 'Stop':
        return this.stopCell(cell, 'failed');
      case 'Restart': {
        if (supervisor) supervisor.restartHistory = plan.history;
        else this.guardianHistory = plan.history;
        const siblings = plan.scope === 'one' ? [cell] : [...(supervisor ? supervisor.children : this.topLevel).values()];
        for (const s of siblings) {
          if (s.status === 'running') {
            s.status = 'suspended';
            s.generation++;
          }
        }
        this.clock.setTimeout(() => {
          for (const s of siblings) this.restart(s);
        }, plan.delayMs);
        return;
      }
      case 'Escalate':
        if (supervisor === undefined) {
          this.logFn('error', `${cell.path}: failure escalated to the guardian (${plan.reason}); stopping it`);
          return this.stopCell(cell, 'failed');
        }
        // The supervisor fails in turn; its own supervisor decides, and a restart of it stops this child.
        return this.fail(supervisor, error);
      default: {
        const unknown: never = plan;
        throw new Error(`unknown plan ${String(unknown)}`);
      }
    }
  }

  private restart(cell: Cell): void {
    if (cell.status === 'stopped') return;
    if (cell.hasChildren) for (const child of [...cell.children.values()]) this.stopCell(child, 'parent-stopped');
    cell.generation++;
    cell.passivateRequested = false;
    cell.status = 'running';
    cell.lastActive = this.clock.now();
    try {
      cell.state = cell.behavior.initial(cell.ctx);
    } catch (error) {
      return this.fail(cell, error);
    }
    // A token may still be with nact from before the failure; a fresh one is harmless (the turn
    // of an idle cell does nothing) and a missing one would strand the mailbox.
    if (cell.queued > 0) this.schedule(cell);
    else cell.scheduled = false;
  }

  // ---------------------------------------------------------------- stopping

  /** @internal */
  stopCell(cell: Cell, reason: StopReason): void {
    if (cell.status === 'stopped') return;
    cell.status = 'stopped';
    cell.generation++;
    if (cell.hasChildren) for (const child of [...cell.children.values()]) this.stopCell(child, reason === 'system-stopped' ? reason : 'parent-stopped');
    (cell.parent ? cell.parent.children : this.topLevel).delete(cell.name);
    this.cells.delete(cell.path);
    if (cell.idleTimer !== undefined) this.clock.clearTimeout(cell.idleTimer);
    try {
      cell.behavior.onStop?.(cell.state, cell.ctx);
    } catch (error) {
      this.logFn('warn', `${cell.path}: onStop threw ${describeError(error)}`);
    }
    const left = cell.drain();
    if (reason === 'passivated' && cell.parent?.options.childFactory && cell.parent.status !== 'stopped') {
      // Messages that arrived while it was passivating go to the next incarnation.
      for (const [m, s] of left) this.deliverLocal(cell.path, m, s);
    } else {
      for (const [m, s] of left) this.undeliverable(cell.path, 'stopped', m, s);
    }
    if (cell.watching) for (const target of cell.watching.values()) this.unwatch(cell, target);
    if (cell.watchers) {
      const terminated: Terminated = { _tag: 'Terminated', ref: cell.ref as AnyRef, reason };
      for (const w of cell.watchers.values()) (w as ActorRef<unknown>).tell(terminated);
    }
    this.registry.actorStopped(cell.ref as AnyRef);
    if (cell.kernelRef !== undefined) nact.stop(cell.kernelRef as Parameters<typeof nact.stop>[0]);
  }

  /** Stops a top-level actor or any local actor by ref. */
  stop(ref: AnyRef): void {
    if (ref.address.thread !== this.thread || ref.address.node !== this.node) return;
    const cell = this.cells.get(ref.address.path);
    if (cell) this.stopCell(cell, 'stopped');
  }

  /** Stops every actor; pending asks fail. */
  shutdown(): void {
    if (this.stopped) return;
    this.shuttingDown = true;
    for (const cell of [...this.topLevel.values()]) this.stopCell(cell, 'system-stopped');
    this.stopped = true;
    this.asks.failAll(`aloft://${this.node}/${this.thread}`);
    this.kernel && nact.stop(this.kernel);
  }

  // ---------------------------------------------------------------- death watch

  /** @internal */
  watch(watcher: Cell, target: AnyRef): void {
    const key = addressKey(target.address);
    (watcher.watching ??= new Map()).set(key, target);
    const a = target.address;
    if (a.node === this.node && a.thread === this.thread) {
      const cell = this.cells.get(a.path);
      if (cell === undefined || cell.status === 'stopped') {
        const t: Terminated = { _tag: 'Terminated', ref: target, reason: 'unknown-actor' };
        return this.deliverLocal(watcher.path, t, undefined);
      }
      (cell.watchers ??= new Map()).set(addressKey(watcher.ref.address), watcher.ref as AnyRef);
      return;
    }
    if (this.downNodes.has(a.node)) {
      const t: Terminated = { _tag: 'Terminated', ref: target, reason: 'node-down' };
      return this.deliverLocal(watcher.path, t, undefined);
    }
    const where = `${a.node}|${a.thread}`;
    let byPlace = this.remoteWatches.get(where);
    if (!byPlace) this.remoteWatches.set(where, (byPlace = new Map()));
    let entry = byPlace.get(key);
    if (!entry) byPlace.set(key, (entry = { target, watchers: new Set() }));
    entry.watchers.add(watcher);
    this.sendSystemTo(a.node, a.thread, { _tag: '$Watch', target: a.path, watcher: watcher.ref as AnyRef });
  }

  /** A Terminated reached its watcher: the watch is over, wherever the target lived. */
  private forgetWatch(watcher: Cell, target: AnyRef): void {
    const key = addressKey(target.address);
    watcher.watching?.delete(key);
    const where = `${target.address.node}|${target.address.thread}`;
    const entry = this.remoteWatches.get(where)?.get(key);
    entry?.watchers.delete(watcher);
    if (entry && entry.watchers.size === 0) this.remoteWatches.get(where)?.delete(key);
  }

  /** @internal */
  unwatch(watcher: Cell, target: AnyRef): void {
    const key = addressKey(target.address);
    watcher.watching?.delete(key);
    const a = target.address;
    if (a.node === this.node && a.thread === this.thread) {
      this.cells.get(a.path)?.watchers?.delete(addressKey(watcher.ref.address));
      return;
    }
    const where = `${a.node}|${a.thread}`;
    const entry = this.remoteWatches.get(where)?.get(key);
    entry?.watchers.delete(watcher);
    if (entry && entry.watchers.size === 0) this.remoteWatches.get(where)?.delete(key);
    this.sendSystemTo(a.node, a.thread, { _tag: '$Unwatch', target: a.path, watcher: watcher.ref as AnyRef });
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
    this.placeDown(`${this.node}|${thread}`, 'thread-down');
    this.registry.threadDown(thread);
  }

  /**
   * A whole other node is gone (downed or removed by the cluster): every actor of it that is
   * watched from this thread is Terminated with reason node-down. The main thread calls it and
   * passes it on to the workers.
   */
  nodeDown(node: string): void {
    if (node === this.node) return;
    this.downNodes.add(node);
    for (const where of [...this.remoteWatches.keys()]) if (where.startsWith(`${node}|`)) this.placeDown(where, 'node-down');
    if (this.thread === 0) for (const t of this.links.keys()) this.sendSystem(t, { _tag: '$NodeDown', node });
  }

  private placeDown(where: string, reason: StopReason): void {
    const watched = this.remoteWatches.get(where);
    this.remoteWatches.delete(where);
    if (!watched) return;
    for (const { target, watchers } of watched.values()) {
      const t: Terminated = { _tag: 'Terminated', ref: target, reason };
      for (const w of watchers) {
        w.watching?.delete(addressKey(target.address));
        this.deliverLocal(w.path, t, undefined);
      }
    }
  }

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
      case '$Watch': {
        const cell = this.cells.get(message.target);
        if (cell === undefined || cell.status === 'stopped') {
          const t: Terminated = { _tag: 'Terminated', ref: this.refAt(message.target), reason: 'unknown-actor' };
          (message.watcher as ActorRef<unknown>).tell(t);
        } else (cell.watchers ??= new Map()).set(addressKey(message.watcher.address), message.watcher);
        return;
      }
      case '$Unwatch':
        this.cells.get(message.target)?.watchers?.delete(addressKey(message.watcher.address));
        return;
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

  /** Queued messages of a local actor, or undefined if it does not exist. */
  mailboxSize(ref: AnyRef): number | undefined {
    return this.cells.get(ref.address.path)?.queued;
  }

  /** @internal */
  localCell(ref: AnyRef): Cell | undefined {
    if (ref.address.node !== this.node || ref.address.thread !== this.thread) return undefined;
    return this.cells.get(ref.address.path);
  }

  isAlive(ref: AnyRef): boolean {
    return ref.address.thread === this.thread && ref.address.node === this.node && this.cells.get(ref.address.path)?.status !== undefined;
  }

  /** @internal */
  logLine(level: 'debug' | 'info' | 'warn' | 'error', line: string): void {
    this.logFn(level, line);
  }
}

function isTerminated(m: unknown): m is Terminated {
  return typeof m === 'object' && m !== null && (m as { _tag?: unknown })._tag === 'Terminated' && (m as { ref?: unknown }).ref instanceof ActorRef;
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
