/**
 * Sharding: entities spread over the cluster's members by shard, moved when members come and
 * go. See docs/cluster.md, "Sharding".
 */
export { allocate, moves, shardOf, stableHash } from './allocation.ts';
export { shardHost, type ShardHostMsg } from './host.ts';
export { defaultSharding, REGION_PATH, ShardRegion, standaloneHosts, type RegionMsg, type RegionStats, type ShardHosts, type ShardInfo, type ShardingSettings, type ShardState } from './region.ts';
export { clusterShardHosts, SHARD_ROLE } from './cluster-hosts.ts';
export { isOutcomeUnknown, OUTCOME_UNKNOWN, OutcomeUnknown, type LostCause } from './errors.ts';
