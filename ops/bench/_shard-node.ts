/**
 * A node process for the sharding benchmark: one actor system (no workers), a shard region and
 * an entity host of counters. Cluster flags as the real node takes them, or --alone for a node
 * that hosts every shard itself (the baseline). Commands on stdin as JSON lines:
 *   { cmd: 'shards' }                                  -> { shards: { active, waiting, releasing } }
 *   { cmd: 'drive', ms, concurrency, entities }        -> { asks, seconds, failed }
 * `drive` keeps `concurrency` asks in flight through the region to random entities for `ms`.
 */
import readline from 'node:readline';
import { defineCli } from '../../src/cli/args.ts';
import { ActorSystem, childSpec, stateful, type ActorRef } from '../../src/actors/index.ts';
import { bindCluster, clusterShardHosts, parseClusterConfig, shardHost, ShardRegion, standaloneHosts } from '../../src/cluster/index.ts';

export type CounterMsg = { readonly _tag: 'Inc'; readonly replyTo: ActorRef<number> };

const out = (o: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(o)}\n`);
// The cluster's flags first (they are taken out); what is left is this script's own.
const { config, rest } = parseClusterConfig(process.argv.slice(2), process.env);
const { alone } = defineCli({
  name: '_shard-node',
  usage: 'usage: node --import tsx ops/bench/_shard-node.ts --alone | --cluster-name NAME …',
  flags: { alone: { type: 'boolean', help: 'host every shard here, without a cluster (the baseline)' } },
}).parse(rest).values;
const bound =
  config && !alone
    ? await bindCluster(
        { ...config, roles: ['shards'] },
        { log: (level, line) => (level === 'warn' || level === 'error') && process.stderr.write(`${line}\n`) },
      )
    : undefined;
const system = new ActorSystem({ node: bound?.nodeId ?? 'alone', mailboxCapacity: 10_000_000, log: () => undefined });
const cluster = bound ? await bound.start({ system }) : undefined;
system.spawn(shardHost(), {
  name: 'counters',
  childFactory: () =>
    childSpec(
      stateful<number, CounterMsg>({
        initial: 0,
        receive(n, m) {
          m.replyTo.tell(n + 1);
          return n + 1;
        },
      }),
    ),
});
const region = new ShardRegion({
  system,
  hosts: cluster ? clusterShardHosts(cluster) : standaloneHosts(system.node),
  threads: [0],
  entityHosts: ['counters'],
});

async function drive(ms: number, concurrency: number, entities: number): Promise<{ asks: number; seconds: number; failed: number }> {
  let asks = 0;
  let failed = 0;
  const t0 = performance.now();
  const until = t0 + ms;
  const loop = async () => {
    while (performance.now() < until) {
      const id = Math.floor(Math.random() * entities);
      try {
        await region.ask<number>(`counters/e${id}`, (replyTo) => ({ _tag: 'Inc', replyTo }), 5_000);
        asks++;
      } catch {
        failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  return { asks, seconds: (performance.now() - t0) / 1000, failed };
}

readline.createInterface({ input: process.stdin }).on('line', (line) => {
  const m = JSON.parse(line) as { id: number; cmd: string; ms?: number; concurrency?: number; entities?: number };
  if (m.cmd === 'shards') out({ id: m.id, shards: region.counts() });
  else if (m.cmd === 'drive') void drive(m.ms ?? 5_000, m.concurrency ?? 64, m.entities ?? 10_000).then((r) => out({ id: m.id, ...r }));
});
out({ event: 'ready', node: system.node });
