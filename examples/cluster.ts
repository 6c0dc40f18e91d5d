/**
 * A two-node cluster on loopback, in one process for the sake of the example (in production
 * each node is its own process, usually on its own machine): sharded entities and a singleton.
 *
 * - Sharding: every node runs an entity host (`shardHost`) for the `counters` entities and a
 *   `ShardRegion`. A message for `counters/<id>` goes through any node's region to the node
 *   that owns the entity's shard (at most one hop); the shard table is a function of the member
 *   set, so every node computes the same one. When the members change, shards are handed off.
 * - Singleton: `cluster.singleton(name, behavior)` on every node runs exactly one instance, on
 *   the oldest member; when that member leaves, the next oldest starts it.
 *
 * The counters keep their state in memory, so a counter whose shard moves starts again from 0 on
 * its new node; an event-sourced entity (examples/bank-account.ts) would recover from the
 * journal wherever it lands.
 *
 *   npm run example examples/cluster.ts
 */
import { AloftNode, childSpec, stateful, type ActorRef } from 'aloft';
import { bindCluster, clusterShardHosts, parseClusterConfig, shardHost, ShardRegion, type ClusterNode } from 'aloft/cluster';

type CounterMsg = {
  readonly _tag: 'Add';
  readonly n: number;
  readonly replyTo: ActorRef<{ readonly count: number; readonly node: string }>;
};
type OfficeMsg = { readonly _tag: 'Ticket'; readonly replyTo: ActorRef<{ readonly ticket: number; readonly node: string }> };

const names = new Map<string, string>(); // node id -> A or B, for the output

const counter = (node: string) =>
  stateful<number, CounterMsg>({
    initial: 0,
    receive(count, m) {
      m.replyTo.tell({ count: count + m.n, node: names.get(node) ?? node });
      return count + m.n;
    },
  });

const ticketOffice = (node: string) =>
  stateful<number, OfficeMsg>({
    initial: 0,
    receive(issued, m) {
      m.replyTo.tell({ ticket: issued + 1, node: names.get(node) ?? node });
      return issued + 1;
    },
  });

interface Member {
  readonly node: AloftNode;
  readonly cluster: ClusterNode;
  readonly region: ShardRegion;
}

const log = (level: string, line: string) => (level === 'warn' || level === 'error' ? console.log(`  [${level}] ${line}`) : undefined);

async function startMember(name: string, seeds: readonly string[]): Promise<Member> {
  const { config } = parseClusterConfig(
    [
      '--cluster-name',
      'example',
      '--secret',
      'an-example-secret-of-32-characters',
      '--cluster-port',
      '0', // any free port
      '--roles',
      'shards', // this member hosts entities
      ...(seeds.length > 0 ? ['--seeds', seeds.join(',')] : []), // none: a cluster of one, at once
      '--heartbeat-ms',
      '200',
      '--gossip-ms',
      '200', // quicker than the defaults, for the example
    ],
    {},
  );
  const bound = await bindCluster(config!, { log });
  names.set(bound.nodeId, name);
  // No worker threads here; with workers, each worker's boot module spawns the entity hosts.
  const node = await AloftNode.start({ node: bound.nodeId, workers: 0, log });
  const cluster = await bound.start(node);
  node.system.spawn(shardHost(), { name: 'counters', childFactory: () => childSpec(counter(bound.nodeId)) });
  const region = new ShardRegion({
    system: node.system,
    hosts: clusterShardHosts(cluster),
    threads: [0],
    entityHosts: ['counters'],
    settings: { shardCount: 64 },
  });
  cluster.singleton('ticket-office', () => ticketOffice(bound.nodeId));
  return { node, cluster, region };
}

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const upCount = (m: Member) => m.cluster.view().members.filter((x) => x.status === 'up').length;

const a = await startMember('A', []);
await until('A up', () => upCount(a) === 1);
const b = await startMember('B', [a.cluster.nodeId.split('#')[0] as string]);
await until(
  'both members up, seen by both',
  () => upCount(a) === 2 && upCount(b) === 2 && a.cluster.view().converged && b.cluster.view().converged,
);
console.log(
  `cluster up: ${a.cluster
    .view()
    .members.map((m) => `${names.get(m.node)} ${m.status}`)
    .sort()
    .join(', ')}`,
);

// Sharded entities: the same entity answers whichever region the message enters through.
const add = (via: Member, id: string, n: number) =>
  via.region.ask<{ count: number; node: string }>(`counters/${id}`, (replyTo) => ({ _tag: 'Add', n, replyTo }) satisfies CounterMsg, 5_000);
for (const id of ['c1', 'c2', 'c3', 'c4']) {
  const first = await add(a, id, 1);
  const second = await add(b, id, 10);
  console.log(`counters/${id} lives on ${first.node}: +1 via A -> ${first.count}, +10 via B -> ${second.count}`);
}

// The singleton runs on the oldest member, A; B finds it through the cluster registry.
const ticket = async (via: Member) => {
  const office = await until('the singleton', () => via.cluster.singletonRef<OfficeMsg>('ticket-office'));
  return office.ask<{ ticket: number; node: string }>((replyTo) => ({ _tag: 'Ticket', replyTo }), 5_000);
};
for (const via of [a, b]) {
  const t = await ticket(via);
  console.log(`ticket ${t.ticket} from the singleton on ${t.node} (asked via ${names.get(via.cluster.nodeId)})`);
}

// A leaves gracefully. Leaving takes it out of every shard table; its region hands its shards
// over (stops their entities, tells the new owner) and `drained` says when that is done. Then
// the leave completes. The singleton stops on A at once and starts on B once A has exited.
a.cluster.membership.leave();
console.log(`A handed its shards over: ${await a.region.drained(10_000)}`);
await a.cluster.leave();
a.region.stop();
await a.node.stop();
await until('B alone', () => b.cluster.view().members.length === 1);
console.log('A left');
await until('the singleton on B', () => b.cluster.singletonRef<OfficeMsg>('ticket-office')?.address.node === b.cluster.nodeId);
const t = await ticket(b);
console.log(`ticket ${t.ticket} from the singleton on ${t.node} (a new instance: singletons keep no state across moves)`);
for (const id of ['c1', 'c2', 'c3', 'c4']) {
  const r = await add(b, id, 100);
  console.log(`counters/${id} now on ${r.node}: +100 -> ${r.count}`);
}

await b.cluster.leave();
b.region.stop();
await b.node.stop();
