/**
 * The cluster, part 1: transport, remoting, gossip membership, failure detection, split-brain
 * resolution, registry, singleton, admin API. See docs/cluster.md.
 */
export {
  bindCluster,
  ClusterNode,
  type BoundCluster,
  type ClusterMsg,
  type ClusterEventMessage,
  type MembersView,
  type MemberView,
  type Termination,
} from './cluster-node.ts';
export { CLUSTER_ENV, parseClusterConfig, parseDowning, ConfigError, type ClusterConfig } from './config.ts';
export type { ClusterEvent } from './events.ts';
export type { DowningStrategy } from './downing.ts';
export { defaultTimings, type MembershipTimings } from './gossip.ts';
export type { Member, MemberStatus } from './member.ts';
export { singletonKey } from './singleton.ts';
export * from './sharding/index.ts';
export type { AdminAnswer, AdminRoutes } from './admin-http.ts';
export { decodeSegment } from './admin-http.ts';
