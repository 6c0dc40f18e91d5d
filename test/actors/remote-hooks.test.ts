/**
 * The runtime's seam for other nodes, exercised with an in-memory transport between two nodes in
 * one process (the cluster's TCP transport plugs into the same seam): messages from a worker of
 * one node reach a worker of the other through both main threads, asks and watch work, and a node
 * that goes down yields Terminated with reason node-down.
 */
import t from 'tap';
import {
  AloftNode,
  decodeWith,
  encode,
  stateless,
  type ActorRef,
  type Address,
  type AnyRef,
  type RemoteTransport,
  type Terminated,
} from '../../src/actors/index.ts';
import { counterKind, watcherKind, type CounterMsg } from './fixtures/boot.ts';
import { eventually } from './helpers.ts';

const boot = new URL('./fixtures/boot.ts', import.meta.url);

function wire(from: AloftNode, to: AloftNode): RemoteTransport {
  return {
    send(address: Address, message: unknown, sender: AnyRef | undefined) {
      if (address.node !== to.system.node) return;
      // Through the codec, as over TCP: refs are re-bound to the receiving node's main thread.
      const [a, m, s] = decodeWith<[Address, unknown, AnyRef | null]>(to.system, encode([address, message, sender ?? null]));
      setImmediate(() => to.system.deliver(a, m, s ?? undefined));
      void from;
    },
  };
}

t.test('tell, ask and watch between two nodes through the remote seam', async (t) => {
  const a = await AloftNode.start({ node: 'node-a', workers: 1, boot, log: () => undefined });
  const b = await AloftNode.start({ node: 'node-b', workers: 1, boot, log: () => undefined });
  t.teardown(async () => {
    await a.stop();
    await b.stop();
  });
  a.system.attachRemote(wire(a, b));
  b.system.attachRemote(wire(b, a));
  const counterOnB = await b.system.spawnAt(1, counterKind, { start: 7 }, { name: 'remote-counter' });
  t.equal(counterOnB.address.node, 'node-b');
  // A ref to B's actor, used from A's main thread.
  const fromA = a.system.ref<CounterMsg>(counterOnB.address);
  fromA.tell({ _tag: 'Add', n: 3 });
  const r = await fromA.ask<{ n: number; thread: number }>((replyTo) => ({ _tag: 'Get', replyTo }), 5_000);
  t.same([r.n, r.thread], [10, 1], 'tell and ask from node A reached worker 1 of node B');

  // A watcher in worker 1 of node A watches B's actor: messages go worker -> main -> node -> worker.
  const watcher = await a.system.spawnAt(1, watcherKind, null, { name: 'w' });
  watcher.tell({ _tag: 'Watch', target: fromA as ActorRef<never> });
  const seen = () => watcher.ask<string[]>((replyTo) => ({ _tag: 'Seen', replyTo }), 5_000);
  await seen();
  fromA.tell({ _tag: 'Stop' });
  t.same(await eventually(async () => ((await seen()).length > 0 ? seen() : undefined), 5_000, 'Terminated across nodes'), [
    'remote-counter:stopped',
  ]);

  // Node down: everything watched on it is Terminated with node-down.
  const other = await b.system.spawnAt(1, counterKind, { start: 0 }, { name: 'other' });
  const onMain = new Promise<Terminated>((resolve) => {
    const w = a.system.spawn(
      stateless<Terminated | { _tag: 'Go' }>((m, ctx) => (m._tag === 'Go' ? ctx.watch(a.system.ref(other.address)) : resolve(m))),
    );
    w.tell({ _tag: 'Go' });
  });
  watcher.tell({ _tag: 'Watch', target: a.system.ref(other.address) });
  await seen();
  a.system.attachRemote(undefined);
  a.system.nodeDown('node-b');
  t.equal((await onMain).reason, 'node-down', 'main thread watcher told node-down');
  const all = await eventually(
    async () => {
      const s = await seen();
      return s.length >= 2 ? s : undefined;
    },
    5_000,
    'worker watcher told node-down',
  );
  t.same(all, ['remote-counter:stopped', 'other:node-down']);
});
