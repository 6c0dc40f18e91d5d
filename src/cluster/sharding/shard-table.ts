/**
 * A region's shard table: who owns each shard (allocation.ts over the shard-hosting members,
 * scored by address) and what each shard is doing on this node (remote, active, waiting for its
 * release, releasing). The handoff (handoff.ts) moves shards between the states; the region
 * routes by them.
 */
import { hostPort } from '../member.ts';
import { allocate } from './allocation.ts';

export type ShardState = 'active' | 'waiting' | 'releasing' | 'remote';

export interface ShardInfo {
  readonly shard: number;
  readonly owner: string | undefined;
  readonly state: ShardState;
}

/** A shard's state on this node, as stored in the table (one byte per shard). */
export const REMOTE = 0;
export const ACTIVE = 1;
export const WAITING = 2;
export const RELEASING = 3;
export type ShardCode = typeof REMOTE | typeof ACTIVE | typeof WAITING | typeof RELEASING;
const NAMES: readonly ShardState[] = ['remote', 'active', 'waiting', 'releasing'];

export class ShardTable {
  /** Each shard's state here (ShardCode). */
  readonly state: Uint8Array;
  /** Each shard's owner by the latest allocation; empty until the first. */
  owners: string[] = [];
  private hostKey = '';

  constructor(readonly shardCount: number) {
    this.state = new Uint8Array(shardCount);
  }

  /**
   * Allocates the shards over `hosts` (node ids, sorted). False, and nothing changed, when the
   * table was already computed from the same hosts.
   */
  reallocate(hosts: readonly string[]): boolean {
    const key = hosts.join(',');
    if (key === this.hostKey && this.owners.length > 0) return false;
    this.hostKey = key;
    // Scored by address, so a node restarted at its address gets its shards back (hosts has one
    // node per address).
    const byAddress = new Map(hosts.map((n) => [hostPort(n), n]));
    this.owners = allocate(this.shardCount, [...byAddress.keys()]).map((a) => byAddress.get(a) as string);
    return true;
  }

  /** Makes the next reallocate compute the table even if the hosts are the same. */
  invalidate(): void {
    this.hostKey = '';
  }

  shards(): ShardInfo[] {
    return Array.from({ length: this.shardCount }, (_, shard) => ({
      shard,
      owner: this.owners[shard],
      state: NAMES[this.state[shard] as number] as ShardState,
    }));
  }

  /** Shards per owner, as this node's table has them. */
  ownerCounts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const o of this.owners) out[o] = (out[o] ?? 0) + 1;
    return out;
  }

  /** Shards active, waiting and releasing here. */
  counts(): { active: number; waiting: number; releasing: number } {
    let active = 0;
    let waiting = 0;
    let releasing = 0;
    for (const st of this.state) {
      if (st === ACTIVE) active++;
      else if (st === WAITING) waiting++;
      else if (st === RELEASING) releasing++;
    }
    return { active, waiting, releasing };
  }
}
