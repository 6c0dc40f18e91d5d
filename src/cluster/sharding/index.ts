/**
 * Sharding: entities spread over the cluster's members by shard, moved when members come and
 * go. See docs/cluster.md, "Sharding".
 */
export { allocate, moves, shardOf, stableHash } from './allocation.ts';
export { shardHost, type ShardHostMsg } from './host.ts';
export { ShardRegion } from './region.ts';
export type { RegionStats } from './region-stats.ts';
export { defaultSharding, REGION_PATH, type RegionMsg, type ShardingSettings } from './settings.ts';
export { standaloneHosts, type ShardHosts } from './shard-hosts.ts';
export type { ShardInfo, ShardState } from './shard-table.ts';
export { clusterShardHosts, SHARD_ROLE } from './cluster-hosts.ts';
export { isOutcomeUnknown, OUTCOME_UNKNOWN, OutcomeUnknown, type LostCause } from './errors.ts';
