/**
 * The node's configuration from flags and environment, validated at start with errors that say
 * which setting is wrong and why. Flags win over environment; both over defaults.
 */
import os from 'node:os';
import path from 'node:path';

export interface ServiceConfig {
  readonly host: string;
  readonly port: number;
  readonly data: string;
  readonly workers: number;
  /** Load the generated demo season when the journal is empty. */
  readonly demoSeason: boolean;
  /** flush: acknowledged after fsync (survives power loss); commit: after commit (survives a process kill). */
  readonly durability: 'flush' | 'commit';
  /** Where the schedule-view replicas run: one per worker, or one on the main thread. */
  readonly viewThreads?: 'workers' | 'main';
  /** Shards of the entity space (fixed for the life of a cluster). */
  readonly shards?: number;
  /** Live entities per node past which the least recently used are passivated. */
  readonly maxEntities?: number;
  /** An entity without a message this long is passivated. */
  readonly entityIdleMs?: number;
  /** How long a shard coming here waits for unreachable members to confirm they let it go. */
  readonly handoffTimeoutMs?: number;
  /** A member without the journal role waits this long at start for the journal member. */
  readonly journalWaitMs?: number;
  /** Which journal, event bus and graph store the node uses (production mode); embedded defaults when absent. */
  readonly backends?: Backends;
  /** Tests only, never a flag: a module exporting `sagaHooks` (fault injection in the assignment
   * sagas' steps, src/service/assignment.ts), loaded in every worker. */
  readonly sagaHooksModule?: string;
}

/** The journal: LMDB in the data directory (embedded), or a ScyllaDB (CQL) cluster shared by every member. */
export type JournalBackend =
  | { readonly _tag: 'lmdb' }
  | {
      readonly _tag: 'scylla';
      readonly contactPoints: readonly string[];
      readonly localDataCenter: string;
      readonly keyspace: string;
      /** A CQL replication map; the default (SimpleStrategy, RF 1) is for development only. */
      readonly replication: string;
    };

/** Where the journal's events are published: nowhere, or a Kafka topic (one publisher per cluster). */
export type BusBackend =
  | { readonly _tag: 'none' }
  | { readonly _tag: 'kafka'; readonly brokers: readonly string[]; readonly topic: string; readonly partitions: number; readonly clientId: string };

/** The schedule graph in a Bolt database (Memgraph; Neo4j speaks the same protocol), kept by one projection per cluster. */
export type GraphBackend = { readonly _tag: 'none' } | { readonly _tag: 'memgraph'; readonly url: string; readonly user: string; readonly password: string };

export interface Backends {
  readonly journal: JournalBackend;
  readonly bus: BusBackend;
  readonly graph: GraphBackend;
  /** Which read model answers the check endpoints: the in-memory replicas, or Cypher on the graph. */
  readonly checks: 'memory' | 'graph';
}

export const EMBEDDED: Backends = { journal: { _tag: 'lmdb' }, bus: { _tag: 'none' }, graph: { _tag: 'none' }, checks: 'memory' };

export const DEV_REPLICATION = "{'class': 'SimpleStrategy', 'replication_factor': 1}";

export class ConfigError extends Error {
  readonly _tag = 'ConfigError';
}

const HELP = `usage: npm start -- [options]

  --host HOST        address to serve HTTP on          (ALOFT_HOST, default 127.0.0.1)
  --port PORT        HTTP port, 0 for any free one     (ALOFT_PORT, default 8080)
  --data DIR         data directory (the LMDB journal)  (ALOFT_DATA, default ./data)
  --workers N        worker threads for the entities; 0 runs them on the main thread
                     (ALOFT_WORKERS, default: 0 on up to 2 cores, else one per core)
  --demo-season      load the generated demo season on first start (ALOFT_DEMO_SEASON=1)
  --durability MODE  flush (fsync before acknowledging) or commit (ALOFT_DURABILITY, default flush)
  --views WHERE      schedule-view replicas: main (one, beside HTTP) or workers (one each; main
                     when there are none) (ALOFT_VIEWS, default main)
  --shards N         shards of the entity space; the same on every member (ALOFT_SHARDS, default 1024)
  --max-entities N   live entities per node before the least recently used passivate (ALOFT_MAX_ENTITIES, default 100000)
  --entity-idle-ms N passivate an entity after this long without a message (ALOFT_ENTITY_IDLE_MS, default 120000)
  --handoff-timeout-ms N  how long a shard waits for unreachable members to release it (ALOFT_HANDOFF_TIMEOUT_MS, default 5000)

Production backends (docs/persistence.md; the defaults need no server):
  --journal KIND     lmdb (embedded, in --data) or scylla (shared by every member) (ALOFT_JOURNAL, default lmdb)
  --scylla-contact-points H:P,H:P   ScyllaDB/Cassandra nodes (ALOFT_SCYLLA_CONTACT_POINTS, default 127.0.0.1:9042)
  --scylla-dc NAME   the local data centre (ALOFT_SCYLLA_DC, default datacenter1)
  --scylla-keyspace NAME  keyspace, created if missing (ALOFT_SCYLLA_KEYSPACE, default aloft)
  --scylla-replication MAP  CQL replication map for a new keyspace (ALOFT_SCYLLA_REPLICATION,
                     default ${DEV_REPLICATION}: development only)
  --bus KIND         none or kafka: publish every journal event (ALOFT_BUS, default none)
  --kafka-brokers H:P,H:P  (ALOFT_KAFKA_BROKERS, default 127.0.0.1:9092)
  --kafka-topic NAME (ALOFT_KAFKA_TOPIC, default aloft-events)
  --kafka-partitions N  partitions of a topic the node creates (ALOFT_KAFKA_PARTITIONS, default 12)
  --kafka-client-id ID  (ALOFT_KAFKA_CLIENT_ID, default aloft)
  --graph KIND       none or memgraph: keep the schedule graph in a Bolt database (ALOFT_GRAPH, default none)
  --memgraph-url URL bolt://host:port (ALOFT_MEMGRAPH_URL, default bolt://127.0.0.1:7687)
  --memgraph-user U  (ALOFT_MEMGRAPH_USER, default none); the password only from ALOFT_MEMGRAPH_PASSWORD
  --checks FROM      memory (the in-memory replicas) or graph (Cypher on --graph) (ALOFT_CHECKS, default memory)
  --help             this text`;

/** Each flag of the node and its environment form. */
const SETTINGS: ReadonlyArray<readonly [string, string]> = [
    ['host', 'ALOFT_HOST'],
    ['port', 'ALOFT_PORT'],
    ['data', 'ALOFT_DATA'],
    ['workers', 'ALOFT_WORKERS'],
    ['demo-season', 'ALOFT_DEMO_SEASON'],
    ['durability', 'ALOFT_DURABILITY'],
    ['views', 'ALOFT_VIEWS'],
    ['shards', 'ALOFT_SHARDS'],
    ['max-entities', 'ALOFT_MAX_ENTITIES'],
    ['entity-idle-ms', 'ALOFT_ENTITY_IDLE_MS'],
    ['handoff-timeout-ms', 'ALOFT_HANDOFF_TIMEOUT_MS'],
    ['journal', 'ALOFT_JOURNAL'],
    ['scylla-contact-points', 'ALOFT_SCYLLA_CONTACT_POINTS'],
    ['scylla-dc', 'ALOFT_SCYLLA_DC'],
    ['scylla-keyspace', 'ALOFT_SCYLLA_KEYSPACE'],
    ['scylla-replication', 'ALOFT_SCYLLA_REPLICATION'],
    ['bus', 'ALOFT_BUS'],
    ['kafka-brokers', 'ALOFT_KAFKA_BROKERS'],
    ['kafka-topic', 'ALOFT_KAFKA_TOPIC'],
    ['kafka-partitions', 'ALOFT_KAFKA_PARTITIONS'],
    ['kafka-client-id', 'ALOFT_KAFKA_CLIENT_ID'],
    ['graph', 'ALOFT_GRAPH'],
    ['memgraph-url', 'ALOFT_MEMGRAPH_URL'],
    ['memgraph-user', 'ALOFT_MEMGRAPH_USER'],
    ['checks', 'ALOFT_CHECKS'],
];

/** Every environment variable the node's own settings read (the cluster's are in src/cluster/config.ts). */
export const SERVICE_ENV: readonly string[] = [...SETTINGS.map(([, env]) => env), 'ALOFT_MEMGRAPH_PASSWORD'];

/**
 * Worker threads for a machine with `cores` cores. On two cores the entities run on the main
 * thread beside HTTP and the journal: each command then crosses no thread, and the measured
 * write rate was 1.8 times that of two workers (docs/benchmarks.md, thread layout). Bigger
 * machines keep one worker per core.
 */
export function defaultWorkers(cores: number): number {
  return cores <= 2 ? 0 : cores;
}

export function parseConfig(argv: readonly string[], env: NodeJS.ProcessEnv): ServiceConfig | 'help' {
  const raw = new Map<string, string>();
  const fromEnv = SETTINGS;
  for (const [key, name] of fromEnv) {
    const v = env[name];
    if (v !== undefined && v !== '') raw.set(key, v);
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--help' || arg === '-h') return 'help';
    if (!arg.startsWith('--')) throw new ConfigError(`unexpected argument "${arg}" (try --help)`);
    const eq = arg.indexOf('=');
    const key = arg.slice(2, eq < 0 ? undefined : eq);
    if (!fromEnv.some(([k]) => k === key)) throw new ConfigError(`unknown flag --${key} (try --help)`);
    if (key === 'demo-season') {
      raw.set(key, eq < 0 ? '1' : arg.slice(eq + 1));
      continue;
    }
    const value = eq < 0 ? argv[++i] : arg.slice(eq + 1);
    if (value === undefined || value.startsWith('--')) throw new ConfigError(`--${key} needs a value`);
    raw.set(key, value);
  }
  const host = raw.get('host') ?? '127.0.0.1';
  if (!/^[A-Za-z0-9.:-]+$/.test(host)) throw new ConfigError(`--host/ALOFT_HOST "${host}" is not a host name or address`);
  const port = int(raw.get('port') ?? '8080', '--port/ALOFT_PORT', 0, 65535);
  const workers = int(raw.get('workers') ?? String(defaultWorkers(os.availableParallelism())), '--workers/ALOFT_WORKERS', 0, 64);
  const durability = raw.get('durability') ?? 'flush';
  if (durability !== 'flush' && durability !== 'commit') throw new ConfigError(`--durability/ALOFT_DURABILITY must be flush or commit, got "${durability}"`);
  const demo = raw.get('demo-season') ?? '0';
  if (!['0', '1', 'true', 'false'].includes(demo)) throw new ConfigError(`--demo-season/ALOFT_DEMO_SEASON must be 1/true or 0/false, got "${demo}"`);
  const viewThreads = raw.get('views') ?? 'main';
  if (viewThreads !== 'workers' && viewThreads !== 'main') throw new ConfigError(`--views/ALOFT_VIEWS must be workers or main, got "${viewThreads}"`);
  const shards = int(raw.get('shards') ?? '1024', '--shards/ALOFT_SHARDS', 1, 65_536);
  const maxEntities = int(raw.get('max-entities') ?? '100000', '--max-entities/ALOFT_MAX_ENTITIES', 1, 100_000_000);
  const entityIdleMs = int(raw.get('entity-idle-ms') ?? '120000', '--entity-idle-ms/ALOFT_ENTITY_IDLE_MS', 1, 86_400_000);
  const handoffTimeoutMs = int(raw.get('handoff-timeout-ms') ?? '5000', '--handoff-timeout-ms/ALOFT_HANDOFF_TIMEOUT_MS', 1, 600_000);
  const backends = parseBackends(raw, env);
  return { host, port, data: path.resolve(raw.get('data') ?? 'data'), workers, demoSeason: demo === '1' || demo === 'true', durability, viewThreads, shards, maxEntities, entityIdleMs, handoffTimeoutMs, backends };
}

function oneOf<T extends string>(raw: ReadonlyMap<string, string>, key: string, env: string, choices: readonly T[]): T {
  const v = raw.get(key) ?? choices[0]!;
  if (!(choices as readonly string[]).includes(v)) throw new ConfigError(`--${key}/${env} must be ${choices.join(' or ')}, got "${v}"`);
  return v as T;
}

/** `h:p,h:p` with every port a number; `defaultPort` fills a missing one. */
function hostPorts(value: string, name: string, defaultPort: number): string[] {
  const list = value.split(',').map((s) => s.trim()).filter(Boolean);
  if (list.length === 0) throw new ConfigError(`${name} needs at least one host:port`);
  return list.map((hp) => {
    const m = /^([A-Za-z0-9.-]+|\[[0-9A-Fa-f:]+\])(?::(\d{1,5}))?$/.exec(hp);
    const port = m?.[2] !== undefined ? Number(m[2]) : defaultPort;
    if (!m || port < 1 || port > 65535) throw new ConfigError(`${name}: "${hp}" is not host:port`);
    return `${m[1]}:${port}`;
  });
}

function identifier(value: string, name: string): string {
  if (!/^[A-Za-z][A-Za-z0-9_]{0,47}$/.test(value)) throw new ConfigError(`${name} must be a letter then up to 47 letters, digits or '_', got "${value}"`);
  return value;
}

function parseBackends(raw: ReadonlyMap<string, string>, env: NodeJS.ProcessEnv): Backends {
  const journalKind = oneOf(raw, 'journal', 'ALOFT_JOURNAL', ['lmdb', 'scylla'] as const);
  const busKind = oneOf(raw, 'bus', 'ALOFT_BUS', ['none', 'kafka'] as const);
  const graphKind = oneOf(raw, 'graph', 'ALOFT_GRAPH', ['none', 'memgraph'] as const);
  const checks = oneOf(raw, 'checks', 'ALOFT_CHECKS', ['memory', 'graph'] as const);
  // Settings of a backend that is not selected are a mistake worth saying (a typo in --journal).
  const unused = (prefix: string, selected: boolean, flag: string) => {
    const stray = [...raw.keys()].filter((k) => k.startsWith(prefix));
    if (!selected && stray.length > 0) throw new ConfigError(`--${stray[0]} is set but ${flag} does not select that backend`);
  };
  unused('scylla-', journalKind === 'scylla', '--journal');
  unused('kafka-', busKind === 'kafka', '--bus');
  unused('memgraph-', graphKind === 'memgraph', '--graph');
  if (checks === 'graph' && graphKind !== 'memgraph') throw new ConfigError('--checks graph needs --graph memgraph (the graph that answers them)');
  const journal: JournalBackend =
    journalKind === 'lmdb'
      ? { _tag: 'lmdb' }
      : {
          _tag: 'scylla',
          contactPoints: hostPorts(raw.get('scylla-contact-points') ?? '127.0.0.1:9042', '--scylla-contact-points/ALOFT_SCYLLA_CONTACT_POINTS', 9042),
          localDataCenter: raw.get('scylla-dc') ?? 'datacenter1',
          keyspace: identifier(raw.get('scylla-keyspace') ?? 'aloft', '--scylla-keyspace/ALOFT_SCYLLA_KEYSPACE'),
          replication: replicationMap(raw.get('scylla-replication') ?? DEV_REPLICATION),
        };
  const bus: BusBackend =
    busKind === 'none'
      ? { _tag: 'none' }
      : {
          _tag: 'kafka',
          brokers: hostPorts(raw.get('kafka-brokers') ?? '127.0.0.1:9092', '--kafka-brokers/ALOFT_KAFKA_BROKERS', 9092),
          topic: topicName(raw.get('kafka-topic') ?? 'aloft-events'),
          partitions: int(raw.get('kafka-partitions') ?? '12', '--kafka-partitions/ALOFT_KAFKA_PARTITIONS', 1, 10_000),
          clientId: raw.get('kafka-client-id') ?? 'aloft',
        };
  let graph: GraphBackend = { _tag: 'none' };
  if (graphKind === 'memgraph') {
    const url = raw.get('memgraph-url') ?? 'bolt://127.0.0.1:7687';
    if (!/^(bolt|neo4j|bolt\+s|neo4j\+s|bolt\+ssc|neo4j\+ssc):\/\/[^\s/]+$/.test(url)) throw new ConfigError(`--memgraph-url/ALOFT_MEMGRAPH_URL must be bolt://host:port, got "${url}"`);
    graph = { _tag: 'memgraph', url, user: raw.get('memgraph-user') ?? '', password: env.ALOFT_MEMGRAPH_PASSWORD ?? '' };
  }
  return { journal, bus, graph, checks };
}

function replicationMap(value: string): string {
  // Handed to CREATE KEYSPACE as it is, so only a map literal of quoted names and numbers passes.
  if (!/^\{\s*'class'\s*:\s*'[A-Za-z.]+'(\s*,\s*'[A-Za-z0-9_.-]+'\s*:\s*('?\d+'?|'[A-Za-z0-9_.-]+'))*\s*\}$/.test(value)) {
    throw new ConfigError(`--scylla-replication/ALOFT_SCYLLA_REPLICATION must be a CQL replication map such as {'class': 'NetworkTopologyStrategy', 'dc1': 3}, got "${value}"`);
  }
  return value;
}

function topicName(value: string): string {
  if (!/^[A-Za-z0-9._-]{1,249}$/.test(value)) throw new ConfigError(`--kafka-topic/ALOFT_KAFKA_TOPIC must be 1-249 letters, digits, '.', '_' or '-', got "${value}"`);
  return value;
}

function int(value: string, name: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isInteger(n) || n < min || n > max) throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got "${value}"`);
  return n;
}

export { HELP };
