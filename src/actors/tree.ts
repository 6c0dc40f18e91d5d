/**
 * The actors of one thread as a tree: the guardian's children (top-level actors) at the root, each
 * cell's children below it (`cell.children`), and an index of every live cell by path, in which
 * delivery looks up a message's target. Spawning and stopping happen here.
 *
 * A spawn names the cell (given, or generated), binds its ref and context, and computes its first
 * state; an `initial` that throws is a failure like any other, handed to the supervisor.
 *
 * A stop goes depth first (children before their parent), takes the cell out of the tree, runs
 * `onStop`, and hands on what was left in the mailbox: to the next incarnation for a passivated
 * child of an entity host, as dead letters otherwise (an ask among them fails at once). The host
 * then tells the rest of the runtime (`cellStopped`: watchers, registry, the turn kernel).
 */
import type { Behavior, SpawnOptions, StopReason } from './behavior.ts';
import { Cell } from './cell.ts';
import { CellContext, type ContextHost } from './context.ts';
import type { DeadLetterReason } from './dead-letters.ts';
import { actorStopped, describeError } from './errors.ts';
import { ActorRef, type AnyRef, type Router } from './ref.ts';

/**
 * What the tree needs from its thread's runtime; the ActorSystem implements it. New refs are bound
 * to it (the Router) and new contexts reach it (the ContextHost).
 */
export interface TreeHost extends Router, ContextHost {
  readonly node: string;
  readonly thread: number;
  /** The first state threw: the failure goes to the cell's supervisor. */
  fail(cell: Cell, error: unknown): void;
  /** A cell started: arm its idle timer, if it has one. */
  armIdle(cell: Cell): void;
  deliverLocal(path: string, message: unknown, sender: AnyRef | undefined): void;
  undeliverable(target: string, reason: DeadLetterReason, message: unknown, sender: AnyRef | undefined): void;
  /** A cell stopped and left the tree: watchers, registry and turn kernel catch up. */
  cellStopped(cell: Cell, reason: StopReason): void;
}

/** The live actors of one thread: spawn, stop, and the index by path. */
export class ActorTree {
  private readonly index = new Map<string, Cell>();
  private readonly roots = new Map<string, Cell>();
  private nextId = 0;
  private closed = false;

  constructor(
    private readonly host: TreeHost,
    /** Mailbox bound of a cell spawned without `mailboxCapacity`. */
    private readonly capacity: number,
  ) {}

  /** Every live cell by path. The map itself, not a copy: delivery reads it on every message. */
  get byPath(): ReadonlyMap<string, Cell> {
    return this.index;
  }

  /** The guardian's children. */
  get topLevel(): ReadonlyMap<string, Cell> {
    return this.roots;
  }

  /** Starts a cell under `parent` (undefined: under the guardian). Throws on a bad or taken name. */
  spawn(parent: Cell | undefined, behavior: Behavior<unknown>, options: SpawnOptions): Cell {
    const host = this.host;
    if (this.closed) throw actorStopped(`aloft://${host.node}/${host.thread}`);
    const siblings = parent ? parent.children : this.roots;
    const name = options.name ?? `$${(this.nextId++).toString(36)}`;
    if (name.length === 0 || name.includes('/')) throw new Error(`invalid actor name "${name}": must be non-empty and contain no "/"`);
    if (siblings.has(name)) throw new Error(`an actor named "${name}" already exists under ${parent ? parent.path : 'the guardian'}`);
    const path = parent ? `${parent.path}/${name}` : name;
    const ref = new ActorRef<unknown>({ node: host.node, thread: host.thread, path }, host);
    const cell = new Cell(path, name, parent, ref, behavior, options, options.mailboxCapacity ?? this.capacity);
    cell.ctx = new CellContext(host, cell);
    siblings.set(name, cell);
    this.index.set(path, cell);
    cell.lastActive = host.clock.now();
    try {
      cell.state = behavior.initial(cell.ctx);
    } catch (error) {
      host.fail(cell, error);
      return cell;
    }
    host.armIdle(cell);
    return cell;
  }

  /** Stops `cell` and its children, once; see the module comment for the order of things. */
  stop(cell: Cell, reason: StopReason): void {
    if (cell.status === 'stopped') return;
    const host = this.host;
    cell.status = 'stopped';
    cell.generation++;
    if (cell.hasChildren)
      for (const child of [...cell.children.values()]) this.stop(child, reason === 'system-stopped' ? reason : 'parent-stopped');
    (cell.parent ? cell.parent.children : this.roots).delete(cell.name);
    this.index.delete(cell.path);
    if (cell.idleTimer !== undefined) host.clock.clearTimeout(cell.idleTimer);
    try {
      cell.behavior.onStop?.(cell.state, cell.ctx);
    } catch (error) {
      host.logLine('warn', `${cell.path}: onStop threw ${describeError(error)}`);
    }
    const left = cell.drain();
    if (reason === 'passivated' && cell.parent?.options.childFactory && cell.parent.status !== 'stopped') {
      // Messages that arrived while it was passivating go to the next incarnation.
      for (const [m, s] of left) host.deliverLocal(cell.path, m, s);
    } else {
      for (const [m, s] of left) host.undeliverable(cell.path, 'stopped', m, s);
    }
    host.cellStopped(cell, reason);
  }

  /** Stops every actor (reason `system-stopped`); spawning is refused from then on. */
  stopAll(): void {
    for (const cell of [...this.roots.values()]) this.stop(cell, 'system-stopped');
    this.closed = true;
  }
}
