/**
 * The shard region's view of a cluster member's membership: which members host shards (up, with
 * the role), which may still run entities, who is unreachable, and which members are lost for
 * the asks already sent to them. Cached and refreshed on every cluster event, because the region
 * asks on every forwarded message.
 */
import type { ClusterNode } from '../cluster-node.ts';
import { hostPort } from '../member.ts';
import { unreachable } from '../membership-state.ts';
import type { ShardHosts } from './shard-hosts.ts';

export const SHARD_ROLE = 'shards';

export function clusterShardHosts(cluster: ClusterNode, role = SHARD_ROLE): ShardHosts {
  let hosts: string[] = [];
  let others: string[] = [];
  let cut = new Set<string>();
  let downed = new Set<string>();
  let leaving = new Set<string>();
  let present = new Set<string>();
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
    others = state.members
      .filter((m) => m.node !== cluster.nodeId && (m.status === 'up' || m.status === 'leaving' || m.status === 'exiting'))
      .map((m) => m.node);
    cut = unreachable(state);
    downed = new Set(state.members.filter((m) => m.status === 'down').map((m) => m.node));
    leaving = new Set(state.members.filter((m) => m.status === 'leaving' || m.status === 'exiting').map((m) => m.node));
    present = new Set(state.members.map((m) => m.node));
  };
  refresh();
  return {
    self: cluster.nodeId,
    hosts: () => hosts,
    others: () => others,
    reachable: (node) => !cut.has(node),
    lost: (node) => {
      if (downed.has(node)) return 'downed';
      if (cut.has(node)) return 'unreachable';
      // A member leaving gracefully closes its connections once it has handed its shards (and
      // the messages they buffered) on: the answers to our asks come from their new homes.
      // Removed members are left alone for the same reason (a crashed one was downed first).
      if (leaving.has(node) || !present.has(node)) return undefined;
      // A kill -9 closes the connection at once and the address then refuses re-dialling: that
      // is known the moment it happens, long before the member is found unreachable.
      return cluster.transport.goneFor(node) > 0 ? 'gone' : undefined;
    },
    onChange: (listener) =>
      cluster.onClusterEvent(() => {
        refresh();
        listener();
      }),
  };
}
