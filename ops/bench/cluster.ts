/**
 * Cluster benchmarks (issue 7), every figure between real processes on loopback:
 * - remote tell throughput: this process (node A) tells a sink on node B (a child process);
 *   baseline: the same msgpackr frames pushed through a raw socket to the same child;
 * - remote ask latency p50/p99 and sequential asks/s; baseline: a raw one-frame ping-pong;
 * - convergence of 3 nodes started together, and time to detect a kill -9 and to down it,
 *   with the default timings (heartbeat 1 s, phi 8, acceptable pause 3 s, stable-after 7 s).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import readline from 'node:readline';
import { Packr } from 'msgpackr';
import { ActorSystem } from '../../src/actors/index.ts';
import { bindCluster, parseClusterConfig, type ClusterNode } from '../../src/cluster/index.ts';
import { roundTrips, type Row, type Suite } from './harness.ts';
import { freePort, until } from '../lib/loopback.ts';
import type { EchoMsg, SinkMsg } from './_cluster-node.ts';

const SECRET = 'bench-secret-0123456789';
const script = new URL('./_cluster-node.ts', import.meta.url).pathname;

interface Proc {
  readonly child: ChildProcess;
  readonly lines: Array<Record<string, unknown>>;
  readonly startedAt: number;
}

function startNode(args: string[]): Proc {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, NODE_OPTIONS: '' } });
  const lines: Array<Record<string, unknown>> = [];
  readline.createInterface({ input: child.stdout! }).on('line', (l) => {
    try {
      lines.push(JSON.parse(l) as Record<string, unknown>);
    } catch {
      // not ours
    }
  });
  return { child, lines, startedAt: Date.now() };
}

const tick = () => new Promise<void>((r) => setImmediate(r));

async function remoteTell(system: ActorSystem, node: string, n: number): Promise<number> {
  const sink = system.ref<SinkMsg>({ node, thread: 0, path: 'sink' });
  const done = sink.ask<number>((replyTo) => ({ _tag: 'Expect', n, replyTo }), 300_000);
  const t0 = performance.now();
  // Chunks with a turn of the event loop between them, as a producer actor's turns would be.
  for (let i = 0; i < n; ) {
    const end = Math.min(n, i + 50_000);
    for (; i < end; i++) sink.tell({ _tag: 'Inc', i });
    await tick();
  }
  await done;
  return n / ((performance.now() - t0) / 1000);
}

async function rawTell(port: number, node: string, n: number): Promise<number> {
  const socket = net.connect({ host: '127.0.0.1', port });
  socket.setNoDelay(true);
  await new Promise<void>((r) => socket.once('connect', () => r()));
  const packr = new Packr({ useRecords: true });
  const header = Buffer.alloc(9);
  header.writeUInt32BE(5, 0);
  header[4] = 0x01;
  header.writeUInt32BE(n, 5);
  socket.write(header);
  const done = new Promise<void>((r) => socket.once('data', () => r()));
  const t0 = performance.now();
  for (let i = 0; i < n; ) {
    const end = Math.min(n, i + 50_000);
    socket.cork();
    while (i < end) {
      const entries: unknown[] = [];
      const stop = Math.min(end, i + 4096);
      for (; i < stop; i++) entries.push(0, { _tag: 'Inc', i }, null);
      const payload = packr.pack([node, 0, ['sink'], entries]);
      const f = Buffer.allocUnsafe(5 + payload.length);
      f.writeUInt32BE(payload.length + 1, 0);
      f[4] = 0x10;
      f.set(payload, 5);
      socket.write(f);
    }
    socket.uncork();
    await tick();
  }
  await done;
  const rate = n / ((performance.now() - t0) / 1000);
  socket.destroy();
  return rate;
}

async function rawPingPong(port: number): Promise<() => Promise<void>> {
  const socket = net.connect({ host: '127.0.0.1', port });
  socket.setNoDelay(true);
  await new Promise<void>((r) => socket.once('connect', () => r()));
  const ping = Buffer.from([0, 0, 0, 1, 0x7f]);
  return () =>
    new Promise<void>((resolve) => {
      socket.once('data', () => resolve());
      socket.write(ping);
    });
}

const suite: Suite = {
  name: 'cluster',
  description: 'remote tell throughput and ask latency between two node processes on loopback; convergence and kill -9 detection/downing with default timings',
  async run({ scale, log }): Promise<Row[]> {
    const rows: Row[] = [];
    const children: ChildProcess[] = [];
    let a: ClusterNode | undefined;
    let system: ActorSystem | undefined;
    try {
      // ---- two nodes: this process and a child
      const { config } = parseClusterConfig(['--cluster-name', 'bench', '--cluster-port', '0', '--secret', SECRET, '--heartbeat-ms', '200', '--gossip-ms', '200']);
      if (!config) throw new Error('no config');
      const bound = await bindCluster(config, { log: () => undefined });
      system = new ActorSystem({ node: bound.nodeId, log: () => undefined });
      a = await bound.start({ system });
      const rawPort = await freePort();
      const b = startNode(['--cluster-name', 'bench', '--cluster-port', '0', '--secret', SECRET, '--heartbeat-ms', '200', '--gossip-ms', '200', '--seeds', bound.nodeId.split('#')[0] as string, '--raw-port', String(rawPort)]);
      children.push(b.child);
      const bNode = await until(() => b.lines.find((l) => l.event === 'ready')?.node as string | undefined, 20_000, 'node B ready');
      await until(() => a?.view().members.filter((m) => m.status === 'up').length === 2, 20_000, 'B joined');

      const n = Math.max(10_000, Math.round(2_000_000 * scale));
      await remoteTell(system, bNode, Math.round(n / 5)); // warm-up
      await rawTell(rawPort, bNode, Math.round(n / 5));
      const raw = await rawTell(rawPort, bNode, n);
      const tell = await remoteTell(system, bNode, n);
      log(`remote tell: ${Math.round(tell)} msg/s (raw socket, same frames: ${Math.round(raw)} msg/s)`);
      rows.push({ name: 'remote tell, 2 processes, loopback', value: tell, unit: 'msg/s', baseline: { name: 'raw socket, same msgpackr frames', value: raw }, target: '>= 500,000 msg/s', met: tell >= 500_000 });

      const echo = system.ref<EchoMsg>({ node: bNode, thread: 0, path: 'echo' });
      const asks = Math.max(2_000, Math.round(20_000 * scale));
      const ping = await rawPingPong(rawPort);
      const rawL = await roundTrips(ping, asks, 2_000);
      const askL = await roundTrips(() => echo.ask<string>((replyTo) => ({ _tag: 'Ping', replyTo }), 5_000), asks, 2_000);
      log(`remote ask: p50 ${askL.p50.toFixed(1)} µs, p99 ${askL.p99.toFixed(1)} µs, ${Math.round(askL.rate)} asks/s (raw ping-pong p50 ${rawL.p50.toFixed(1)} µs)`);
      rows.push({ name: 'remote ask p50', value: askL.p50, unit: 'µs', baseline: { name: 'raw socket ping-pong p50', value: rawL.p50 }, target: '<= 50 µs', met: askL.p50 <= 50 });
      rows.push({ name: 'remote ask p99', value: askL.p99, unit: 'µs', baseline: { name: 'raw socket ping-pong p99', value: rawL.p99 } });
      rows.push({ name: 'remote ask, sequential', value: askL.rate, unit: 'asks/s', baseline: { name: 'raw socket ping-pong', value: rawL.rate } });
      b.child.kill('SIGKILL');
      await a.stop();
      system.shutdown();
      a = undefined;

      // ---- three nodes started together, default timings
      const ports = [await freePort(), await freePort(), await freePort()];
      const seeds = ports.map((p) => `127.0.0.1:${p}`).join(',');
      const spawnedAt = Date.now();
      const three = ports.map((p) => startNode(['--cluster-name', 'bench3', '--cluster-port', String(p), '--seeds', seeds, '--secret', SECRET]));
      children.push(...three.map((x) => x.child));
      const ids = await Promise.all(three.map((x) => until(() => x.lines.find((l) => l.event === 'ready')?.node as string | undefined, 30_000, 'ready')));
      const lastReady = Math.max(...three.map((x) => x.lines.find((l) => l.event === 'ready')?.t as number));
      const allUp = await until(() => {
        const times = three.map((x) => {
          const ups = x.lines.filter((l) => l.event === 'cluster' && l.tag === 'MemberUp');
          return ups.length >= 3 ? Math.max(...ups.map((l) => l.t as number)) : undefined;
        });
        return times.every((v) => v !== undefined) ? Math.max(...(times as number[])) : undefined;
      }, 30_000, 'three nodes up everywhere');
      log(`convergence: ${allUp - lastReady} ms after the last node was listening (${allUp - spawnedAt} ms from spawning the processes)`);
      rows.push({ name: '3 nodes started together: all up everywhere', value: allUp - lastReady, unit: 'ms', baseline: { name: 'from process spawn', value: allUp - spawnedAt } });

      const victim = three[2] as Proc;
      const killedAt = Date.now();
      victim.child.kill('SIGKILL');
      const seen = (tag: string) => () => {
        const ts = three.slice(0, 2).map((x) => x.lines.find((l) => l.event === 'cluster' && l.tag === tag && l.node === ids[2])?.t as number | undefined);
        return ts.every((v) => v !== undefined) ? Math.max(...(ts as number[])) : undefined;
      };
      const unreachableAt = await until(seen('UnreachableMember'), 30_000, 'unreachable');
      const downAt = await until(seen('MemberDowned'), 60_000, 'downed');
      log(`kill -9: unreachable after ${unreachableAt - killedAt} ms, down after ${downAt - killedAt} ms`);
      rows.push({ name: 'kill -9 -> unreachable (defaults)', value: unreachableAt - killedAt, unit: 'ms' });
      rows.push({ name: 'kill -9 -> down (defaults, stable-after 7 s)', value: downAt - killedAt, unit: 'ms' });
    } finally {
      for (const c of children) c.kill('SIGKILL');
      await a?.stop();
      system?.shutdown();
    }
    return rows;
  },
};

export default suite;
