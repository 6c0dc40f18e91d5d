/**
 * The service's part of a member's admin API (served by src/cluster/admin-http.ts, behind the
 * same bearer token):
 *
 *   GET  /cluster/shards                  -> this node's shard table, what runs here, entities per shard
 *   POST /cluster/shards/rebalance        -> recompute the table now; what moves
 *   POST /cluster/members/{node}/drain    -> 202: the member hands off all its shards, then leaves
 *   GET  /cluster/views                   -> lag of every view replica of this node
 *   GET  /cluster/backends                -> this node's journal, and the publisher and graph
 *                                            projection where they run here: state, reason, lag
 */
import { decodeSegment, type AdminAnswer, type ClusterNode, type ShardRegion } from '../cluster/index.ts';
import type { ReplicaLag } from '../views/index.ts';
import type { BackendState } from '../app/feed-job.ts';

export function serviceAdminRoutes(
  cluster: ClusterNode,
  region: ShardRegion,
  views: { lag(): ReplicaLag[] },
  log: (line: string) => void,
  backends: () => BackendState[] = () => [],
) {
  return async (method: string, path: string, query: URLSearchParams): Promise<AdminAnswer | undefined> => {
    if (method === 'GET' && path === '/cluster/shards') {
      const entities = await region.entitiesPerShard().catch(() => ({}));
      const brief = query.get('brief') === '1';
      return {
        status: 200,
        body: {
          self: cluster.nodeId,
          shardCount: region.settings.shardCount,
          owners: region.ownerCounts(),
          here: region.counts(),
          entities,
          entitiesHere: Object.values(entities).reduce((a, b) => a + b, 0),
          stats: region.stats,
          ...(brief ? {} : { shards: region.shards() }),
        },
      };
    }
    if (method === 'POST' && path === '/cluster/shards/rebalance') {
      const r = region.rebalance();
      log(`admin: rebalance (${r.coming} shard(s) coming here, ${r.leaving} leaving)`);
      return { status: 200, body: r };
    }
    if (method === 'GET' && path === '/cluster/views') return { status: 200, body: { self: cluster.nodeId, replicas: views.lag() } };
    if (method === 'GET' && path === '/cluster/backends') return { status: 200, body: { self: cluster.nodeId, backends: backends() } };
    const drain = /^\/cluster\/members\/([^/]+)\/drain$/.exec(path);
    if (drain && method === 'POST') {
      const name = decodeSegment(drain[1] as string);
      const node = name === undefined ? undefined : cluster.resolve(name);
      if (node === undefined) return { status: 404, body: { title: `no member ${name ?? drain[1]}`, status: 404 } };
      // A leaving member drops out of every shard table: its region stops its entities and hands
      // each shard over, and its process stops once it has left (src/main.ts).
      const ok = cluster.leaveMember(node);
      log(`admin: drain ${node} (${ok ? 'accepted' : 'no change'})`);
      return { status: 202, body: { ok, node, action: 'drain' } };
    }
    return undefined;
  };
}
