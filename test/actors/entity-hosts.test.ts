/**
 * Entity hosts beyond idle passivation: least-recently-used passivation past `maxChildren`,
 * the children listing and stopChild a shard host uses to stop the entities of handed-off
 * shards (at once, or gracefully with a stop message), and asks routed by the caller (askVia)
 * failing fast with Unavailable.
 */
import t from 'tap';
import {
  askFailure,
  childSpec,
  ENTITY_STOPPED,
  eventSourced,
  isUnavailable,
  stateful,
  unavailable,
  type ActorRef,
  type CommandReply,
  type EntityMessage,
  type EventStore,
} from '../../src/actors/index.ts';
import { shardHost, shardOf, type ShardHostMsg } from '../../src/cluster/index.ts';
import { manualSystem, settle } from './helpers.ts';

type Msg = { _tag: 'Add'; n: number } | { _tag: 'Get'; replyTo: ActorRef<number> };
const counter = stateful<number, Msg>({
  initial: 0,
  receive(n, m) {
    if (m._tag === 'Add') return n + m.n;
    m.replyTo.tell(n);
    return n;
  },
});

t.test('LRU passivation: past maxChildren the least recently used idle entity stops first', async (t) => {
  const { system } = manualSystem();
  const host = system.spawn(shardHost(), { name: 'things', maxChildren: 3, childFactory: () => childSpec(counter) });
  const at = (id: string) => system.refAt<Msg>(`things/${id}`);
  for (const id of ['a', 'b', 'c']) at(id).tell({ _tag: 'Add', n: 1 });
  await settle();
  at('a').tell({ _tag: 'Add', n: 1 }); // a is now the most recent; b the least
  await settle();
  at('d').tell({ _tag: 'Add', n: 1 });
  await settle();
  t.notOk(system.isAlive(at('b') as ActorRef<never>), 'b, least recently used, was passivated');
  t.ok(system.isAlive(at('a') as ActorRef<never>), 'a, used again, stays');
  t.ok(system.isAlive(at('d') as ActorRef<never>), 'the new one runs');
  t.equal(system.lruPassivations, 1);
  const children = await host.ask<{ counts: Record<string, number> }>(
    (replyTo) => ({ _tag: 'CountByShard', shardCount: 1, replyTo }),
    1000,
  );
  t.same(children.counts, { '0': 3 }, 'never more than maxChildren live');
  t.equal(await at('a').ask<number>((replyTo) => ({ _tag: 'Get', replyTo }), 1000), 2, 'a kept its state');
  t.equal(
    await at('b').ask<number>((replyTo) => ({ _tag: 'Get', replyTo }), 1000),
    0,
    'b restarts fresh (a persistent entity recovers from its journal)',
  );
  system.shutdown();
});

t.test('LRU passivation skips an entity with work queued', async (t) => {
  const { system } = manualSystem();
  system.spawn(shardHost(), { name: 'things', maxChildren: 1, childFactory: () => childSpec(counter) });
  const a = system.refAt<Msg>('things/a');
  const b = system.refAt<Msg>('things/b');
  a.tell({ _tag: 'Add', n: 1 });
  b.tell({ _tag: 'Add', n: 1 }); // a still has its message queued: it is not evicted
  await settle();
  t.equal(await a.ask<number>((replyTo) => ({ _tag: 'Get', replyTo }), 1000), 1, 'a handled its message');
  t.ok(system.lruPassivations <= 1);
  system.shutdown();
});

t.test('a shard host stops exactly the entities of the named shards, and counts per shard', async (t) => {
  const { system } = manualSystem();
  const host = system.spawn(shardHost(), { name: 'things', childFactory: () => childSpec(counter) });
  const ids = Array.from({ length: 40 }, (_, i) => `e${i}`);
  for (const id of ids) system.refAt<Msg>(`things/${id}`).tell({ _tag: 'Add', n: 1 });
  await settle();
  const shardCount = 8;
  const target = [shardOf('things/e0', shardCount), shardOf('things/e1', shardCount)];
  const expected = ids.filter((id) => target.includes(shardOf(`things/${id}`, shardCount)));
  const r = await host.ask<{ stopped: number }>(
    (replyTo): ShardHostMsg => ({ _tag: 'StopShards', shards: target, shardCount, replyTo }),
    1000,
  );
  t.equal(r.stopped, expected.length, 'stopped the entities of those shards');
  for (const id of ids)
    t.equal(
      system.isAlive(system.refAt<Msg>(`things/${id}`) as ActorRef<never>),
      !expected.includes(id),
      `${id} ${expected.includes(id) ? 'stopped' : 'runs'}`,
    );
  const counts = await host.ask<{ counts: Record<string, number> }>(
    (replyTo): ShardHostMsg => ({ _tag: 'CountByShard', shardCount, replyTo }),
    1000,
  );
  t.equal(
    Object.values(counts.counts).reduce((a, b) => a + b, 0),
    ids.length - expected.length,
  );
  for (const s of target) t.notOk(counts.counts[String(s)], `nothing left in shard ${s}`);
  system.shutdown();
});

t.test('askVia: the caller routes the message; an Unavailable answer fails the ask at once', async (t) => {
  const { system } = manualSystem();
  const ok = system.askVia<number>('things/x', 1000, (replyTo) => replyTo.tell(7));
  t.equal(await ok, 7);
  const refused = await system
    .askVia<number>('things/y', 60_000, (replyTo) =>
      (replyTo as ActorRef<unknown>).tell(askFailure(unavailable('things/y', 'its shard is moving'))),
    )
    .catch((err: unknown) => err);
  t.ok(isUnavailable(refused), 'Unavailable, without waiting for the timeout');
  t.match(String((refused as Error).message), /its shard is moving/);
  t.equal((refused as { retriable: boolean }).retriable, true);
  system.shutdown();
});

t.test(
  'a handoff stop: the write in flight completes and is answered, queued commands fail as not applied, then the host answers',
  async (t) => {
    const { system } = manualSystem();
    let release!: () => void;
    const appended: number[] = [];
    const store: EventStore = {
      append: (_id, expectedSeq, events) =>
        new Promise((resolve) => {
          release = () => {
            appended.push(events.length);
            resolve({ lastSeq: expectedSeq + events.length, lastOffset: expectedSeq + events.length });
          };
        }),
      async *replay() {},
      loadSnapshot: async () => undefined,
      saveSnapshot: async () => undefined,
    };
    type Cmd = { readonly _tag: 'Add'; readonly n: number };
    const decider = {
      initialState: () => 0,
      evolve: (s: number, e: { _tag: 'Added'; n: number }) => s + e.n,
      decide: (c: Cmd) => ({ _tag: 'Accepted' as const, events: [{ _tag: 'Added' as const, n: c.n }] }),
    };
    type Msg = EntityMessage<Cmd, { _tag: 'Added'; n: number }, number, never>;
    type Reply = CommandReply<{ _tag: 'Added'; n: number }, never>;
    const host = system.spawn(shardHost(), {
      name: 'counters',
      childFactory: (id) => childSpec(eventSourced({ persistenceId: `c-${id}`, store, decider })),
    });
    const e = system.refAt<Msg>('counters/a');
    const first = e.ask<Reply>((replyTo) => ({ _tag: 'Command', command: { _tag: 'Add', n: 1 }, replyTo }), 5_000);
    await settle(5);
    const second = e.ask<Reply>((replyTo) => ({ _tag: 'Command', command: { _tag: 'Add', n: 2 }, replyTo }), 5_000); // queued behind the write
    await settle(5);
    const stopped = host.ask<{ stopped: number }>(
      (replyTo): ShardHostMsg => ({
        _tag: 'StopShards',
        shards: [shardOf('counters/a', 4)],
        shardCount: 4,
        stopMessage: { _tag: 'Passivate' },
        replyTo,
      }),
      5_000,
    );
    await settle(5);
    t.ok(system.isAlive(e as ActorRef<never>), 'still running while its write is in flight');
    release();
    t.same(await first, { _tag: 'Accepted', events: [{ _tag: 'Added', n: 1 }], seq: 1, offset: 1 }, 'the write in flight is answered');
    const refused = await second;
    t.equal(refused._tag === 'Failed' && refused.error._tag, ENTITY_STOPPED, 'the queued command fails as not applied');
    t.equal(refused._tag === 'Failed' && refused.error.retriable, true);
    t.same(await stopped, { stopped: 1 }, 'the host answers once the entity has stopped');
    t.notOk(system.isAlive(e as ActorRef<never>));
    t.same(appended, [1], 'only the first command was written');
    system.shutdown();
  },
);
