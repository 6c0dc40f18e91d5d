/**
 * A cluster node's configuration from flags and environment, validated with clear errors.
 * Flags win over environment. No cluster flag and no ALOFT_CLUSTER: not clustered (the node runs
 * alone exactly as before).
 *
 *   --cluster-name NAME        ALOFT_CLUSTER           enables clustering
 *   --seeds h:p,h:p            ALOFT_SEEDS             static seed list (the first one may form the cluster)
 *   --redis-url URL            ALOFT_REDIS_URL         discover seeds in Redis instead (and the lease)
 *   --cluster-host H           ALOFT_CLUSTER_HOST      bind address (default 127.0.0.1)
 *   --cluster-port P           ALOFT_CLUSTER_PORT      bind port (default 2552; 0 picks a free one)
 *   --advertise h:p            ALOFT_ADVERTISE         address other nodes dial (default host:port)
 *   --secret S                 ALOFT_CLUSTER_SECRET    shared secret (or --secret-file / ALOFT_CLUSTER_SECRET_FILE)
 *   --tls-cert F --tls-key F [--tls-ca F]   ALOFT_TLS_CERT / _KEY / _CA
 *   --roles a,b                ALOFT_ROLES
 *   --downing S                ALOFT_DOWNING           keep-majority | static-quorum:N | keep-oldest | lease-majority
 *   --stable-after-ms N        ALOFT_STABLE_AFTER_MS
 *   --heartbeat-ms N --gossip-ms N --phi-threshold X --acceptable-pause-ms N --seed-timeout-ms N
 *   --admin-port P             ALOFT_ADMIN_PORT        admin HTTP API (needs a token)
 *   --admin-token T            ALOFT_ADMIN_TOKEN
 *   --route adv=dial           ALOFT_ROUTES (adv=dial,adv=dial)   dial another address for a peer
 *   --leave-timeout-ms N       how long a graceful leave waits for the others to see it go
 *   --gone-after-ms N          ALOFT_GONE_AFTER_MS    a member whose address refused connections (or
 *                              answers as a new incarnation) this long, silent since, is
 *                              unreachable; found so by every member, it is downed without
 *                              waiting for stable-after; 0 turns this off (default 300)
 */
import { readFileSync } from 'node:fs';
import type { DowningStrategy } from './downing.ts';
import { defaultTimings, type MembershipTimings } from './gossip.ts';

export interface ClusterConfig {
  readonly clusterName: string;
  readonly seeds: readonly string[];
  readonly redisUrl: string | undefined;
  readonly bindHost: string;
  readonly bindPort: number;
  readonly advertise: string | undefined;
  readonly secret: string;
  readonly tls: { readonly cert: string; readonly key: string; readonly ca: string | undefined } | undefined;
  readonly roles: readonly string[];
  readonly downing: DowningStrategy;
  readonly timings: MembershipTimings;
  readonly adminPort: number | undefined;
  readonly adminToken: string | undefined;
  readonly routes: Readonly<Record<string, string>>;
  readonly leaveTimeoutMs: number;
  /** How long the next singleton host waits after the previous one was downed (not left). */
  readonly singletonMarginMs: number;
}

export class ConfigError extends Error {
  readonly _tag = 'ConfigError';
  readonly retriable = false;
}

const FLAGS: Record<string, string> = {
  '--cluster-name': 'ALOFT_CLUSTER',
  '--seeds': 'ALOFT_SEEDS',
  '--redis-url': 'ALOFT_REDIS_URL',
  '--cluster-host': 'ALOFT_CLUSTER_HOST',
  '--cluster-port': 'ALOFT_CLUSTER_PORT',
  '--advertise': 'ALOFT_ADVERTISE',
  '--secret': 'ALOFT_CLUSTER_SECRET',
  '--secret-file': 'ALOFT_CLUSTER_SECRET_FILE',
  '--tls-cert': 'ALOFT_TLS_CERT',
  '--tls-key': 'ALOFT_TLS_KEY',
  '--tls-ca': 'ALOFT_TLS_CA',
  '--roles': 'ALOFT_ROLES',
  '--downing': 'ALOFT_DOWNING',
  '--stable-after-ms': 'ALOFT_STABLE_AFTER_MS',
  '--heartbeat-ms': 'ALOFT_HEARTBEAT_MS',
  '--gossip-ms': 'ALOFT_GOSSIP_MS',
  '--phi-threshold': 'ALOFT_PHI_THRESHOLD',
  '--acceptable-pause-ms': 'ALOFT_ACCEPTABLE_PAUSE_MS',
  '--seed-timeout-ms': 'ALOFT_SEED_TIMEOUT_MS',
  '--admin-port': 'ALOFT_ADMIN_PORT',
  '--admin-token': 'ALOFT_ADMIN_TOKEN',
  '--route': 'ALOFT_ROUTES',
  '--leave-timeout-ms': 'ALOFT_LEAVE_TIMEOUT_MS',
  '--singleton-margin-ms': 'ALOFT_SINGLETON_MARGIN_MS',
  '--gone-after-ms': 'ALOFT_GONE_AFTER_MS',
};

/** Every environment variable the cluster settings read. */
export const CLUSTER_ENV: readonly string[] = Object.values(FLAGS);

/**
 * Takes the cluster flags out of `argv` and returns the rest for the caller's own parser.
 * `config` is undefined when clustering is not asked for.
 */
export function parseClusterConfig(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = process.env,
): { config: ClusterConfig | undefined; rest: string[] } {
  const given = new Map<string, string[]>();
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const eq = arg.indexOf('=');
    const name = eq > 0 && arg.startsWith('--') ? arg.slice(0, eq) : arg;
    if (!(name in FLAGS)) {
      rest.push(arg);
      continue;
    }
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new ConfigError(`${name} needs a value`);
    given.set(name, [...(given.get(name) ?? []), value]);
  }
  const get = (flag: string): string | undefined => given.get(flag)?.at(-1) ?? nonEmpty(env[FLAGS[flag] as string]);
  const clusterName = get('--cluster-name');
  if (clusterName === undefined) {
    const stray = [...given.keys()];
    if (stray.length > 0) throw new ConfigError(`${stray.join(', ')} given without --cluster-name (or ALOFT_CLUSTER)`);
    return { config: undefined, rest };
  }
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(clusterName))
    throw new ConfigError(`cluster name "${clusterName}" must be 1-64 letters, digits, "_", "." or "-"`);
  const int = (flag: string, fallback: number, min = 0): number => {
    const raw = get(flag);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min) throw new ConfigError(`${flag} must be an integer >= ${min}, got "${raw}"`);
    return n;
  };
  const address = (flag: string, raw: string): string => {
    if (!/^[^\s:]+:\d{1,5}$/.test(raw) || Number(raw.slice(raw.lastIndexOf(':') + 1)) > 65535)
      throw new ConfigError(`${flag}: "${raw}" is not host:port`);
    return raw;
  };
  const seeds = (get('--seeds') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => address('--seeds', s));
  const redisUrl = get('--redis-url');
  let secret = get('--secret');
  const secretFile = get('--secret-file');
  if (secret === undefined && secretFile !== undefined) {
    try {
      secret = readFileSync(secretFile, 'utf8').trim();
    } catch (error) {
      throw new ConfigError(`cannot read --secret-file ${secretFile}: ${(error as Error).message}`);
    }
  }
  if (secret === undefined || secret.length < 16)
    throw new ConfigError(
      'a cluster secret of at least 16 characters is required (--secret, --secret-file, ALOFT_CLUSTER_SECRET or ALOFT_CLUSTER_SECRET_FILE)',
    );
  const cert = get('--tls-cert');
  const key = get('--tls-key');
  if ((cert === undefined) !== (key === undefined)) throw new ConfigError('--tls-cert and --tls-key go together');
  const ca = get('--tls-ca');
  if (ca !== undefined && cert === undefined) throw new ConfigError('--tls-ca needs --tls-cert and --tls-key');
  const adminPort = get('--admin-port') === undefined ? undefined : int('--admin-port', 0);
  const adminToken = get('--admin-token');
  if (adminPort !== undefined && (adminToken === undefined || adminToken.length < 8))
    throw new ConfigError('the admin API needs --admin-token (or ALOFT_ADMIN_TOKEN) of at least 8 characters');
  const routes: Record<string, string> = {};
  for (const raw of [...(given.get('--route') ?? []), ...(given.has('--route') ? [] : (nonEmpty(env.ALOFT_ROUTES)?.split(',') ?? []))]) {
    const [from, to] = raw.split('=');
    if (from === undefined || to === undefined) throw new ConfigError(`--route "${raw}" must be advertised=dial`);
    routes[address('--route', from)] = address('--route', to);
  }
  const timings: MembershipTimings = {
    gossipIntervalMs: int('--gossip-ms', defaultTimings.gossipIntervalMs, 10),
    heartbeatIntervalMs: int('--heartbeat-ms', defaultTimings.heartbeatIntervalMs, 10),
    phiThreshold: Number(get('--phi-threshold') ?? defaultTimings.phiThreshold),
    acceptablePauseMs: int('--acceptable-pause-ms', defaultTimings.acceptablePauseMs),
    stableAfterMs: int('--stable-after-ms', defaultTimings.stableAfterMs),
    joinRetryMs: int('--heartbeat-ms', defaultTimings.joinRetryMs, 10),
    seedTimeoutMs: int('--seed-timeout-ms', defaultTimings.seedTimeoutMs),
    goneAfterMs: int('--gone-after-ms', defaultTimings.goneAfterMs ?? 300),
  };
  if (!(timings.phiThreshold > 0)) throw new ConfigError('--phi-threshold must be a positive number');
  const stableAfter = timings.stableAfterMs;
  return {
    config: {
      clusterName,
      seeds,
      redisUrl,
      bindHost: get('--cluster-host') ?? '127.0.0.1',
      bindPort: int('--cluster-port', 2552),
      advertise: get('--advertise') === undefined ? undefined : address('--advertise', get('--advertise') as string),
      secret,
      tls: cert !== undefined && key !== undefined ? { cert, key, ca } : undefined,
      roles: (get('--roles') ?? '').split(',').filter((r) => r.length > 0),
      downing: parseDowning(get('--downing') ?? 'keep-majority', stableAfter),
      timings,
      adminPort,
      adminToken,
      routes,
      leaveTimeoutMs: int('--leave-timeout-ms', 10_000),
      singletonMarginMs: int('--singleton-margin-ms', Math.ceil(stableAfter / 2)),
    },
    rest,
  };
}

export function parseDowning(raw: string, stableAfterMs: number): DowningStrategy {
  if (raw === 'keep-majority') return { _tag: 'KeepMajority' };
  if (raw === 'keep-oldest') return { _tag: 'KeepOldest' };
  if (raw === 'lease-majority') return { _tag: 'LeaseMajority', acquireDelayMs: Math.max(500, Math.ceil(stableAfterMs / 3)) };
  const m = /^static-quorum:(\d+)$/.exec(raw);
  if (m && Number(m[1]) > 0) return { _tag: 'StaticQuorum', quorum: Number(m[1]) };
  throw new ConfigError(`--downing "${raw}": expected keep-majority, static-quorum:N, keep-oldest or lease-majority`);
}

function nonEmpty(s: string | undefined): string | undefined {
  return s === undefined || s.length === 0 ? undefined : s;
}
