/**
 * `aloft/cluster`: nodes (one process each, see `AloftNode` in `aloft`) joined into a cluster.
 *
 * - Transport: TCP between the nodes' main threads, an HMAC handshake over a shared secret,
 *   optional (mutual) TLS; refs and `tell`/`ask` work across nodes as across threads.
 * - Membership: gossip with one agreed view and a leader, phi-accrual failure detection, and a
 *   split-brain resolver (keep-majority, static-quorum, keep-oldest, lease-majority) that is the
 *   only thing that downs a member.
 * - The cluster-wide registry (`cluster.registry`) and singletons (`cluster.singleton`), which
 *   run on the oldest member.
 * - Sharding: entities spread over the members by shard (`ShardRegion`, `shardHost`,
 *   `clusterShardHosts`), handed off when members come and go.
 *
 * Two steps start a member, because the node id needs the bound port and the actor system
 * needs the node id:
 *
 * ```ts
 * import { AloftNode } from 'aloft';
 * import { bindCluster, parseClusterConfig } from 'aloft/cluster';
 *
 * const { config } = parseClusterConfig(['--cluster-name', 'demo', '--cluster-port', '2552', '--seeds', '127.0.0.1:2552', '--secret', secret], {});
 * const bound = await bindCluster(config!);
 * const node = await AloftNode.start({ node: bound.nodeId, workers: 2 });
 * const cluster = await bound.start(node);
 * ```
 *
 * @packageDocumentation
 * @module aloft/cluster
 */
export {
  bindCluster,
  ClusterNode,
  type BoundCluster,
  type ClusterMsg,
  type ClusterEventMessage,
  type Log,
  type MembersView,
  type MemberView,
  type Termination,
} from '../cluster/cluster-node.ts';
export { CLUSTER_ENV, parseClusterConfig, parseDowning, ConfigError, type ClusterConfig } from '../cluster/config.ts';
export type { ClusterEvent } from '../cluster/events.ts';
export type { DowningStrategy } from '../cluster/downing.ts';
export { defaultTimings, type Membership, type MembershipTimings } from '../cluster/gossip.ts';
export type { Member, MemberStatus } from '../cluster/member.ts';
export type { ClusterRegistry } from '../cluster/registry.ts';
export type { ClusterTransport } from '../cluster/transport.ts';
export { singletonKey } from '../cluster/singleton.ts';
export type { AdminAnswer, AdminRoutes } from '../cluster/admin-http.ts';
export { allocate, moves, shardOf, stableHash } from '../cluster/sharding/allocation.ts';
export { shardHost, type ShardHostMsg } from '../cluster/sharding/host.ts';
export { ShardRegion, type RegionOptions } from '../cluster/sharding/region.ts';
export type { RegionStats } from '../cluster/sharding/region-stats.ts';
export { defaultSharding, REGION_PATH, type RegionMsg, type ShardingSettings } from '../cluster/sharding/settings.ts';
export { standaloneHosts, type ShardHosts } from '../cluster/sharding/shard-hosts.ts';
export type { ShardInfo, ShardState } from '../cluster/sharding/shard-table.ts';
export { clusterShardHosts, SHARD_ROLE } from '../cluster/sharding/cluster-hosts.ts';
