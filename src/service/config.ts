/**
 * The node's configuration from flags and environment, validated at start with errors that say
 * which setting is wrong and why. Flags win over environment; both over defaults.
 */
import os from 'node:os';
import path from 'node:path';
import { defineCli, type FlagValues } from '../cli/args.ts';
import { isLogLevel, LOG_LEVELS, type LogLevel } from '../log.ts';

export interface ServiceConfig {
  readonly host: string;
  readonly port: number;
  readonly data: string;
  readonly workers: number;
  /** Load the generated demo season when the journal is empty. */
  readonly demoSeason: boolean;
  /** With demoSeason: the season as a multiple of the default one (10: 3,000 airplanes, ~1.8 M legs). */
  readonly demoSeasonScale?: number;
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
   * sagas' steps, src/app/assignment.ts), loaded in every worker. */
  readonly sagaHooksModule?: string;
  /** The quietest level written (src/log.ts); info when absent. */
  readonly logLevel?: LogLevel;
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
  | {
      readonly _tag: 'kafka';
      readonly brokers: readonly string[];
      readonly topic: string;
      readonly partitions: number;
      readonly clientId: string;
    };

/** The schedule graph in a Bolt database (Memgraph; Neo4j speaks the same protocol), kept by one projection per cluster. */
export type GraphBackend =
  | { readonly _tag: 'none' }
  | { readonly _tag: 'memgraph'; readonly url: string; readonly user: string; readonly password: string };

export interface Backends {
  readonly journal: JournalBackend;
  readonly bus: BusBackend;
  readonly graph: GraphBackend;
  /** Which read model answers the check endpoints: the in-memory replicas, or Cypher on the graph. */
  readonly checks: 'memory' | 'graph';
}

export const EMBEDDED: Backends = { journal: { _tag: 'lmdb' }, bus: { _tag: 'none' }, graph: { _tag: 'none' }, checks: 'memory' };

export const DEV_REPLICATION = "{'class': 'SimpleStrategy', 'replication_factor': 1}";

/** A bad setting: its message names the flag and its environment variable. The node exits with code 2. */
export class ConfigError extends Error {
  readonly _tag = 'ConfigError';
}

/**
 * The node's flags, each with its environment form and default: the parser and `--help` both
 * come from this one table (src/cli/args.ts). The cluster's flags are parsed first, by
 * src/cluster/config.ts, and never reach it.
 */
export const SERVICE_CLI = defineCli({
  name: 'aloft',
  usage: 'usage: npm start -- [options]   (cluster flags: docs/cluster.md)',
  error: (message) => new ConfigError(message),
  flags: {
    host: { type: 'string', value: 'HOST', env: 'ALOFT_HOST', default: '127.0.0.1', help: 'address to serve HTTP on' },
    port: { type: 'string', value: 'PORT', env: 'ALOFT_PORT', default: '8080', help: 'HTTP port, 0 for any free one' },
    data: {
      type: 'string',
      value: 'DIR',
      env: 'ALOFT_DATA',
      default: 'data',
      defaultText: './data',
      help: 'data directory (the LMDB journal, view snapshots)',
    },
    workers: {
      type: 'string',
      env: 'ALOFT_WORKERS',
      defaultText: '0 on up to 2 cores, else one per core',
      help: 'worker threads for the entities; 0 runs them on the main thread',
    },
    'demo-season': { type: 'boolean', env: 'ALOFT_DEMO_SEASON', help: 'load the generated demo season on first start' },
    'demo-season-scale': {
      type: 'string',
      value: 'X',
      env: 'ALOFT_DEMO_SEASON_SCALE',
      default: '1',
      help: "with --demo-season: X times the default season's airplanes (10: ~1.8 M legs)",
    },
    durability: {
      type: 'string',
      value: 'MODE',
      env: 'ALOFT_DURABILITY',
      default: 'flush',
      help: 'flush (fsync before acknowledging: survives power loss) or commit (survives a process kill)',
    },
    views: {
      type: 'string',
      value: 'WHERE',
      env: 'ALOFT_VIEWS',
      default: 'main',
      help: 'schedule-view replicas: main (one, beside HTTP) or workers (one each; main when there are none)',
    },
    shards: { type: 'string', env: 'ALOFT_SHARDS', default: '1024', help: 'shards of the entity space; the same on every member' },
    'max-entities': {
      type: 'string',
      env: 'ALOFT_MAX_ENTITIES',
      default: '100000',
      help: 'live entities per node before the least recently used passivate',
    },
    'entity-idle-ms': {
      type: 'string',
      env: 'ALOFT_ENTITY_IDLE_MS',
      default: '120000',
      help: 'passivate an entity after this long without a message',
    },
    'handoff-timeout-ms': {
      type: 'string',
      env: 'ALOFT_HANDOFF_TIMEOUT_MS',
      default: '5000',
      help: 'how long a shard waits for unreachable members to release it',
    },
    'log-level': {
      type: 'string',
      value: 'LEVEL',
      env: 'ALOFT_LOG_LEVEL',
      default: 'info',
      help: `${LOG_LEVELS.join(', ')}; JSON lines on stdout, readable ones on a terminal`,
    },
    journal: {
      type: 'string',
      value: 'KIND',
      env: 'ALOFT_JOURNAL',
      default: 'lmdb',
      group: 'Production backends (docs/persistence.md; the defaults need no server):',
      help: 'lmdb (embedded, in --data) or scylla (shared by every member)',
    },
    'scylla-contact-points': {
      type: 'string',
      value: 'H:P,H:P',
      env: 'ALOFT_SCYLLA_CONTACT_POINTS',
      default: '127.0.0.1:9042',
      help: 'ScyllaDB/Cassandra nodes',
    },
    'scylla-dc': { type: 'string', value: 'NAME', env: 'ALOFT_SCYLLA_DC', default: 'datacenter1', help: 'the local data centre' },
    'scylla-keyspace': {
      type: 'string',
      value: 'NAME',
      env: 'ALOFT_SCYLLA_KEYSPACE',
      default: 'aloft',
      help: 'keyspace, created with its tables if missing',
    },
    'scylla-replication': {
      type: 'string',
      value: 'MAP',
      env: 'ALOFT_SCYLLA_REPLICATION',
      default: DEV_REPLICATION,
      help: 'CQL replication map for a new keyspace; the default is for development only',
    },
    bus: { type: 'string', value: 'KIND', env: 'ALOFT_BUS', default: 'none', help: 'none or kafka: publish every journal event' },
    'kafka-brokers': { type: 'string', value: 'H:P,H:P', env: 'ALOFT_KAFKA_BROKERS', default: '127.0.0.1:9092', help: 'Kafka brokers' },
    'kafka-topic': {
      type: 'string',
      value: 'NAME',
      env: 'ALOFT_KAFKA_TOPIC',
      default: 'aloft-events',
      help: 'the topic events are published to',
    },
    'kafka-partitions': { type: 'string', env: 'ALOFT_KAFKA_PARTITIONS', default: '12', help: 'partitions of a topic the node creates' },
    'kafka-client-id': { type: 'string', value: 'ID', env: 'ALOFT_KAFKA_CLIENT_ID', default: 'aloft', help: 'the Kafka client id' },
    graph: {
      type: 'string',
      value: 'KIND',
      env: 'ALOFT_GRAPH',
      default: 'none',
      help: 'none or memgraph: keep the schedule graph in a Bolt database',
    },
    'memgraph-url': { type: 'string', value: 'URL', env: 'ALOFT_MEMGRAPH_URL', default: 'bolt://127.0.0.1:7687', help: 'bolt://host:port' },
    'memgraph-user': {
      type: 'string',
      value: 'USER',
      env: 'ALOFT_MEMGRAPH_USER',
      defaultText: 'none',
      help: 'the user; the password only from ALOFT_MEMGRAPH_PASSWORD',
    },
    checks: {
      type: 'string',
      value: 'FROM',
      env: 'ALOFT_CHECKS',
      default: 'memory',
      help: 'memory (the in-memory replicas) or graph (Cypher on --graph)',
    },
  },
});

type ServiceValues = FlagValues<typeof SERVICE_CLI.spec.flags>;
type ServiceFlag = keyof ServiceValues & string;

/** The text of `npm start -- --help`. */
const HELP = SERVICE_CLI.help();

/** Every environment variable the node's own settings read (the cluster's are in src/cluster/config.ts). */
export const SERVICE_ENV: readonly string[] = [
  ...Object.values(SERVICE_CLI.spec.flags).flatMap((f) => (f.env === undefined ? [] : [f.env])),
  'ALOFT_MEMGRAPH_PASSWORD',
];

/**
 * Worker threads for a machine with `cores` cores. On two cores the entities run on the main
 * thread beside HTTP and the journal: each command then crosses no thread, and the measured
 * write rate was 1.8 times that of two workers (docs/benchmarks.md, thread layout). Bigger
 * machines keep one worker per core.
 */
export function defaultWorkers(cores: number): number {
  return cores <= 2 ? 0 : cores;
}

/**
 * The node's settings from `argv` (the cluster's flags already taken out) and `env`; 'help' when
 * `--help` was asked for. Throws a ConfigError naming the setting at fault.
 */
export function parseConfig(argv: readonly string[], env: NodeJS.ProcessEnv): ServiceConfig | 'help' {
  const parsed = SERVICE_CLI.parse(argv, env);
  if (parsed.help) return 'help';
  const v = parsed.values;
  const label = SERVICE_CLI.label;
  const host = v.host;
  if (!/^[A-Za-z0-9.:-]+$/.test(host)) throw new ConfigError(`${label('host')} "${host}" is not a host name or address`);
  const port = int(v.port, label('port'), 0, 65535);
  const workers = int(v.workers ?? String(defaultWorkers(os.availableParallelism())), label('workers'), 0, 64);
  const durability = v.durability;
  if (durability !== 'flush' && durability !== 'commit')
    throw new ConfigError(`${label('durability')} must be flush or commit, got "${durability}"`);
  const viewThreads = v.views;
  if (viewThreads !== 'workers' && viewThreads !== 'main')
    throw new ConfigError(`${label('views')} must be workers or main, got "${viewThreads}"`);
  const shards = int(v.shards, label('shards'), 1, 65_536);
  const maxEntities = int(v['max-entities'], label('max-entities'), 1, 100_000_000);
  const entityIdleMs = int(v['entity-idle-ms'], label('entity-idle-ms'), 1, 86_400_000);
  const handoffTimeoutMs = int(v['handoff-timeout-ms'], label('handoff-timeout-ms'), 1, 600_000);
  const backends = parseBackends(v, parsed.given, env);
  const logLevel = v['log-level'];
  if (!isLogLevel(logLevel)) throw new ConfigError(`${label('log-level')} must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  const scaleText = v['demo-season-scale'];
  const demoSeasonScale = Number(scaleText);
  if (!/^\d+(\.\d+)?$/.test(scaleText) || !(demoSeasonScale > 0 && demoSeasonScale <= 50))
    throw new ConfigError(`${label('demo-season-scale')} must be a number above 0 and at most 50, got "${scaleText}"`);
  return {
    host,
    port,
    data: path.resolve(v.data),
    workers,
    demoSeason: v['demo-season'],
    demoSeasonScale,
    durability,
    viewThreads,
    shards,
    maxEntities,
    entityIdleMs,
    handoffTimeoutMs,
    backends,
    logLevel,
  };
}

function oneOf<T extends string>(v: string, key: ServiceFlag, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(v))
    throw new ConfigError(`${SERVICE_CLI.label(key)} must be ${choices.join(' or ')}, got "${v}"`);
  return v as T;
}

/** `h:p,h:p` with every port a number; `defaultPort` fills a missing one. */
function hostPorts(value: string, name: string, defaultPort: number): string[] {
  const list = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (list.length === 0) throw new ConfigError(`${name} needs at least one host:port`);
  return list.map((hp) => {
    const m = /^([A-Za-z0-9.-]+|\[[0-9A-Fa-f:]+\])(?::(\d{1,5}))?$/.exec(hp);
    const port = m?.[2] !== undefined ? Number(m[2]) : defaultPort;
    if (!m || port < 1 || port > 65535) throw new ConfigError(`${name}: "${hp}" is not host:port`);
    return `${m[1]}:${port}`;
  });
}

function identifier(value: string, name: string): string {
  if (!/^[A-Za-z][A-Za-z0-9_]{0,47}$/.test(value))
    throw new ConfigError(`${name} must be a letter then up to 47 letters, digits or '_', got "${value}"`);
  return value;
}

function parseBackends(v: ServiceValues, given: ReadonlySet<ServiceFlag>, env: NodeJS.ProcessEnv): Backends {
  const label = SERVICE_CLI.label;
  const journalKind = oneOf(v.journal, 'journal', ['lmdb', 'scylla'] as const);
  const busKind = oneOf(v.bus, 'bus', ['none', 'kafka'] as const);
  const graphKind = oneOf(v.graph, 'graph', ['none', 'memgraph'] as const);
  const checks = oneOf(v.checks, 'checks', ['memory', 'graph'] as const);
  // Settings of a backend that is not selected are a mistake worth saying (a typo in --journal).
  const unused = (prefix: string, selected: boolean, flag: string) => {
    const stray = [...given].filter((k) => k.startsWith(prefix));
    if (!selected && stray.length > 0) throw new ConfigError(`--${stray[0]} is set but ${flag} does not select that backend`);
  };
  unused('scylla-', journalKind === 'scylla', '--journal');
  unused('kafka-', busKind === 'kafka', '--bus');
  unused('memgraph-', graphKind === 'memgraph', '--graph');
  if (checks === 'graph' && graphKind !== 'memgraph')
    throw new ConfigError('--checks graph needs --graph memgraph (the graph that answers them)');
  const journal: JournalBackend =
    journalKind === 'lmdb'
      ? { _tag: 'lmdb' }
      : {
          _tag: 'scylla',
          contactPoints: hostPorts(v['scylla-contact-points'], label('scylla-contact-points'), 9042),
          localDataCenter: v['scylla-dc'],
          keyspace: identifier(v['scylla-keyspace'], label('scylla-keyspace')),
          replication: replicationMap(v['scylla-replication']),
        };
  const bus: BusBackend =
    busKind === 'none'
      ? { _tag: 'none' }
      : {
          _tag: 'kafka',
          brokers: hostPorts(v['kafka-brokers'], label('kafka-brokers'), 9092),
          topic: topicName(v['kafka-topic']),
          partitions: int(v['kafka-partitions'], label('kafka-partitions'), 1, 10_000),
          clientId: v['kafka-client-id'],
        };
  let graph: GraphBackend = { _tag: 'none' };
  if (graphKind === 'memgraph') {
    const url = v['memgraph-url'];
    if (!/^(bolt|neo4j|bolt\+s|neo4j\+s|bolt\+ssc|neo4j\+ssc):\/\/[^\s/]+$/.test(url))
      throw new ConfigError(`${label('memgraph-url')} must be bolt://host:port, got "${url}"`);
    graph = { _tag: 'memgraph', url, user: v['memgraph-user'] ?? '', password: env.ALOFT_MEMGRAPH_PASSWORD ?? '' };
  }
  return { journal, bus, graph, checks };
}

function replicationMap(value: string): string {
  // Handed to CREATE KEYSPACE as it is, so only a map literal of quoted names and numbers passes.
  if (!/^\{\s*'class'\s*:\s*'[A-Za-z.]+'(\s*,\s*'[A-Za-z0-9_.-]+'\s*:\s*('?\d+'?|'[A-Za-z0-9_.-]+'))*\s*\}$/.test(value)) {
    throw new ConfigError(
      `${SERVICE_CLI.label('scylla-replication')} must be a CQL replication map such as {'class': 'NetworkTopologyStrategy', 'dc1': 3}, got "${value}"`,
    );
  }
  return value;
}

function topicName(value: string): string {
  if (!/^[A-Za-z0-9._-]{1,249}$/.test(value))
    throw new ConfigError(`${SERVICE_CLI.label('kafka-topic')} must be 1-249 letters, digits, '.', '_' or '-', got "${value}"`);
  return value;
}

function int(value: string, name: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isInteger(n) || n < min || n > max)
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got "${value}"`);
  return n;
}

export { HELP };
