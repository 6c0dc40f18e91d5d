/**
 * The shard region's view of a cluster member's membership: which members host shards (up, with
 * the role), which may still run entities, and who is unreachable. Cached and refreshed on every
 * cluster event, because the region asks on every forwarded message.
 */
import type { ClusterNode } from '../cluster-node.ts';
import { hostPort } from '../member.ts';
import { unreachable } from '../membership-state.ts';
import type { ShardHosts } from './region.ts';

export const SHARD_ROLE = 'shards';

export function clusterShardHosts(cluster: ClusterNode, role = SHARD_ROLE): ShardHosts {
  let hosts: string[] = [];
  let others: string[] = [];
  let lost = new Set<string>();
  const refresh = () => {
    const state = cluster.membership.current;
    // One host per address: of two incarnations both still "up", the newer one is the live
    // process (the old one cannot hold the port any more).
    const byAddress = new Map<string, { node: string; upNumber: number }>();
    for (const m of state.members) {
      if (m.status !== 'up' || !m.roles.includes(role)) continue;
      const a = hostPort(m.node);
      const seen = byAddress.get(a);
      if (seen === undefined || m.upNumber > seen.upNumber) byAddress.set(a, { node: m.node, upNumber: m.upNumber });
    }
    hosts = [...byAddress.values()].map((h) => h.node);
    // Members that may run entities: a joining member runs none yet, a downed one no longer may.
    others = state.members.filter((m) => m.node !== cluster.nodeId && (m.status === 'up' || m.status === 'leaving' || m.status === 'exiting')).map((m) => m.node);
    lost = unreachable(state);
  };
  refresh();
  return {
    self: cluster.nodeId,
    hosts: () => hosts,
    others: () => others,
    reachable: (node) => !lost.has(node),
    onChange: (listener) =>
      cluster.onClusterEvent(() => {
        refresh();
        listener();
      }),
  };
}
