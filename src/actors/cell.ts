/**
 * A cell is the runtime's record of one actor: its behaviour and state, its own bounded mailbox,
 * its children, watchers and timers. nact underneath provides the turn scheduling (one nact
 * actor per cell); the cell decides what a turn does.
 *
 * Why a mailbox of our own on top of nact's: nact runs every message in its own setImmediate,
 * which caps a local actor near 300,000 messages/s on this class of machine. A cell hands nact
 * one "turn" token and drains up to `throughput` messages per turn (Akka's dispatcher throughput
 * setting), which also gives a bound to count against for backpressure.
 *
 * Lifecycle:
 *
 *     running ──failure──▶ suspended ──restart (after backoff)──▶ running
 *        │                    │  └──resume──▶ running
 *        └──stop/passivate────┴──stop──▶ stopped (terminal; watchers get Terminated)
 */
import type { ActorContext, Behavior, SpawnOptions } from './behavior.ts';
import type { TimerHandle } from './clock.ts';
import type { ActorRef, AnyRef } from './ref.ts';

export type CellStatus = 'running' | 'suspended' | 'stopped';

export class Cell {
  status: CellStatus = 'running';
  /** True while a turn token is with nact (queued or running): tells must not send another. */
  scheduled = false;
  /** Bumped on restart and stop, so a turn still awaiting an async handler knows it is stale. */
  generation = 0;
  state: unknown = undefined;
  passivateRequested = false;
  lastActive = 0;
  idleTimer: TimerHandle | undefined = undefined;
  /** The nact reference this cell's turns are dispatched to; created on the first turn. */
  kernelRef: unknown = undefined;
  currentSender: AnyRef | undefined = undefined;
  private kids: Map<string, Cell> | undefined = undefined;
  watchers: Map<string, AnyRef> | undefined = undefined;
  watching: Map<string, AnyRef> | undefined = undefined;
  /** Times of restarts this cell performed as a supervisor (for its restart intensity). */
  restartHistory: readonly number[] = [];
  ctx!: ActorContext<unknown>;

  // Mailbox: [message, sender, message, sender, ...] from `head`; compacted lazily.
  private queue: unknown[] = [];
  private head = 0;

  constructor(
    readonly path: string,
    readonly name: string,
    readonly parent: Cell | undefined,
    readonly ref: ActorRef<unknown>,
    readonly behavior: Behavior<unknown>,
    readonly options: SpawnOptions,
    readonly capacity: number,
  ) {}

  /** Children by name, allocated on first use (most actors never have any). */
  get children(): Map<string, Cell> {
    return (this.kids ??= new Map());
  }

  get hasChildren(): boolean {
    return this.kids !== undefined && this.kids.size > 0;
  }

  get queued(): number {
    return (this.queue.length - this.head) >> 1;
  }

  enqueue(message: unknown, sender: AnyRef | undefined): void {
    this.queue.push(message, sender);
  }

  /** Removes the next entry into `out` ([message, sender]); false when empty. */
  dequeue(out: [unknown, AnyRef | undefined]): boolean {
    const q = this.queue;
    const h = this.head;
    if (h >= q.length) return false;
    out[0] = q[h];
    out[1] = q[h + 1] as AnyRef | undefined;
    q[h] = undefined;
    q[h + 1] = undefined;
    this.head = h + 2;
    if (this.head === q.length) {
      q.length = 0;
      this.head = 0;
    } else if (this.head > 4096 && this.head * 2 > q.length) {
      this.queue = q.slice(this.head);
      this.head = 0;
    }
    return true;
  }

  /** Empties the mailbox, returning what was in it. */
  drain(): Array<[unknown, AnyRef | undefined]> {
    const out: Array<[unknown, AnyRef | undefined]> = [];
    for (let i = this.head; i < this.queue.length; i += 2) out.push([this.queue[i], this.queue[i + 1] as AnyRef | undefined]);
    this.queue = [];
    this.head = 0;
    return out;
  }
}
