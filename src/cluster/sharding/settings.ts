/**
 * The sharding settings of a node and the messages regions exchange. The shard count must be the
 * same on every member; the rest may differ per node.
 */

/** The path of a node's shard region on its main thread. */
export const REGION_PATH = 'shards';

export interface ShardingSettings {
  /** Fixed for the life of a cluster: changing it re-homes every entity. Default 1,024. */
  readonly shardCount: number;
  /** How long a shard waits for unreachable members to confirm its release (reachable ones: six
   * times as long). Default 5 s. */
  readonly handoffTimeoutMs: number;
  /** Messages buffered for shards in handoff, over all shards of the node. Default 10,000. */
  readonly bufferLimit: number;
  /** Region-to-region forwards before a message is refused (tables briefly disagree). Default 2. */
  readonly maxHops: number;
}

export const defaultSharding: ShardingSettings = { shardCount: 1024, handoffTimeoutMs: 5_000, bufferLimit: 10_000, maxHops: 2 };

/** What a region understands: entity messages forwarded by other regions, and the handoff's questions and answers. */
export type RegionMsg =
  /** An entity message forwarded by another region; its asker, if any, is the sender. */
  | { readonly _tag: 'Deliver'; readonly path: string; readonly message: unknown; readonly hops: number }
  | { readonly _tag: 'Release'; readonly shards: readonly number[]; readonly from: string }
  | { readonly _tag: 'Released'; readonly shards: readonly number[]; readonly from: string };
