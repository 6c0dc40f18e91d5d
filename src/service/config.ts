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
}

export class ConfigError extends Error {
  readonly _tag = 'ConfigError';
}

const HELP = `usage: npm start -- [options]

  --host HOST        address to serve HTTP on          (ALOFT_HOST, default 127.0.0.1)
  --port PORT        HTTP port, 0 for any free one     (ALOFT_PORT, default 8080)
  --data DIR         data directory (the LMDB journal)  (ALOFT_DATA, default ./data)
  --workers N        worker threads                     (ALOFT_WORKERS, default: cores)
  --demo-season      load the generated demo season on first start (ALOFT_DEMO_SEASON=1)
  --durability MODE  flush (fsync before acknowledging) or commit (ALOFT_DURABILITY, default flush)
  --views WHERE      schedule-view replicas: main (one, beside HTTP) or workers (one each) (ALOFT_VIEWS, default main)
  --shards N         shards of the entity space; the same on every member (ALOFT_SHARDS, default 1024)
  --max-entities N   live entities per node before the least recently used passivate (ALOFT_MAX_ENTITIES, default 100000)
  --entity-idle-ms N passivate an entity after this long without a message (ALOFT_ENTITY_IDLE_MS, default 120000)
  --handoff-timeout-ms N  how long a shard waits for unreachable members to release it (ALOFT_HANDOFF_TIMEOUT_MS, default 5000)
  --help             this text`;

export function parseConfig(argv: readonly string[], env: NodeJS.ProcessEnv): ServiceConfig | 'help' {
  const raw = new Map<string, string>();
  const fromEnv: Array<[string, string]> = [
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
  ];
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
  const workers = int(raw.get('workers') ?? String(os.availableParallelism()), '--workers/ALOFT_WORKERS', 1, 64);
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
  return { host, port, data: path.resolve(raw.get('data') ?? 'data'), workers, demoSeason: demo === '1' || demo === 'true', durability, viewThreads, shards, maxEntities, entityIdleMs, handoffTimeoutMs };
}

function int(value: string, name: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isInteger(n) || n < min || n > max) throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got "${value}"`);
  return n;
}

export { HELP };
