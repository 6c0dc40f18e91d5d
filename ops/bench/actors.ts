/**
 * Actor runtime benchmarks (issue 2): local tell against raw nact, ask latency local and across
 * workers, cross-worker tell throughput, spawn rate and memory per idle actor against raw nact.
 * Every baseline runs in the same process, just before or after the figure it is compared with.
 */
import nact from 'nact';
import v8 from 'node:v8';
import vm from 'node:vm';
import { ActorSystem, AloftNode, stateful, type ActorRef } from '../../src/actors/index.ts';
import { roundTrips, type Row, type Suite } from './harness.ts';
import { blasterKind, pongKind, sinkKind } from './_actors-boot.ts';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const quiet = () => undefined;

async function rawNactTell(n: number): Promise<number> {
  const sys = nact.start();
  let count = 0;
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  const a = nact.spawn(sys, (s: number) => {
    if (++count === n) done();
    return s;
  });
  const t0 = performance.now();
  for (let i = 0; i < n; i++) nact.dispatch(a, { _tag: 'Inc', i });
  await finished;
  const rate = n / ((performance.now() - t0) / 1000);
  nact.stop(sys);
  return rate;
}

async function aloftTell(n: number): Promise<number> {
  const sys = new ActorSystem({ mailboxCapacity: n + 1, log: quiet });
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  const a = sys.spawn(
    stateful<number, { _tag: 'Inc'; i: number }>({
      initial: 0,
      receive: (s) => {
        if (s + 1 === n) done();
        return s + 1;
      },
    }),
  );
  const t0 = performance.now();
  for (let i = 0; i < n; i++) a.tell({ _tag: 'Inc', i });
  await finished;
  const rate = n / ((performance.now() - t0) / 1000);
  sys.shutdown();
  return rate;
}

function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

async function spawnAndMemory(n: number): Promise<{ aloftRate: number; aloftBytes: number; nactRate: number; nactBytes: number }> {
  const receive = (s: null) => s;
  let before = heapAfterGc();
  const sys = nact.start();
  let t0 = performance.now();
  for (let i = 0; i < n; i++) nact.spawn(sys, receive, `a${i}`);
  const nactRate = n / ((performance.now() - t0) / 1000);
  const nactBytes = (heapAfterGc() - before) / n;
  nact.stop(sys);

  before = heapAfterGc();
  const aloft = new ActorSystem({ log: quiet });
  const behavior = stateful<null, { _tag: 'Noop' }>({ initial: null, receive });
  t0 = performance.now();
  for (let i = 0; i < n; i++) aloft.spawn(behavior);
  const aloftRate = n / ((performance.now() - t0) / 1000);
  const aloftBytes = (heapAfterGc() - before) / n;
  aloft.shutdown();
  return { aloftRate, aloftBytes, nactRate, nactBytes };
}

const suite: Suite = {
  name: 'actors',
  description: 'actor runtime: tell, ask, cross-worker, spawn, memory',
  async run({ scale, log }) {
    const rows: Row[] = [];
    const tellN = Math.round(2_000_000 * scale);
    log(`local tell, ${tellN} messages to one actor…`);
    // Alternate and keep the best of three of each: the first runs pay for JIT warm-up.
    let raw = 0;
    let ours = 0;
    for (let i = 0; i < 3; i++) {
      raw = Math.max(raw, await rawNactTell(tellN));
      ours = Math.max(ours, await aloftTell(tellN));
    }
    rows.push({
      name: 'local tell, 1 actor',
      value: ours,
      unit: 'msg/s',
      baseline: { name: 'raw nact', value: raw },
      target: '>= 90% of raw nact',
      met: ours >= 0.9 * raw,
    });

    const askN = Math.round(20_000 * scale);
    const local = new ActorSystem({ log: quiet });
    local.define(pongKind, () =>
      stateful({
        initial: null,
        receive: (_s: null, m: { _tag: 'Ping'; replyTo: ActorRef<{ _tag: 'Pong' }> }) => {
          m.replyTo.tell({ _tag: 'Pong' });
          return null;
        },
      }),
    );
    const localPong = await local.spawnAt(0, pongKind, null);
    log(`ask round trips, ${askN} sequential, local…`);
    const l = await roundTrips(() => localPong.ask((replyTo) => ({ _tag: 'Ping', replyTo }), 5_000), askN);
    local.shutdown();
    rows.push({ name: 'ask p50, local', value: l.p50, unit: 'µs' });
    rows.push({ name: 'ask p99, local', value: l.p99, unit: 'µs' });
    rows.push({ name: 'asks/s, local, sequential', value: l.rate, unit: 'asks/s' });

    const node = await AloftNode.start({
      workers: 2,
      boot: new URL('./_actors-boot.ts', import.meta.url),
      mailboxCapacity: 10_000_000,
      log: quiet,
    });
    try {
      const pong = await node.system.spawnAt(1, pongKind, null);
      log(`ask round trips, ${askN} sequential, main thread -> worker…`);
      const x = await roundTrips(() => pong.ask((replyTo) => ({ _tag: 'Ping', replyTo }), 5_000), askN);
      rows.push({ name: 'ask p50, across workers', value: x.p50, unit: 'µs' });
      rows.push({ name: 'ask p99, across workers', value: x.p99, unit: 'µs' });
      rows.push({ name: 'asks/s, across workers, sequential', value: x.rate, unit: 'asks/s' });

      const crossN = Math.round(2_000_000 * scale);
      const sink = await node.system.spawnAt(2, sinkKind, null);
      const blaster = await node.system.spawnAt(1, blasterKind, null);
      let best = 0;
      for (let round = 0; round < 3; round++) {
        log(`cross-worker tell, ${crossN} messages worker 1 -> worker 2 (round ${round + 1})…`);
        const t0 = performance.now();
        const done = await blaster.ask<{ _tag: 'Done'; n: number }>(
          (replyTo) => ({ _tag: 'Blast', to: sink, n: crossN, replyTo }),
          120_000,
        );
        if (done.n !== crossN) throw new Error(`sink counted ${done.n} of ${crossN}`);
        best = Math.max(best, crossN / ((performance.now() - t0) / 1000));
      }
      rows.push({
        name: 'cross-worker tell, worker 1 -> worker 2',
        value: best,
        unit: 'msg/s',
        target: '>= 1,000,000 msg/s',
        met: best >= 1_000_000,
      });
    } finally {
      await node.stop();
    }

    const spawnN = Math.round(1_000_000 * scale);
    log(`spawn ${spawnN} idle actors, nact then Aloft…`);
    const s = await spawnAndMemory(spawnN);
    rows.push({
      name: `spawn rate (${spawnN} actors)`,
      value: s.aloftRate,
      unit: 'actors/s',
      baseline: { name: 'raw nact', value: s.nactRate },
    });
    rows.push({
      name: `memory per idle actor (${spawnN} actors)`,
      value: s.aloftBytes,
      unit: 'bytes',
      baseline: { name: 'raw nact', value: s.nactBytes },
      target: '< 1024 bytes',
      met: s.aloftBytes < 1024,
    });
    return rows;
  },
};

export default suite;
