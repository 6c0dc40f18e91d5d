/**
 * Death watch: `ctx.watch(ref)` delivers one Terminated to the watcher when the target stops, for
 * any reason, wherever it lives.
 *
 * - Target in this thread: the target's cell keeps its watchers (`cell.watchers`) and tells them
 *   when it stops.
 * - Target in another thread or node: a `$Watch` goes to the target's runtime, which keeps the
 *   watcher as it would a local one. This side also remembers the watch, by place ("node|thread"),
 *   so that a thread or node that dies, and so can tell no one, still yields Terminated
 *   (`thread-down`, `node-down`) for every actor of it watched from here.
 * - A watch of an actor that does not exist yields Terminated `unknown-actor` at once; of an actor
 *   on a node known to be down, `node-down` at once.
 */
import type { StopReason, Terminated } from './behavior.ts';
import type { Cell } from './cell.ts';
import type { SystemMessage } from './envelope.ts';
import { ActorRef, addressKey, type AnyRef } from './ref.ts';

/** What death watch needs from its thread's runtime; the ActorSystem implements it. */
export interface WatchHost {
  readonly node: string;
  readonly thread: number;
  deliverLocal(path: string, message: unknown, sender: AnyRef | undefined): void;
  sendSystemTo(node: string, thread: number, message: SystemMessage): void;
  /** A ref to a path of this thread, whether or not an actor lives there. */
  refAt(path: string): AnyRef;
}

type WatchMessage = Extract<SystemMessage, { _tag: '$Watch' | '$Unwatch' }>;

/** The watches of one thread's actors on actors elsewhere, and the nodes known to be gone. */
export class DeathWatch {
  /**
   * Actors in other threads or nodes watched from here, by "node|thread", so that a thread or a
   * node that dies still yields Terminated for them.
   */
  private readonly remoteWatches = new Map<string, Map<string, { target: AnyRef; watchers: Set<Cell> }>>();
  /** Nodes known to be gone: watching an actor on one of them yields Terminated at once. */
  private readonly downNodes = new Set<string>();

  constructor(
    private readonly host: WatchHost,
    /** The live cells of this thread by path. */
    private readonly cells: ReadonlyMap<string, Cell>,
  ) {}

  watch(watcher: Cell, target: AnyRef): void {
    const key = addressKey(target.address);
    (watcher.watching ??= new Map()).set(key, target);
    const a = target.address;
    if (a.node === this.host.node && a.thread === this.host.thread) {
      const cell = this.cells.get(a.path);
      if (cell === undefined || cell.status === 'stopped') {
        const t: Terminated = { _tag: 'Terminated', ref: target, reason: 'unknown-actor' };
        return this.host.deliverLocal(watcher.path, t, undefined);
      }
      (cell.watchers ??= new Map()).set(addressKey(watcher.ref.address), watcher.ref as AnyRef);
      return;
    }
    if (this.downNodes.has(a.node)) {
      const t: Terminated = { _tag: 'Terminated', ref: target, reason: 'node-down' };
      return this.host.deliverLocal(watcher.path, t, undefined);
    }
    const where = `${a.node}|${a.thread}`;
    let byPlace = this.remoteWatches.get(where);
    if (!byPlace) this.remoteWatches.set(where, (byPlace = new Map()));
    let entry = byPlace.get(key);
    if (!entry) byPlace.set(key, (entry = { target, watchers: new Set() }));
    entry.watchers.add(watcher);
    this.host.sendSystemTo(a.node, a.thread, { _tag: '$Watch', target: a.path, watcher: watcher.ref as AnyRef });
  }

  unwatch(watcher: Cell, target: AnyRef): void {
    const key = addressKey(target.address);
    watcher.watching?.delete(key);
    const a = target.address;
    if (a.node === this.host.node && a.thread === this.host.thread) {
      this.cells.get(a.path)?.watchers?.delete(addressKey(watcher.ref.address));
      return;
    }
    const where = `${a.node}|${a.thread}`;
    const entry = this.remoteWatches.get(where)?.get(key);
    entry?.watchers.delete(watcher);
    if (entry && entry.watchers.size === 0) this.remoteWatches.get(where)?.delete(key);
    this.host.sendSystemTo(a.node, a.thread, { _tag: '$Unwatch', target: a.path, watcher: watcher.ref as AnyRef });
  }

  /** A Terminated reached its watcher: the watch is over, wherever the target lived. */
  forget(watcher: Cell, target: AnyRef): void {
    const key = addressKey(target.address);
    watcher.watching?.delete(key);
    const where = `${target.address.node}|${target.address.thread}`;
    const entry = this.remoteWatches.get(where)?.get(key);
    entry?.watchers.delete(watcher);
    if (entry && entry.watchers.size === 0) this.remoteWatches.get(where)?.delete(key);
  }

  /** `cell` stopped: its own watches end, and its watchers get Terminated. */
  stopped(cell: Cell, reason: StopReason): void {
    if (cell.watching) for (const target of cell.watching.values()) this.unwatch(cell, target);
    if (cell.watchers) {
      const terminated: Terminated = { _tag: 'Terminated', ref: cell.ref as AnyRef, reason };
      for (const w of cell.watchers.values()) (w as ActorRef<unknown>).tell(terminated);
    }
  }

  /** A `$Watch` or `$Unwatch` from another thread or node, for an actor of this thread. */
  handle(message: WatchMessage): void {
    if (message._tag === '$Unwatch') {
      this.cells.get(message.target)?.watchers?.delete(addressKey(message.watcher.address));
      return;
    }
    const cell = this.cells.get(message.target);
    if (cell === undefined || cell.status === 'stopped') {
      const t: Terminated = { _tag: 'Terminated', ref: this.host.refAt(message.target), reason: 'unknown-actor' };
      (message.watcher as ActorRef<unknown>).tell(t);
    } else (cell.watchers ??= new Map()).set(addressKey(message.watcher.address), message.watcher);
  }

  /** Another thread of this node is gone: its actors watched from here are Terminated. */
  threadDown(thread: number): void {
    this.placeDown(`${this.host.node}|${thread}`, 'thread-down');
  }

  /** Another node is gone: its actors watched from here are Terminated, and later watches of it too. */
  nodeDown(node: string): void {
    this.downNodes.add(node);
    for (const where of [...this.remoteWatches.keys()]) if (where.startsWith(`${node}|`)) this.placeDown(where, 'node-down');
  }

  private placeDown(where: string, reason: StopReason): void {
    const watched = this.remoteWatches.get(where);
    this.remoteWatches.delete(where);
    if (!watched) return;
    for (const { target, watchers } of watched.values()) {
      const t: Terminated = { _tag: 'Terminated', ref: target, reason };
      for (const w of watchers) {
        w.watching?.delete(addressKey(target.address));
        this.host.deliverLocal(w.path, t, undefined);
      }
    }
  }
}

/** True for a Terminated notification (the one message that ends a watch on arrival). */
export function isTerminated(m: unknown): m is Terminated {
  return (
    typeof m === 'object' &&
    m !== null &&
    (m as { _tag?: unknown })._tag === 'Terminated' &&
    (m as { ref?: unknown }).ref instanceof ActorRef
  );
}
