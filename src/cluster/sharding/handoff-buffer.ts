/**
 * Messages for shards in handoff (waiting for their release, or releasing), held until the
 * shard is active here or has moved on, then routed again. Bounded over all shards of the node:
 * past the limit a message is refused, so a stalled handoff cannot grow the node's memory.
 */
import type { AnyRef } from '../../actors/index.ts';

export interface Buffered {
  readonly path: string;
  readonly message: unknown;
  readonly replyTo: AnyRef | undefined;
  readonly hops: number;
}

export class HandoffBuffer {
  private readonly buffers = new Map<number, Buffered[]>();
  private count = 0;

  constructor(private readonly limit: number) {}

  /** Messages held now, over all shards. */
  get size(): number {
    return this.count;
  }

  /** Holds `b` for `shard`; false (nothing held) when the buffer is full. */
  add(shard: number, b: Buffered): boolean {
    if (this.count >= this.limit) return false;
    this.count++;
    let list = this.buffers.get(shard);
    if (list === undefined) this.buffers.set(shard, (list = []));
    list.push(b);
    return true;
  }

  /** Removes and returns what was held for `shard`. */
  take(shard: number): Buffered[] | undefined {
    const list = this.buffers.get(shard);
    if (list === undefined) return undefined;
    this.buffers.delete(shard);
    this.count -= list.length;
    return list;
  }

  /** Removes and returns everything, by shard. */
  takeAll(): Array<[number, Buffered[]]> {
    const all = [...this.buffers];
    this.buffers.clear();
    this.count = 0;
    return all;
  }
}
