/**
 * The entity host of a sharded entity type: spawned once per type in every thread that hosts
 * entities, with the type's `childFactory` (so a message for an entity starts it) and an
 * optional `maxChildren` (least-recently-used passivation). Besides starting entities it answers
 * the shard region: stop the entities of shards that are handed off, and count entities per
 * shard for the admin API.
 *
 * Stopping: with a `stopMessage` (Akka's handOffStopMessage; the service's entities take
 * `{ _tag: 'Passivate' }`) each entity is told it and the host answers once all of them have
 * terminated, so a write in flight completes and is answered before the shard moves. Without
 * one, the entities are stopped at once.
 */
import { stateful, type ActorRef, type AnyRef, type Behavior, type Terminated } from '../../actors/index.ts';
import { shardOf } from './allocation.ts';

export type ShardHostMsg =
  | {
      readonly _tag: 'StopShards';
      readonly shards: readonly number[];
      readonly shardCount: number;
      readonly stopMessage?: unknown;
      readonly replyTo: ActorRef<{ readonly stopped: number }>;
    }
  | {
      readonly _tag: 'CountByShard';
      readonly shardCount: number;
      readonly replyTo: ActorRef<{ readonly counts: Readonly<Record<string, number>> }>;
    }
  | Terminated;

interface Stopping {
  readonly left: Set<string>;
  readonly count: number;
  readonly replyTo: ActorRef<{ readonly stopped: number }>;
}

export function shardHost(): Behavior<ShardHostMsg> {
  return stateful<Stopping[], ShardHostMsg>({
    initial: () => [],
    receive(pending, m, ctx) {
      const host = ctx.self.address.path;
      switch (m._tag) {
        case 'StopShards': {
          const wanted = new Set(m.shards);
          const names = ctx.children().filter((name) => wanted.has(shardOf(`${host}/${name}`, m.shardCount)));
          if (m.stopMessage === undefined) {
            // A write the entity had in flight still lands or fails at the journal; the next
            // host replays whatever landed (a racing write is refused there by the sequence
            // check, never stored twice).
            for (const name of names) ctx.stopChild(name);
            m.replyTo.tell({ stopped: names.length });
            return pending;
          }
          const left = new Set<string>();
          for (const name of names) {
            const child = ctx.child(name);
            if (child === undefined) continue;
            left.add(child.address.path);
            ctx.watch(child);
            (child as ActorRef<unknown>).tell(m.stopMessage);
          }
          if (left.size === 0) {
            m.replyTo.tell({ stopped: 0 });
            return pending;
          }
          return [...pending, { left, count: left.size, replyTo: m.replyTo }];
        }
        case 'Terminated': {
          const path = (m.ref as AnyRef).address.path;
          const rest: Stopping[] = [];
          for (const p of pending) {
            p.left.delete(path);
            if (p.left.size === 0) p.replyTo.tell({ stopped: p.count });
            else rest.push(p);
          }
          return rest;
        }
        case 'CountByShard': {
          const counts: Record<string, number> = {};
          for (const name of ctx.children()) {
            const s = String(shardOf(`${host}/${name}`, m.shardCount));
            counts[s] = (counts[s] ?? 0) + 1;
          }
          m.replyTo.tell({ counts });
          return pending;
        }
      }
    },
  });
}
