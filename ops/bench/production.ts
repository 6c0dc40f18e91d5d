/**
 * Production mode against the embedded modes, in one run (`npm run bench -- production`; needs
 * the servers of `npm run backends -- up` in the environment):
 * - HTTP commands/s and p99 through three members on the production backends (CQL journal,
 *   Kafka publisher, Bolt graph with `--checks graph`), beside the same three members on the
 *   embedded cluster's LMDB journal member, beside one standalone node; the same closed-loop
 *   client round-robin over the members;
 * - the publisher's and the graph projection's lag behind the journal at that load (sampled from
 *   the members' /cluster/backends every 250 ms);
 * - check-query p50/p99 with `--checks graph` (one rotation's continuity, with read-your-writes
 *   off) while the load runs;
 * - failover: kill -9 of a member to the first successful command on an aggregate it hosted.
 * The CQL server, the broker and the graph server share the two cores with the members and the
 * client, so the production figures measure this machine, not ScyllaDB.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { shardOf } from '../../src/cluster/index.ts';
import { freePort } from '../chaos/net.ts';
import type { NodeProcess } from '../chaos/node-process.ts';
import { nodeFlags, prepare, productionFromEnv, runName, type ProductionBackends } from '../chaos/production.ts';
import { Recorder } from '../load/report.ts';
import type { Row, Suite } from './harness.ts';
import { AIRPORTS, commandLoad, createAirports, memberArgs, serviceNode, settled, standaloneCommands, stopAll } from './sharding.ts';

interface Cluster {
  readonly nodes: NodeProcess[];
  readonly clusterPorts: number[];
  readonly dir: string;
}

/** Three members; `extra` puts them on the production backends, or (empty) the first holds the LMDB journal. */
async function threeMembers(extra: readonly string[], production: boolean): Promise<Cluster> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'aloft-bench-prod-'));
  const clusterPorts = [await freePort(), await freePort(), await freePort()];
  const seeds = clusterPorts
    .slice(0, 2)
    .map((p) => `127.0.0.1:${p}`)
    .join(',');
  const nodes: NodeProcess[] = [];
  for (let i = 0; i < 3; i++) {
    const admin = await freePort();
    const roles = production ? [] : ['--roles', i === 0 ? 'journal,shards' : 'shards'];
    nodes.push(await serviceNode(dir, `m${i}`, [...memberArgs(clusterPorts[i] as number, seeds, admin), ...roles, ...extra], admin));
  }
  nodes[0]?.start();
  await nodes[0]?.ready(120_000);
  nodes[1]?.start();
  nodes[2]?.start();
  await Promise.all(nodes.map((n) => n.ready(120_000)));
  await settled(nodes, 3);
  return { nodes, clusterPorts, dir };
}

interface BackendsBody {
  readonly backends: ReadonlyArray<{ readonly name: string; readonly state: string; readonly lag?: number }>;
}

/** Samples the largest publisher and graph lag any member reports, until `stop()`. */
function lagSampler(nodes: readonly NodeProcess[]): { stop(): { publisher: number[]; graph: number[] } } {
  const publisher: number[] = [];
  const graph: number[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const views = await Promise.all(nodes.map((n) => n.admin<BackendsBody>('/cluster/backends').catch(() => undefined)));
      const lag = (name: string) =>
        Math.max(
          -1,
          ...views.flatMap((v) => v?.backends.filter((b) => b.name === name && b.lag !== undefined).map((b) => b.lag as number) ?? []),
        );
      const p = lag('publisher');
      const g = lag('graph');
      if (p >= 0) publisher.push(p);
      if (g >= 0) graph.push(g);
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  return {
    stop: () => {
      running = false;
      void loop;
      return { publisher, graph };
    },
  };
}

const mean = (xs: readonly number[]) => (xs.length === 0 ? Number.NaN : xs.reduce((a, b) => a + b, 0) / xs.length);

/** Queries one rotation's continuity check in a closed loop of 4 until the deadline. */
async function checkQueries(urls: readonly string[], ms: number, rec: Recorder): Promise<void> {
  const deadline = performance.now() + ms;
  let turn = 0;
  const client = async () => {
    while (performance.now() < deadline) {
      const url = urls[turn++ % urls.length] as string;
      const started = performance.now();
      const status = await fetch(`${url}/api/checks/continuity?limit=20`, { signal: AbortSignal.timeout(10_000) }).then(
        (r) => r.text().then(() => r.status),
        () => 0,
      );
      if (status === 200) rec.record((performance.now() - started) * 1000);
      else rec.error(String(status));
    }
  };
  await Promise.all([client(), client(), client(), client()]);
}

async function failover(c: Cluster, log: (l: string) => void): Promise<number> {
  const full = await c.nodes[0]?.admin<{ shards?: ReadonlyArray<{ owner: string | null }> }>('/cluster/shards');
  const victimAddress = `127.0.0.1:${c.clusterPorts[2]}`;
  const hosted = AIRPORTS.find((code) => full?.shards?.[shardOf(`airports/${code}`, 1024)]?.owner?.startsWith(`${victimAddress}#`));
  if (hosted === undefined) throw new Error('no airport hosted by the victim');
  const killedAt = performance.now();
  c.nodes[2]?.signal('SIGKILL');
  for (let i = 0; i < 2_000 && performance.now() - killedAt < 60_000; i++) {
    const status = await fetch(`${c.nodes[0]?.url}/api/airports/${hosted}`, {
      method: 'PUT',
      body: JSON.stringify({ minGroundTimeMinutes: 33 }),
      headers: { 'content-type': 'application/json' },
      signal: AbortSignal.timeout(2_000),
    }).then(
      (r) => r.text().then(() => r.status),
      () => 0,
    );
    if (status >= 200 && status < 300) {
      const s = (performance.now() - killedAt) / 1000;
      log(`  first successful command on ${hosted} ${s.toFixed(2)} s after the kill`);
      return s;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  return Number.NaN;
}

const suite: Suite = {
  name: 'production',
  description:
    'HTTP commands through 3 members on the CQL journal + Kafka + Bolt graph vs the LMDB journal member vs 1 node; publisher and graph lag; graph check p99; failover',
  async run({ scale, log }) {
    const rows: Row[] = [];
    let production: ProductionBackends;
    try {
      production = productionFromEnv(new Set(['journal', 'bus', 'graph'] as const), runName(7));
    } catch (e) {
      log(`production: ${(e as Error).message}; nothing measured`);
      return rows;
    }
    const ms = Math.max(5_000, Math.round(20_000 * scale));
    const concurrency = 64;

    log('HTTP commands: one standalone node (LMDB)');
    const { perSecond: perAlone, recorder: recAlone } = await standaloneCommands(concurrency, ms, log);

    log('HTTP commands: 3 members, the first holding the LMDB journal');
    const lmdb = await threeMembers([], false);
    let perLmdb = Number.NaN;
    try {
      await createAirports(lmdb.nodes[0]?.url as string);
      const rec = new Recorder();
      const sec = await commandLoad(
        lmdb.nodes.map((n) => n.url),
        concurrency,
        ms,
        rec,
      );
      perLmdb = rec.ok / sec;
      log(`  ${Math.round(perLmdb)} commands/s, p99 ${rec.percentileMs(99).toFixed(1)} ms (${rec.errors} errors)`);
      rows.push({
        name: 'HTTP commands, 3 members on the LMDB journal member',
        value: perLmdb,
        unit: 'cmd/s',
        baseline: { name: '1 standalone node', value: perAlone },
      });
      rows.push({
        name: 'HTTP commands p99, 3 members on the LMDB journal member',
        value: rec.percentileMs(99),
        unit: 'ms',
        baseline: { name: '1 standalone node', value: recAlone.percentileMs(99) },
      });
    } finally {
      await stopAll(lmdb);
    }

    log(`HTTP commands: 3 members on the production backends (${nodeFlags(production).join(' ')} --checks graph)`);
    await prepare(production);
    const prod = await threeMembers([...nodeFlags(production), '--checks', 'graph'], true);
    try {
      await createAirports(prod.nodes[0]?.url as string);
      const rec = new Recorder();
      const checks = new Recorder();
      const sampler = lagSampler(prod.nodes);
      const [seconds] = await Promise.all([
        commandLoad(
          prod.nodes.map((n) => n.url),
          concurrency,
          ms,
          rec,
        ),
        checkQueries(
          prod.nodes.map((n) => n.url),
          ms,
          checks,
        ),
      ]);
      const lags = sampler.stop();
      const per = rec.ok / seconds;
      log(
        `  ${Math.round(per)} commands/s, p99 ${rec.percentileMs(99).toFixed(1)} ms (${rec.errors} errors); checks p99 ${checks.percentileMs(99).toFixed(1)} ms`,
      );
      rows.push({
        name: 'HTTP commands, 3 members on CQL + Kafka + Bolt',
        value: per,
        unit: 'cmd/s',
        baseline: { name: '3 members on the LMDB journal member', value: perLmdb },
      });
      rows.push({
        name: 'HTTP commands p99, 3 members on CQL + Kafka + Bolt',
        value: rec.percentileMs(99),
        unit: 'ms',
        baseline: { name: '1 standalone node', value: recAlone.percentileMs(99) },
      });
      rows.push({
        name: 'publisher lag behind the journal at that load, mean (max)',
        value: mean(lags.publisher),
        unit: `events (max ${Math.max(0, ...lags.publisher)})`,
      });
      rows.push({
        name: 'graph projection lag at that load, mean (max)',
        value: mean(lags.graph),
        unit: `events (max ${Math.max(0, ...lags.graph)})`,
      });
      rows.push({ name: 'check query p50, --checks graph, under the write load', value: checks.percentileMs(50), unit: 'ms' });
      rows.push({ name: 'check query p99, --checks graph, under the write load', value: checks.percentileMs(99), unit: 'ms' });
      log('failover: kill -9 of a member of the production cluster');
      const s = await failover(prod, log);
      rows.push({ name: 'failover (production): kill -9 to first command on a hosted aggregate', value: s, unit: 's' });
    } finally {
      await stopAll(prod);
    }
    return rows;
  },
};

export default suite;
