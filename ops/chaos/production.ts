/**
 * Production mode of a chaos run: the nodes on the production backends (`--journal scylla`,
 * `--bus kafka`, `--graph memgraph`, any of them), the servers read from the environment that
 * `npm run backends -- up` prints (or a real deployment's), and the two checks that only this
 * mode has:
 *
 * 5. the Kafka topic holds every event of the journal, in per-aggregate order, nothing missing
 *    after the consumer's dedup rule (ops/consume/verify.ts), and nothing the journal lacks;
 * 6. the graph's three check answers, read over Bolt after the nodes stopped, equal those of a
 *    fresh in-memory view built from the journal up to the offset the graph has stored.
 *
 * Each run gets names of its own (keyspace and topic `chaos_<seed>_<time>`), so runs never see
 * each other's data; the Bolt database has no such namespace (Neo4j Community has one database),
 * so it is wiped at the start. A passed run drops its keyspace and topic again unless kept.
 */
import { EventJournal, type EventEnvelope, type Journal } from '../../src/persistence/index.ts';
import type { AckedCommand } from './checker.ts';
import { keyOf } from './checker.ts';
import { compareWithFeed, TopicVerifier, type VerifyReport } from '../consume/verify.ts';
import { decode, readWholeTopic } from '../consume/topic.ts';
import { allPages, canonical, CHECKS, rebuild, type CheckPath } from './views.ts';

export interface ProductionBackends {
  readonly journal?: { readonly contactPoints: string; readonly dc: string; readonly keyspace: string };
  readonly bus?: { readonly brokers: string; readonly topic: string };
  readonly graph?: { readonly url: string };
}

export type BackendKind = 'journal' | 'bus' | 'graph';

const START = '`eval "$(npm run -s backends -- up)"` (or `npm run backends -- up --dir DIR` and its export lines)';

/**
 * The servers for the selected backends, from KAFKA_BROKERS, SCYLLA_CONTACT_POINTS (+ SCYLLA_DC)
 * and MEMGRAPH_URL. Throws naming every variable missing and the command that sets them.
 */
export function productionFromEnv(
  select: ReadonlySet<BackendKind>,
  runName: string,
  env: NodeJS.ProcessEnv = process.env,
): ProductionBackends {
  const need: Array<[BackendKind, string]> = [
    ['journal', 'SCYLLA_CONTACT_POINTS'],
    ['bus', 'KAFKA_BROKERS'],
    ['graph', 'MEMGRAPH_URL'],
  ];
  const missing = need.filter(([kind, name]) => select.has(kind) && !env[name]?.trim()).map(([, name]) => name);
  if (missing.length > 0) throw new Error(`production mode needs ${missing.join(', ')}: start the servers with ${START}`);
  const v = (name: string) => (env[name] ?? '').trim();
  return {
    ...(select.has('journal')
      ? { journal: { contactPoints: v('SCYLLA_CONTACT_POINTS'), dc: v('SCYLLA_DC') || 'datacenter1', keyspace: runName } }
      : {}),
    ...(select.has('bus') ? { bus: { brokers: v('KAFKA_BROKERS'), topic: runName } } : {}),
    ...(select.has('graph') ? { graph: { url: v('MEMGRAPH_URL') } } : {}),
  };
}

/** A keyspace and topic name unique to this run (CQL identifiers: letters, digits, '_'). */
export function runName(seed: number): string {
  return `chaos_${seed}_${Date.now().toString(36)}`;
}

/** The flags that put a node on these backends (src/service/config.ts). */
export function nodeFlags(p: ProductionBackends): string[] {
  return [
    ...(p.journal
      ? [
          '--journal',
          'scylla',
          '--scylla-contact-points',
          p.journal.contactPoints,
          '--scylla-dc',
          p.journal.dc,
          '--scylla-keyspace',
          p.journal.keyspace,
        ]
      : []),
    ...(p.bus ? ['--bus', 'kafka', '--kafka-brokers', p.bus.brokers, '--kafka-topic', p.bus.topic] : []),
    ...(p.graph ? ['--graph', 'memgraph', '--memgraph-url', p.graph.url] : []),
  ];
}

export function describe(p: ProductionBackends): string {
  const parts = [
    p.journal ? `journal ScyllaDB/CQL ${p.journal.contactPoints} keyspace ${p.journal.keyspace}` : 'journal LMDB',
    ...(p.bus ? [`Kafka ${p.bus.brokers} topic ${p.bus.topic}`] : []),
    ...(p.graph ? [`graph ${p.graph.url}`] : []),
  ];
  return parts.join(', ');
}

const brokers = (p: NonNullable<ProductionBackends['bus']>) =>
  p.brokers
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

async function openGraph(url: string, reset: boolean) {
  const { MemgraphScheduleView } = await import('../../src/views/memgraph-view.ts');
  return MemgraphScheduleView.open({ url, reset });
}

/** Before the nodes start: a graph from an earlier run would make the projection resume at its offset. */
export async function prepare(p: ProductionBackends): Promise<void> {
  if (p.graph) await (await openGraph(p.graph.url, true)).close();
}

/** The shared journal, opened from this process (the nodes may still run: it is shared). */
export async function openSharedJournal(p: NonNullable<ProductionBackends['journal']>): Promise<Journal> {
  const { ScyllaStore } = await import('../../src/persistence/scylla-store.ts');
  const store = await ScyllaStore.open({
    contactPoints: p.contactPoints.split(','),
    localDataCenter: p.dc,
    keyspace: p.keyspace,
    replication: "{'class': 'SimpleStrategy', 'replication_factor': 1}",
  });
  return EventJournal.open(store);
}

export interface TopicCheck {
  readonly topic: string;
  readonly verify: VerifyReport;
  readonly undecodable: number;
  /** Journal events not on the topic, and topic events the journal does not have (as such). */
  readonly missing: number;
  readonly foreign: number;
  /** Acknowledged commands with an event missing from the topic. */
  readonly ackedMissing: number;
  readonly examples: readonly string[];
  readonly passed: boolean;
}

/** Check 5: the whole topic against the whole feed (the publisher was waited for before the nodes stopped). */
export async function checkTopic(
  bus: NonNullable<ProductionBackends['bus']>,
  feed: readonly EventEnvelope[],
  acks: readonly AckedCommand[],
): Promise<TopicCheck> {
  const verifier = new TopicVerifier();
  const keys = new Set<string>();
  const examples: string[] = [];
  let undecodable = 0;
  await readWholeTopic(brokers(bus), bus.topic, (raw) => {
    const d = decode(raw);
    if (!d.ok) {
      undecodable++;
      if (examples.length < 5) examples.push(`undecodable: partition ${raw.partition} offset ${raw.kafkaOffset}: ${d.error}`);
      return;
    }
    verifier.add(d.record);
    keys.add(keyOf(d.envelope));
  });
  const verify = verifier.report();
  for (const a of verify.anomalies.slice(0, 10))
    examples.push(`${a.kind}: ${a.persistenceId} ${a.detail} (partition ${a.partition}, offset ${a.kafkaOffset})`);
  const cmp = compareWithFeed(verifier, feed);
  examples.push(...cmp.examples);
  const ackedMissing = acks.filter((a) => a.expect.some((k) => !keys.has(k))).length;
  return {
    topic: bus.topic,
    verify,
    undecodable,
    missing: cmp.missing,
    foreign: cmp.foreign,
    ackedMissing,
    examples,
    passed: verify.ok && undecodable === 0 && cmp.missing === 0 && cmp.foreign === 0 && ackedMissing === 0,
  };
}

export interface GraphCheck {
  /** The offset the graph has stored (its projection applied the feed up to there). */
  readonly offset: number;
  readonly head: number;
  readonly answers: ReadonlyArray<{
    readonly check: CheckPath;
    readonly violations: number;
    readonly equal: boolean;
    readonly detail?: string;
  }>;
  readonly passed: boolean;
  readonly error?: string;
}

/** How two answers differ: counts, and the first pair that differs (a field the graph lacks shows here). */
function difference(got: readonly unknown[], want: readonly unknown[]): string {
  const g = got.map(canonical);
  const w = want.map(canonical);
  const wanted = new Set(w);
  const have = new Set(g);
  const at = g.findIndex((x, i) => x !== w[i]);
  const first =
    at < 0
      ? ''
      : `; first difference at #${at}: graph ${(g[at] ?? 'nothing').slice(0, 300)} / rebuild ${(w[at] ?? 'nothing').slice(0, 300)}`;
  return `${got.length} violations against ${want.length} in the rebuild: ${w.filter((x) => !have.has(x)).length} missing, ${g.filter((x) => !wanted.has(x)).length} extra${first}`;
}

/** Check 6: after the nodes stopped, the graph's answers against a rebuild at the graph's offset. */
export async function checkGraph(graph: NonNullable<ProductionBackends['graph']>, feed: readonly EventEnvelope[]): Promise<GraphCheck> {
  const head = feed.length === 0 ? 0 : (feed[feed.length - 1] as EventEnvelope).offset;
  const view = await openGraph(graph.url, false);
  try {
    const offset = await view.offset();
    const fresh = await rebuild(feed, offset);
    const answers = [];
    for (const check of CHECKS) {
      const got = await allPages(view, check);
      const want = fresh[check];
      const equal = canonical(got) === canonical(want);
      answers.push({ check, violations: got.length, equal, ...(equal ? {} : { detail: difference(got, want) }) });
    }
    // The run waited for the projection to reach the head; one that did not fell behind for good.
    const caughtUp = offset >= head;
    return {
      offset,
      head,
      answers,
      passed: caughtUp && answers.every((a) => a.equal),
      ...(caughtUp ? {} : { error: `the graph is at offset ${offset}, the journal head at ${head}` }),
    };
  } finally {
    await view.close();
  }
}

/** The graph's stored offset now (the run waits on it before stopping the nodes). */
export async function graphOffset(graph: NonNullable<ProductionBackends['graph']>): Promise<number> {
  const view = await openGraph(graph.url, false);
  try {
    return await view.offset();
  } finally {
    await view.close();
  }
}

/** After a passed run: drop the keyspace and the topic (the Bolt database is wiped by the next run). */
export async function cleanUp(p: ProductionBackends): Promise<void> {
  if (p.bus) {
    const { Kafka, logLevel } = await import('kafkajs');
    const admin = new Kafka({ clientId: 'aloft-chaos', brokers: brokers(p.bus), logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [p.bus.topic] }).finally(() => admin.disconnect());
  }
  if (p.journal) {
    const { Client } = await import('cassandra-driver');
    const client = new Client({ contactPoints: p.journal.contactPoints.split(','), localDataCenter: p.journal.dc });
    await client.connect();
    await client.execute(`DROP KEYSPACE IF EXISTS ${p.journal.keyspace}`).finally(() => client.shutdown());
  }
}
