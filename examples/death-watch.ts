/**
 * Death watch across threads: an actor on the main thread watches actors that live in two
 * worker threads of the same node, and is told `Terminated` with the reason when each goes:
 * one stops itself (`stopped`), the other's whole thread dies (`thread-down`). The node then
 * restarts the dead worker, whose boot module starts a fresh `sensor` there.
 *
 * `ctx.watch(ref)` works the same for an actor in this thread, another worker, or (clustered)
 * another node. A watch is set up asynchronously: had the target already stopped when the request
 * reached it, the watcher would still be told, with reason `unknown-actor`.
 *
 *   npm run example examples/death-watch.ts
 */
import { AloftNode, stateless, type ActorRef, type AnyRef, type Terminated } from 'aloft';
import type { SensorMsg } from './death-watch-boot.ts';

const node = await AloftNode.start({
  workers: 2,
  boot: new URL('./death-watch-boot.ts', import.meta.url),
  log: (level, line) => level !== 'debug' && console.log(`  [${level}] ${line}`),
});
console.log(`node started: threads ${node.threads.join(', ')}`);

// The watcher hands every Terminated to the main program through a queue of waiters. It answers
// Watch once it has sent its watch request: whatever this thread sends the target after that
// arrives behind the request (one ordered link per pair of threads).
type WatcherMsg = { readonly _tag: 'Watch'; readonly ref: AnyRef; readonly replyTo: ActorRef<'watching'> } | Terminated;
const waiting: ((t: Terminated) => void)[] = [];
const nextTerminated = () => new Promise<Terminated>((resolve) => waiting.push(resolve));
const watcher = node.system.spawn(
  stateless<WatcherMsg>((m, ctx) => {
    if (m._tag === 'Watch') {
      ctx.watch(m.ref);
      m.replyTo.tell('watching');
    } else waiting.shift()?.(m);
  }),
  { name: 'watcher' },
);

const sensor1 = node.refAt<SensorMsg>(1, 'sensor');
const sensor2 = node.refAt<SensorMsg>(2, 'sensor');
for (const sensor of [sensor1, sensor2]) {
  console.log(await sensor.ask<string>((replyTo) => ({ _tag: 'Read', replyTo }), 2_000));
  await watcher.ask<'watching'>((replyTo) => ({ _tag: 'Watch', ref: sensor as AnyRef, replyTo }), 2_000);
}

// 1. The sensor in worker 1 stops itself.
let terminated = nextTerminated();
sensor1.tell({ _tag: 'Stop' });
let t = await terminated;
console.log(`Terminated: ${t.ref.address.path} on thread ${t.ref.address.thread}, reason ${t.reason}`);

// 2. Worker 2 dies outright (as on an uncaught error): its actors are gone with it.
const restarted = new Promise<void>((resolve) => node.onWorkerEvent((e) => e._tag === 'WorkerRestarted' && resolve()));
terminated = nextTerminated();
await node.killWorker(2);
t = await terminated;
console.log(`Terminated: ${t.ref.address.path} on thread ${t.ref.address.thread}, reason ${t.reason}`);

// 3. The node restarts the worker; its boot module runs again and starts a new sensor.
await restarted;
console.log(`after the restart: ${await sensor2.ask<string>((replyTo) => ({ _tag: 'Read', replyTo }), 2_000)}`);

await node.stop();
