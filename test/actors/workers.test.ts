import t from 'tap';
import { AloftNode, serviceKey, stateless, type ActorRef, type Terminated, type WorkerEvent } from '../../src/actors/index.ts';
import { counterKind, supervisorKind, watcherKind, exitKind, type CounterMsg } from './fixtures/boot.ts';
import { eventually } from './helpers.ts';

const boot = new URL('./fixtures/boot.ts', import.meta.url);
type Count = { readonly _tag: 'Count'; readonly n: number; readonly thread: number };
const get = (c: ActorRef<CounterMsg>) => c.ask<Count>((replyTo) => ({ _tag: 'Get', replyTo }), 5_000);

t.test('cross-worker tell and ask, refs and nested data through msgpackr', async (t) => {
  const node = await AloftNode.start({ workers: 2, boot, log: () => undefined });
  t.teardown(() => node.stop());
  t.same(node.threads, [0, 1, 2]);
  const c1 = await node.system.spawnAt(1, counterKind, { start: 10 }, { name: 'c1' });
  const c2 = await node.system.spawnAt(2, counterKind, { start: 0 }, { name: 'c2' });
  t.equal(c1.address.thread, 1);
  for (let i = 0; i < 1000; i++) c1.tell({ _tag: 'Add', n: 1 });
  const r = await get(c1);
  t.same(r, { _tag: 'Count', n: 1010, thread: 1 }, 'ordered delivery from one sender: the ask saw all 1000 tells');
  const payload = {
    _tag: 'Nested',
    list: [1, 'two', { three: [3] }],
    big: 2 ** 40,
    neg: -1.5,
    nil: null,
    bytes: new Uint8Array([1, 2, 3]),
  };
  const echoed = await c2.ask<unknown>((replyTo) => ({ _tag: 'Echo', payload, replyTo }), 5_000);
  t.same(echoed, payload, 'plain data survives the round trip');
  // A ref created in worker 2 handed to worker 1: worker 1 replies straight to it.
  const r2 = await c1.ask<Count>((replyTo) => ({ _tag: 'Get', replyTo }), 5_000);
  t.equal(r2.thread, 1);
  const fromWorkerToWorker = await c2.ask<unknown>((replyTo) => ({ _tag: 'Echo', payload: { ref: c1 }, replyTo }), 5_000);
  const passedRef = (fromWorkerToWorker as { ref: ActorRef<CounterMsg> }).ref;
  t.ok(passedRef.equals(c1 as ActorRef<never>), 'a ref inside a message is decoded as a ref');
  t.equal((await get(passedRef)).n, 1010, 'and can be asked');
});

t.test('a crash inside a worker is recovered by its supervisor; the ref keeps working', async (t) => {
  const node = await AloftNode.start({ workers: 1, boot, log: () => undefined });
  t.teardown(() => node.stop());
  const sup = await node.system.spawnAt(1, supervisorKind, null, { name: 'sup' });
  const child = await sup.ask<ActorRef<CounterMsg>>((replyTo) => ({ _tag: 'Child', replyTo }), 5_000);
  child.tell({ _tag: 'Add', n: 5 });
  t.equal((await get(child)).n, 5);
  child.tell({ _tag: 'Crash' });
  child.tell({ _tag: 'Add', n: 2 });
  const after = await eventually(async () => {
    const r = await get(child).catch(() => undefined);
    return r;
  });
  t.equal(after.n, 2, 'restarted with fresh state, the message after the crash was kept');
});

t.test('death watch across workers: stop, and a worker thread that dies', async (t) => {
  const node = await AloftNode.start({ workers: 2, boot, log: () => undefined });
  t.teardown(() => node.stop());
  const events: WorkerEvent[] = [];
  node.onWorkerEvent((e) => events.push(e));
  const watcher = await node.system.spawnAt(1, watcherKind, null, { name: 'w' });
  const target = await node.system.spawnAt(2, counterKind, { start: 0 }, { name: 'target' });
  const doomed = await node.system.spawnAt(2, exitKind, null, { name: 'doomed' });
  watcher.tell({ _tag: 'Watch', target: target as ActorRef<never> });
  watcher.tell({ _tag: 'Watch', target: doomed as ActorRef<never> });
  const seen = () => watcher.ask<string[]>((replyTo) => ({ _tag: 'Seen', replyTo }), 5_000);
  t.same(await seen(), [], 'nothing yet');
  doomed.tell({ _tag: 'Exit' });
  const after = await eventually(
    async () => {
      const s = await seen();
      return s.length >= 2 ? s : undefined;
    },
    10_000,
    'Terminated for both actors of the dead worker',
  );
  t.same([...after].sort(), ['doomed:thread-down', 'target:thread-down'], 'watchers on worker 1 learn that worker 2 died');
  await eventually(() => events.find((e) => e._tag === 'WorkerRestarted'), 10_000, 'worker 2 restarted');
  const resident = node.system.refAt<CounterMsg>('resident');
  const onTwo = { ...resident.address, thread: 2 };
  const r = await node.system.ask<Count>(onTwo, (replyTo) => ({ _tag: 'Get', replyTo }), 5_000);
  t.same(r, { _tag: 'Count', n: 100, thread: 2 }, "the restarted worker's boot module recreated its resident actor");
  // A new watch on the restarted worker works.
  const fresh = await node.system.spawnAt(2, counterKind, { start: 0 }, { name: 'fresh' });
  watcher.tell({ _tag: 'Watch', target: fresh as ActorRef<never> });
  await seen();
  fresh.tell({ _tag: 'Crash' });
  const main = await new Promise<Terminated>((resolve) => {
    const w = node.system.spawn(
      stateless<Terminated | { _tag: 'Go' }>((m, ctx) => {
        if (m._tag === 'Go') ctx.watch(target as ActorRef<never>);
        else resolve(m);
      }),
    );
    w.tell({ _tag: 'Go' });
  });
  t.equal(main.reason, 'unknown-actor', 'watching an actor of the dead incarnation says it is gone');
});

t.test('the registry is node-wide: register in one worker, look up from another, gone when it stops', async (t) => {
  const node = await AloftNode.start({ workers: 2, boot, log: () => undefined });
  t.teardown(() => node.stop());
  const c = await node.system.spawnAt(1, counterKind, { start: 42 }, { name: 'registered' });
  const key = serviceKey<CounterMsg>('the-counter');
  await node.system.registry.register(key, c);
  const probe = await node.system.spawnAt(2, counterKind, { start: 0 }, { name: 'probe' });
  const lookupIn2 = () =>
    probe.ask<{ found: ActorRef<CounterMsg> | null }>((replyTo) => ({ _tag: 'Lookup', name: 'the-counter', replyTo }), 5_000);
  const found = await eventually(async () => (await lookupIn2()).found ?? undefined, 5_000, 'worker 2 sees the entry');
  t.ok(found.equals(c as ActorRef<never>), 'worker 2 found the actor registered from main, living in worker 1');
  t.equal((await get(found)).n, 42, 'and can ask it');
  c.tell({ _tag: 'Stop' });
  await eventually(async () => ((await lookupIn2()).found === null ? true : undefined), 5_000, 'entry removed in worker 2');
  t.equal(node.system.registry.lookup(key), undefined, 'and in main');
});
