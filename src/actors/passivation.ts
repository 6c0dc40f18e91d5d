/**
 * Passivation: stopping actors that are not needed now, to be started again on demand.
 *
 * - Idle: an actor spawned with `idleTimeoutMs` stops (reason `passivated`) after that long
 *   without a message. The timer is armed when the actor goes quiet and re-checks recency when it
 *   fires, so a busy actor costs no timer per message.
 * - Entity hosts (`childFactory`): a message for a child that does not exist starts it first; so a
 *   passivated entity comes back with its next message.
 * - LRU (`maxChildren`): a host keeps its children map in last-message order (`markRecent`, on
 *   every delivery); starting one child too many passivates the least recently used idle ones.
 *
 * A passivated child's leftover mailbox goes to its next incarnation (see `ActorTree.stop`).
 */
import type { Behavior, SpawnOptions, StopReason } from './behavior.ts';
import type { Cell } from './cell.ts';
import type { Clock } from './clock.ts';

/** What passivation needs from its thread's runtime; the ActorSystem implements it. */
export interface PassivationHost {
  readonly clock: Clock;
  spawnCell(parent: Cell | undefined, behavior: Behavior<unknown>, options: SpawnOptions): Cell;
  stopCell(cell: Cell, reason: StopReason): void;
}

/** Idle timers, entity hosts' children started on demand, and LRU eviction, for one thread. */
export class Passivation {
  /** Children passivated because their entity host reached `maxChildren`. */
  lruPassivations = 0;

  constructor(
    private readonly host: PassivationHost,
    /** The live cells of this thread by path. */
    private readonly cells: ReadonlyMap<string, Cell>,
  ) {}

  /** Arms the idle timer of a cell spawned with `idleTimeoutMs` that has none running. */
  armIdle(cell: Cell): void {
    const idle = cell.options.idleTimeoutMs;
    if (idle === undefined || cell.idleTimer !== undefined || cell.status === 'stopped') return;
    const clock = this.host.clock;
    const wait = Math.max(1, idle - (clock.now() - cell.lastActive));
    cell.idleTimer = clock.setTimeout(() => {
      cell.idleTimer = undefined;
      if (cell.status !== 'running') return;
      if (cell.scheduled || cell.queued > 0) return; // busy: endTurn re-arms when it goes quiet
      if (clock.now() - cell.lastActive >= idle) this.host.stopCell(cell, 'passivated');
      else this.armIdle(cell);
    }, wait);
  }

  /** A message for a missing child of an entity host starts that child first. */
  startEntity(path: string): Cell | undefined {
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
    return this.host.spawnCell(host, spec.behavior, { ...spec.options, name });
  }

  /** Passivates up to `n` idle children of an entity host, least recently used first. A child
   * with work queued or in hand is skipped: the limit is then exceeded until it goes idle. */
  private evictLeastRecent(host: Cell, n: number): void {
    for (const child of host.children.values()) {
      if (n <= 0) break;
      if (child.status !== 'running' || child.scheduled || child.queued > 0) continue;
      this.host.stopCell(child, 'passivated');
      this.lruPassivations++;
      n--;
    }
  }
}

/**
 * Recency for LRU passivation: moves `child` to the end of its host's children map, which is kept
 * in last-message order. Called on every message to a child of a host with `maxChildren`.
 */
export function markRecent(host: Cell, child: Cell): void {
  host.children.delete(child.name);
  host.children.set(child.name, child);
}
