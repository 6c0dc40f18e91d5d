/**
 * The entity host of a sharded entity type: spawned once per type in every thread that hosts
 * entities, with the type's `childFactory` (so a message for an entity starts it) and an
 * optional `maxChildren` (least-recently-used passivation). Besides starting entities it answers
 * the shard region: stop the entities of shards that are handed off, and count entities per
 * shard for the admin API.
 */
import { stateless, type ActorRef, type Behavior } from '../../actors/index.ts';
import { shardOf } from './allocation.ts';

export type ShardHostMsg =
  | { readonly _tag: 'StopShards'; readonly shards: readonly number[]; readonly shardCount: number; readonly replyTo: ActorRef<{ readonly stopped: number }> }
  | { readonly _tag: 'CountByShard'; readonly shardCount: number; readonly replyTo: ActorRef<{ readonly counts: Readonly<Record<string, number>> }> };

export function shardHost(): Behavior<ShardHostMsg> {
  return stateless<ShardHostMsg>((m, ctx) => {
    const host = ctx.self.address.path;
    switch (m._tag) {
      case 'StopShards': {
        const wanted = new Set(m.shards);
        let stopped = 0;
        for (const name of ctx.children()) {
          if (!wanted.has(shardOf(`${host}/${name}`, m.shardCount))) continue;
          // Stopping is immediate: a write the entity had in flight still lands or fails at the
          // journal, and the next host replays whatever landed (a racing write is refused there
          // by the sequence check, never stored twice).
          if (ctx.stopChild(name)) stopped++;
        }
        m.replyTo.tell({ stopped });
        return;
      }
      case 'CountByShard': {
        const counts: Record<string, number> = {};
        for (const name of ctx.children()) {
          const s = String(shardOf(`${host}/${name}`, m.shardCount));
          counts[s] = (counts[s] ?? 0) + 1;
        }
        m.replyTo.tell({ counts });
        return;
      }
    }
  });
}
