/**
 * Where entities live: entity -> shard by a stable hash, shard -> node by an allocation that is a
 * pure function of the set of shard-hosting members.
 *
 * Why a pure function of the member set and not a coordinator's decisions (Akka's
 * ShardCoordinator): every node computes the same table from the same membership, so there is no
 * coordinator singleton to move, to lose mid-handoff, or to wait for after a crash — the bug
 * Akka users report as "handoff stuck on a crashed node". The price is that a move is not
 * strictly minimal: the allocation is rendezvous hashing with bounded load (each shard goes to
 * its highest-scoring node that is not yet full), which keeps every node within one shard of an
 * even share and moves, on a join or a leave, little more than the share that must move (see
 * the tables in test/cluster/sharding-allocation.test.ts).
 *
 * Nodes are scored by address (host:port), not by incarnation, so a node restarted at the same
 * address gets the same shards back: a rolling restart moves each shard away and back once.
 */

/** FNV-1a, 32 bits, over UTF-16 code units. Pinned by a golden test: changing it re-homes
 * every entity (harmless for correctness, entities recover from the journal, but a full move). */
export function stableHash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** The shard of an entity key (for the service: "<host>/<id>", e.g. "rotations/LH-A1"). */
export function shardOf(entityKey: string, shardCount: number): number {
  return stableHash(entityKey) % shardCount;
}

/** murmur3's finaliser: spreads a 32-bit value over all bits. */
function mix(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/**
 * The owner (an element of `nodes`) of every shard 0..shardCount-1; empty when there are no
 * nodes. Deterministic in the set of nodes (their order does not matter). Every node gets
 * floor(S/n) or ceil(S/n) shards.
 */
export function allocate(shardCount: number, nodes: readonly string[]): string[] {
  if (!Number.isInteger(shardCount) || shardCount <= 0) throw new RangeError(`shardCount must be a positive integer, got ${shardCount}`);
  const sorted = [...new Set(nodes)].sort();
  const n = sorted.length;
  if (n === 0) return [];
  const seeds = sorted.map(stableHash);
  const load = new Array<number>(n).fill(0);
  // ceil for the first S mod n nodes to fill up, floor after: the spread is at most one shard.
  const base = Math.floor(shardCount / n);
  let roomyLeft = shardCount - base * n;
  const owners = new Array<string>(shardCount);
  const order = Array.from({ length: n }, (_, i) => i);
  const score = new Array<number>(n);
  for (let s = 0; s < shardCount; s++) {
    for (let i = 0; i < n; i++) score[i] = mix((seeds[i] as number) ^ mix(s + 0x9e3779b9));
    order.sort((a, b) => (score[b] as number) - (score[a] as number) || a - b);
    for (const i of order) {
      const l = load[i] as number;
      if (l < base || (l === base && roomyLeft > 0)) {
        if (l === base) roomyLeft--;
        load[i] = l + 1;
        owners[s] = sorted[i] as string;
        break;
      }
    }
  }
  return owners;
}

/** How many shards change owner between two tables (a shard with no owner on one side counts). */
export function moves(before: readonly string[], after: readonly string[]): number {
  let n = 0;
  for (let s = 0; s < Math.max(before.length, after.length); s++) if (before[s] !== after[s]) n++;
  return n;
}
