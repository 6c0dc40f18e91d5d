/**
 * Sharding benchmarks (issue 8), between real processes on loopback, with the default cluster
 * timings unless a row says otherwise:
 * - sharded entity asks/s: three bench nodes (ops/bench/_shard-node.ts) each drive asks through
 *   their shard region to random counter entities, two thirds of which live on another node;
 *   baseline: one node alone, every ask local, in the same run;
 * - sharded commands over HTTP: the service with a journal node and three shard nodes, commands
 *   round-robin over all four; baseline: one standalone node, same client, same run (same total
 *   CPU on this machine, so the figure is the cost of the hop, not a speed-up);
 * - join under load: from starting a fourth shard node to its share of shards active everywhere,
 *   and the slowest command meanwhile;
 * - failover: kill -9 of one shard node of three, to the first successful command on an
 *   aggregate it hosted (target <= 5 s with default settings).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { Pool } from 'undici';
import { shardOf } from '../../src/cluster/index.ts';
import { freePort, until } from '../chaos/net.ts';
import { NodeProcess } from '../chaos/node-process.ts';
import { Recorder } from '../load/report.ts';
import type { Row, Suite } from './harness.ts';

export const SECRET = 'bench-secret-0123456789';
export const TOKEN = 'bench-admin-token';
const script = new URL('./_shard-node.ts', import.meta.url).pathname;

// ---------------------------------------------------------------- entity asks (actor level)

class BenchNode {
  private readonly waiting = new Map<number, (l: Record<string, unknown>) => void>();
  private nextId = 1;
  readonly child: ChildProcess;
  readonly ready: Promise<void>;

  constructor(args: string[]) {
    this.child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, NODE_OPTIONS: '' } });
    let ready!: () => void;
    this.ready = new Promise((r) => (ready = r));
    readline.createInterface({ input: this.child.stdout! }).on('line', (text) => {
      const l = JSON.parse(text) as Record<string, unknown>;
      if (l.event === 'ready') ready();
      if (typeof l.id === 'number') this.waiting.get(l.id)?.(l);
    });
  }

  cmd(cmd: string, args: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.child.stdin!.write(`${JSON.stringify({ id, cmd, ...args })}\n`);
    });
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }
}

export async function entityAsks(ms: number, log: (l: string) => void): Promise<{ three: number; one: number; failed: number }> {
  const drive = { ms, concurrency: 256, entities: 20_000 };
  const alone = new BenchNode(['--alone']);
  await alone.ready;
  const single = await alone.cmd('drive', drive);
  alone.kill();
  const one = (single.asks as number) / (single.seconds as number);
  log(`  1 node: ${Math.round(one).toLocaleString('en-US')} asks/s`);

  const ports = [await freePort(), await freePort(), await freePort()];
  const seeds = ports.map((p) => `127.0.0.1:${p}`).join(',');
  const nodes = ports.map((p) => new BenchNode(['--cluster-name', 'bench', '--cluster-port', String(p), '--seeds', seeds, '--secret', SECRET, '--heartbeat-ms', '200', '--gossip-ms', '200', '--seed-timeout-ms', '1000']));
  try {
    await Promise.all(nodes.map((n) => n.ready));
    await until(async () => {
      const counts = await Promise.all(nodes.map((n) => n.cmd('shards')));
      const c = counts.map((x) => x.shards as { active: number; waiting: number });
      return c.every((x) => x.active >= 341 && x.waiting === 0);
    }, 60_000, 'three nodes sharing the shards');
    const results = await Promise.all(nodes.map((n) => n.cmd('drive', drive)));
    const three = results.reduce((sum, r) => sum + (r.asks as number) / (r.seconds as number), 0);
    const failed = results.reduce((sum, r) => sum + (r.failed as number), 0);
    log(`  3 nodes: ${Math.round(three).toLocaleString('en-US')} asks/s (${failed} failed)`);
    return { three, one, failed };
  } finally {
    for (const n of nodes) n.kill();
  }
}

// ---------------------------------------------------------------- the service

interface Cluster {
  readonly nodes: NodeProcess[];
  readonly clusterPorts: number[];
  readonly dir: string;
}

export async function serviceNode(dir: string, name: string, extra: string[], admin?: number): Promise<NodeProcess> {
  return new NodeProcess({ name, httpPort: await freePort(), dataDir: path.join(dir, name), logDir: path.join(dir, 'logs'), extraArgs: extra, ...(admin !== undefined ? { admin: { port: admin, token: TOKEN } } : {}) });
}

/** A journal node and `shardNodes` shard nodes (plus `spares` not started), default cluster timings. */
async function serviceCluster(shardNodes: number, spares: number): Promise<Cluster> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'aloft-bench-shard-'));
  const n = 1 + shardNodes + spares;
  const clusterPorts: number[] = [];
  for (let i = 0; i < n; i++) clusterPorts.push(await freePort());
  const seeds = clusterPorts.slice(0, 2).map((p) => `127.0.0.1:${p}`).join(',');
  const nodes: NodeProcess[] = [];
  for (let i = 0; i < n; i++) {
    const admin = await freePort();
    const args = ['--cluster-name', 'bench', '--cluster-port', String(clusterPorts[i]), '--seeds', seeds, '--secret', SECRET, '--admin-port', String(admin), '--admin-token', TOKEN, ...(i === 0 ? ['--roles', 'journal'] : [])];
    nodes.push(await serviceNode(dir, i === 0 ? 'journal' : `shard${i}`, args, admin));
  }
  nodes[0]?.start();
  await nodes[0]?.ready(60_000);
  for (let i = 1; i <= shardNodes; i++) nodes[i]?.start();
  await Promise.all(nodes.slice(0, 1 + shardNodes).map((x) => x.ready(60_000)));
  await settled(nodes.slice(0, 1 + shardNodes), shardNodes);
  return { nodes, clusterPorts, dir };
}

interface ShardTable {
  readonly owners: Record<string, number>;
  readonly here: { readonly active: number; readonly waiting: number; readonly releasing: number };
  readonly shards?: ReadonlyArray<{ readonly shard: number; readonly owner: string | null }>;
}

export async function settled(nodes: readonly NodeProcess[], hosts: number): Promise<void> {
  await until(async () => {
    const views = await Promise.all(nodes.map((n) => n.admin<ShardTable>('/cluster/shards?brief=1').catch(() => undefined)));
    return views.every((v) => v !== undefined && Object.keys(v.owners).length === hosts && v.here.waiting === 0 && v.here.releasing === 0);
  }, 90_000, `${hosts} shard hosts in every table`);
}

export const AIRPORTS = Array.from({ length: 300 }, (_, i) => `A${String.fromCharCode(65 + Math.floor(i / 26) % 26)}${String.fromCharCode(65 + (i % 26))}`);

export async function createAirports(url: string): Promise<void> {
  const pool = new Pool(url, { connections: 8 });
  await Promise.all(AIRPORTS.map((code) => pool.request({ method: 'POST', path: '/api/airports', body: JSON.stringify({ code, minGroundTimeMinutes: 30 }), headers: { 'content-type': 'application/json' } }).then((r) => r.body.dump())));
  await pool.close();
}

/** A closed loop of `concurrency` clients sending one-event commands round-robin over `urls`. */
export async function commandLoad(urls: readonly string[], concurrency: number, ms: number, rec: Recorder): Promise<number> {
  const pools = urls.map((u) => new Pool(u, { connections: Math.ceil(concurrency / urls.length) + 1 }));
  let turn = 0;
  const t0 = performance.now();
  const until0 = t0 + ms;
  const client = async () => {
    while (performance.now() < until0) {
      const pool = pools[turn++ % pools.length] as Pool;
      const code = AIRPORTS[Math.floor(Math.random() * AIRPORTS.length)] as string;
      const started = performance.now();
      try {
        const res = await pool.request({ method: 'PUT', path: `/api/airports/${code}`, body: JSON.stringify({ minGroundTimeMinutes: 20 + Math.floor(Math.random() * 40) }), headers: { 'content-type': 'application/json' }, headersTimeout: 10_000, bodyTimeout: 10_000 });
        await res.body.dump();
        if (res.statusCode < 300) rec.record((performance.now() - started) * 1000);
        else rec.error(String(res.statusCode));
      } catch (error) {
        rec.error((error as { code?: string }).code ?? 'error');
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, client));
  const seconds = (performance.now() - t0) / 1000;
  await Promise.all(pools.map((p) => p.close()));
  return seconds;
}

/** The baseline of the cluster rows: one standalone node on the embedded defaults under the same closed loop. */
export async function standaloneCommands(concurrency: number, ms: number, log: (l: string) => void): Promise<{ perSecond: number; recorder: Recorder }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'aloft-bench-alone-'));
  const alone = await serviceNode(dir, 'alone', []);
  alone.start();
  await alone.ready(60_000);
  await createAirports(alone.url);
  const recorder = new Recorder();
  const seconds = await commandLoad([alone.url], concurrency, ms, recorder);
  await stopAll({ nodes: [alone], dir });
  const perSecond = recorder.ok / seconds;
  log(`  ${Math.round(perSecond)} commands/s, p99 ${recorder.percentileMs(99).toFixed(1)} ms`);
  return { perSecond, recorder };
}

export async function stopAll(c: { nodes: NodeProcess[]; dir: string }): Promise<void> {
  await Promise.all(c.nodes.map((n) => n.stop(15_000)));
  rmSync(c.dir, { recursive: true, force: true });
}

const suite: Suite = {
  name: 'sharding',
  description: 'sharded entity asks across 3 nodes, sharded HTTP commands 3 nodes vs 1, join under load, kill -9 failover',
  async run({ scale, log }) {
    const rows: Row[] = [];
    const ms = Math.max(2_000, Math.round(8_000 * scale));

    log('entity asks through the shard region');
    const asks = await entityAsks(ms, log);
    rows.push({ name: 'sharded entity asks, 3 nodes (2/3 remote)', value: asks.three, unit: 'asks/s', baseline: { name: '1 node, all local', value: asks.one }, target: '>= 50,000', met: asks.three >= 50_000 });

    log('HTTP commands: one standalone node');
    const { perSecond: perAlone, recorder: recAlone } = await standaloneCommands(64, ms, log);

    log('HTTP commands: journal node + 3 shard nodes, round-robin over all four');
    const c = await serviceCluster(3, 1);
    try {
      await createAirports(c.nodes[0]?.url as string);
      const urls = c.nodes.slice(0, 4).map((n) => n.url);
      const rec = new Recorder();
      const sec = await commandLoad(urls, 64, ms, rec);
      const per = rec.ok / sec;
      log(`  ${Math.round(per)} commands/s, p99 ${rec.percentileMs(99).toFixed(1)} ms (${rec.errors} errors)`);
      rows.push({ name: 'sharded HTTP commands, 3 shard nodes + journal node', value: per, unit: 'cmd/s', baseline: { name: '1 standalone node', value: perAlone } });
      rows.push({ name: 'sharded HTTP commands p99', value: rec.percentileMs(99), unit: 'ms', baseline: { name: '1 standalone node', value: recAlone.percentileMs(99) } });

      log('join under load: a fourth shard node');
      const joinRec = new Recorder();
      const load = commandLoad(urls, 32, ms + 20_000, joinRec);
      await new Promise((r) => setTimeout(r, 2_000));
      const t0 = performance.now();
      const d = c.nodes[4] as NodeProcess;
      d.start();
      await d.ready(60_000);
      await settled(c.nodes.slice(0, 5), 4);
      const joinS = (performance.now() - t0) / 1000;
      await load;
      log(`  joined and took its share in ${joinS.toFixed(1)} s; slowest command meanwhile ${joinRec.maxMs.toFixed(0)} ms, ${joinRec.errors} not acknowledged of ${joinRec.ok + joinRec.errors}`);
      rows.push({ name: 'join under load: start to share taken everywhere', value: joinS, unit: 's' });
      rows.push({ name: 'join under load: slowest command', value: joinRec.maxMs, unit: 'ms' });
      rows.push({ name: 'join under load: commands refused (retriable 503)', value: joinRec.errors, unit: 'commands' });

      log('rolling restart under load: each shard node in turn, SIGTERM (drain and leave) then start again');
      const rollRec = new Recorder();
      let rolling = true;
      const rollLoad = (async () => {
        while (rolling) await commandLoad(urls, 32, 2_000, rollRec);
      })();
      const r0 = performance.now();
      for (const n of c.nodes.slice(1, 5)) {
        await n.stop(30_000);
        n.start();
        await n.ready(60_000);
        await settled(c.nodes.slice(0, 5), 4);
      }
      const rollS = (performance.now() - r0) / 1000;
      rolling = false;
      await rollLoad;
      // Requests sent to the node while it is down fail to connect (a balancer would skip it);
      // what counts is what the running nodes answered.
      const answered = [...rollRec.errorKinds].filter(([k]) => /^\d+$/.test(k)).reduce((sum, [, n]) => sum + n, 0);
      log(`  4 nodes restarted in ${rollS.toFixed(1)} s; slowest command ${rollRec.maxMs.toFixed(0)} ms, p99 ${rollRec.percentileMs(99).toFixed(0)} ms; ${answered} answered 503/504 and ${rollRec.errors - answered} could not connect, of ${rollRec.ok + rollRec.errors}`);
      rows.push({ name: 'rolling restart of 4 shard nodes: slowest command', value: rollRec.maxMs, unit: 'ms' });
      rows.push({ name: 'rolling restart: commands answered 503/504 (not applied / unknown)', value: answered, unit: 'commands', baseline: { name: 'acknowledged', value: rollRec.ok } });

      log('failover: kill -9 of a shard node (default timings)');
      const full = await c.nodes[0]?.admin<ShardTable>('/cluster/shards');
      const victim = c.nodes[2] as NodeProcess;
      const victimAddress = `127.0.0.1:${c.clusterPorts[2]}`;
      const hosted = AIRPORTS.find((code) => full?.shards?.[shardOf(`airports/${code}`, 1024)]?.owner?.startsWith(`${victimAddress}#`));
      if (hosted === undefined) throw new Error('no airport hosted by the victim');
      // A client retrying as a real one would: a request in flight to the node when it died
      // never gets an answer (its outcome is unknown), so each try gives up after 1 s.
      const killedAt = performance.now();
      victim.signal('SIGKILL');
      let firstOk = Number.NaN;
      for (let i = 0; i < 1_000 && performance.now() - killedAt < 30_000; i++) {
        const status = await fetch(`${c.nodes[0]?.url}/api/airports/${hosted}`, { method: 'PUT', body: JSON.stringify({ minGroundTimeMinutes: 33 }), headers: { 'content-type': 'application/json' }, signal: AbortSignal.timeout(1_000) }).then(
          (r) => r.text().then(() => r.status),
          () => 0,
        );
        if (status >= 200 && status < 300) {
          firstOk = (performance.now() - killedAt) / 1000;
          break;
        }
        await new Promise((r) => setTimeout(r, 25));
      }
      log(`  first successful command on ${hosted} ${firstOk.toFixed(2)} s after the kill`);
      rows.push({ name: 'failover: kill -9 to first command on a hosted aggregate', value: firstOk, unit: 's', target: '<= 5 s', met: firstOk <= 5 });
    } finally {
      await stopAll(c);
    }
    return rows;
  },
};

export default suite;
