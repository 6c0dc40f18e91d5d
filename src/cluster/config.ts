/**
 * A cluster node's configuration from flags and environment, validated with clear errors. The
 * flags are declared once below (src/cli/args.ts: name, variable, default, help text); flags win
 * over environment. No cluster flag and no ALOFT_CLUSTER: not clustered (the node runs alone
 * exactly as before).
 *
 * The node's command line mixes these flags with the service's (src/service/config.ts):
 * `parseClusterConfig` takes its own out of argv and hands back the rest untouched, so neither
 * parser needs to know the other's flags. `--help` anywhere goes to the rest, unchecked here.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { defineCli } from '../cli/args.ts';
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
  /**
   * Cluster TLS. Peers are verified by default: against `ca` (else the system CAs), with the
   * address dialled checked against the certificate; with `ca` each side must present a
   * certificate it signed. `insecure` (--tls-insecure): no host name check, and without `ca` no
   * chain check either (any certificate is accepted).
   */
  readonly tls: { readonly cert: string; readonly key: string; readonly ca: string | undefined; readonly insecure: boolean } | undefined;
  readonly roles: readonly string[];
  readonly downing: DowningStrategy;
  readonly timings: MembershipTimings;
  readonly adminPort: number | undefined;
  /** From ALOFT_ADMIN_TOKEN or --admin-token-file, never from the command line (ps shows it). */
  readonly adminToken: string | undefined;
  readonly routes: Readonly<Record<string, string>>;
  readonly leaveTimeoutMs: number;
  /** How long the next singleton host waits after the previous one was downed (not left). */
  readonly singletonMarginMs: number;
  /** Settings that work but weaken security (e.g. the cluster secret on the command line), logged at start as warnings. */
  readonly warnings?: readonly string[];
}

export class ConfigError extends Error {
  readonly _tag = 'ConfigError';
  readonly retriable = false;
}

const ms = (n: number) => String(n);

/**
 * The cluster's flags. The membership timings have no `default` here on purpose: an absent
 * --heartbeat-ms must leave joinRetryMs at its own default, so the fallbacks are applied below
 * from `defaultTimings` and only shown in `--help`.
 */
export const CLUSTER_CLI = defineCli({
  name: 'aloft',
  usage: 'usage: npm start -- --cluster-name NAME --secret S [cluster options] [options]   (docs/cluster.md)',
  error: (message) => new ConfigError(message),
  flags: {
    'cluster-name': { type: 'string', value: 'NAME', env: 'ALOFT_CLUSTER', help: 'enables clustering: the cluster to form or join' },
    seeds: { type: 'string', value: 'H:P,H:P', env: 'ALOFT_SEEDS', help: 'static seed list (the first one may form the cluster)' },
    'redis-url': { type: 'string', value: 'URL', env: 'ALOFT_REDIS_URL', help: 'discover seeds in Redis instead (and the lease)' },
    'cluster-host': { type: 'string', value: 'HOST', env: 'ALOFT_CLUSTER_HOST', default: '127.0.0.1', help: 'bind address' },
    'cluster-port': { type: 'string', value: 'PORT', env: 'ALOFT_CLUSTER_PORT', default: '2552', help: 'bind port; 0 picks a free one' },
    advertise: {
      type: 'string',
      value: 'H:P',
      env: 'ALOFT_ADVERTISE',
      defaultText: 'host:port',
      help: 'the address other nodes dial',
    },
    secret: { type: 'string', value: 'S', env: 'ALOFT_CLUSTER_SECRET', help: 'shared secret, at least 16 characters' },
    'secret-file': { type: 'string', value: 'FILE', env: 'ALOFT_CLUSTER_SECRET_FILE', help: 'read the shared secret from a file' },
    'tls-cert': { type: 'string', value: 'FILE', env: 'ALOFT_TLS_CERT', help: 'TLS certificate (with --tls-key)' },
    'tls-key': { type: 'string', value: 'FILE', env: 'ALOFT_TLS_KEY', help: 'TLS private key' },
    'tls-ca': {
      type: 'string',
      value: 'FILE',
      env: 'ALOFT_TLS_CA',
      defaultText: 'the system CAs',
      help: 'CA that peers must be signed by; with it, both sides present a certificate (mutual TLS)',
    },
    'tls-insecure': {
      type: 'boolean',
      env: 'ALOFT_TLS_INSECURE',
      help: 'do not check the peer certificate against the address dialled, nor (without --tls-ca) its signer; logs a warning',
    },
    roles: { type: 'string', value: 'A,B', env: 'ALOFT_ROLES', help: 'roles of this member' },
    downing: {
      type: 'string',
      value: 'STRATEGY',
      env: 'ALOFT_DOWNING',
      default: 'keep-majority',
      help: 'keep-majority, static-quorum:N, keep-oldest or lease-majority',
    },
    'stable-after-ms': {
      type: 'string',
      value: 'MS',
      env: 'ALOFT_STABLE_AFTER_MS',
      defaultText: ms(defaultTimings.stableAfterMs),
      group: 'Membership timings:',
      help: 'how long the unreachable set must stay unchanged before the downing strategy acts',
    },
    'heartbeat-ms': {
      type: 'string',
      value: 'MS',
      env: 'ALOFT_HEARTBEAT_MS',
      defaultText: ms(defaultTimings.heartbeatIntervalMs),
      help: 'heartbeat interval, and the join retry interval when given',
    },
    'gossip-ms': {
      type: 'string',
      value: 'MS',
      env: 'ALOFT_GOSSIP_MS',
      defaultText: ms(defaultTimings.gossipIntervalMs),
      help: 'gossip interval',
    },
    'phi-threshold': {
      type: 'string',
      value: 'X',
      env: 'ALOFT_PHI_THRESHOLD',
      defaultText: ms(defaultTimings.phiThreshold),
      help: 'failure-detector suspicion level at which a member is unreachable',
    },
    'acceptable-pause-ms': {
      type: 'string',
      value: 'MS',
      env: 'ALOFT_ACCEPTABLE_PAUSE_MS',
      defaultText: ms(defaultTimings.acceptablePauseMs),
      help: 'heartbeat pause the failure detector tolerates (GC, a busy loop)',
    },
    'seed-timeout-ms': {
      type: 'string',
      value: 'MS',
      env: 'ALOFT_SEED_TIMEOUT_MS',
      defaultText: ms(defaultTimings.seedTimeoutMs),
      help: 'how long the first seed looks for the others before forming the cluster',
    },
    'gone-after-ms': {
      type: 'string',
      value: 'MS',
      env: 'ALOFT_GONE_AFTER_MS',
      defaultText: ms(defaultTimings.goneAfterMs ?? 300),
      help:
        'a member whose address refused connections (or answers as a new incarnation) this long, silent since, is unreachable; ' +
        'found so by every member, it is downed without waiting for stable-after; 0 turns this off',
    },
    'leave-timeout-ms': {
      type: 'string',
      value: 'MS',
      env: 'ALOFT_LEAVE_TIMEOUT_MS',
      default: '10000',
      help: 'how long a graceful leave waits for the others to see it go',
    },
    'singleton-margin-ms': {
      type: 'string',
      value: 'MS',
      env: 'ALOFT_SINGLETON_MARGIN_MS',
      defaultText: 'half of stable-after',
      help: 'how long the next singleton host waits after the previous one was downed',
    },
    'admin-port': {
      type: 'string',
      value: 'PORT',
      env: 'ALOFT_ADMIN_PORT',
      group: 'Operations:',
      help: 'admin HTTP API (HTTPS with the cluster certificate when cluster TLS is on; needs a token)',
    },
    'admin-token-file': {
      type: 'string',
      value: 'FILE',
      env: 'ALOFT_ADMIN_TOKEN_FILE',
      help: 'read the admin API token (at least 8 characters) from a file; or set ALOFT_ADMIN_TOKEN. Never on the command line',
    },
    route: {
      type: 'string',
      value: 'ADV=DIAL',
      multiple: true,
      env: 'ALOFT_ROUTES',
      help: 'dial another address for a peer advertised as ADV; repeatable (the variable: comma-separated)',
    },
  },
});

type ClusterFlag = keyof typeof CLUSTER_CLI.spec.flags & string;

/** The admin token's variable: read directly, as it has no flag (see REFUSED_FLAGS). */
export const ADMIN_TOKEN_ENV = 'ALOFT_ADMIN_TOKEN';

/** Every environment variable the cluster settings read. */
export const CLUSTER_ENV: readonly string[] = [
  ...Object.values(CLUSTER_CLI.spec.flags).flatMap((f) => (f.env === undefined ? [] : [f.env])),
  ADMIN_TOKEN_ENV,
];

/**
 * Flags taken out of the command line only to be refused with a reason: a secret in argv is
 * visible to every local user in `ps` and /proc/PID/cmdline.
 */
const REFUSED_FLAGS: Readonly<Record<string, string>> = {
  'admin-token': `--admin-token is refused: the command line is visible to every local user (ps). Set ${ADMIN_TOKEN_ENV} or use --admin-token-file FILE`,
};

/**
 * Splits `argv` into the cluster's flags (with their values) and the rest, by parseArgs' tokens:
 * a cluster flag is `--name value` or `--name=value`; everything else, `--` and what follows it
 * included, is left to the caller's parser. `help`: --help or -h was given.
 */
function splitArgv(argv: readonly string[]): { own: string[]; named: ClusterFlag[]; rest: string[]; help: boolean; refused: string[] } {
  const flags: Readonly<Record<string, { readonly type: 'string' | 'boolean' }>> = CLUSTER_CLI.spec.flags;
  const options = Object.fromEntries(
    Object.entries(flags).map(([name, f]) => [
      name,
      f.type === 'boolean' ? { type: 'boolean' as const } : { type: 'string' as const, multiple: true },
    ]),
  );
  const { tokens } = parseArgs({ args: [...argv], options, strict: false, allowPositionals: true, tokens: true });
  const taken = new Set<number>();
  const named: ClusterFlag[] = [];
  const refused: string[] = [];
  let help = false;
  for (const token of tokens) {
    if (token.kind !== 'option') continue;
    if (token.name === 'help' || token.rawName === '-h') help = true;
    const why = REFUSED_FLAGS[token.name];
    if (why !== undefined && !refused.includes(why)) refused.push(why);
    if (!(token.name in flags)) continue;
    taken.add(token.index);
    // `--seeds h:p`: the value is the next argument.
    if (token.value !== undefined && !token.inlineValue) taken.add(token.index + 1);
    if (!named.includes(token.name as ClusterFlag)) named.push(token.name as ClusterFlag);
  }
  return {
    own: argv.filter((_, i) => taken.has(i)),
    named,
    rest: argv.filter((_, i) => !taken.has(i)),
    help,
    refused,
  };
}

/**
 * Takes the cluster flags out of `argv` and returns the rest for the caller's own parser.
 * `config` is undefined when clustering is not asked for, or when --help was (the rest keeps it).
 */
export function parseClusterConfig(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = process.env,
): { config: ClusterConfig | undefined; rest: string[] } {
  const { own, named, rest, help, refused } = splitArgv(argv);
  if (help) return { config: undefined, rest };
  if (refused.length > 0) throw new ConfigError(refused[0] as string);
  const v = CLUSTER_CLI.parse(own, env).values;
  const label = CLUSTER_CLI.label;
  const clusterName = v['cluster-name'];
  if (clusterName === undefined) {
    // Only flags count: the same environment may well serve a node that runs alone.
    if (named.length > 0) throw new ConfigError(`${named.map((n) => `--${n}`).join(', ')} given without --cluster-name (or ALOFT_CLUSTER)`);
    return { config: undefined, rest };
  }
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(clusterName))
    throw new ConfigError(`cluster name "${clusterName}" must be 1-64 letters, digits, "_", "." or "-"`);
  const int = (flag: ClusterFlag, fallback: number, min = 0): number => {
    const raw = v[flag] as string | undefined;
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min) throw new ConfigError(`${label(flag)} must be an integer >= ${min}, got "${raw}"`);
    return n;
  };
  const address = (flag: ClusterFlag, raw: string): string => {
    if (!/^[^\s:]+:\d{1,5}$/.test(raw) || Number(raw.slice(raw.lastIndexOf(':') + 1)) > 65535)
      throw new ConfigError(`${label(flag)}: "${raw}" is not host:port`);
    return raw;
  };
  const seeds = (v.seeds ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => address('seeds', s));
  const readSecretFile = (flag: ClusterFlag, file: string): string => {
    try {
      return readFileSync(file, 'utf8').trim();
    } catch (error) {
      throw new ConfigError(`cannot read --${flag} ${file}: ${(error as Error).message}`);
    }
  };
  let secret = v.secret;
  const secretFile = v['secret-file'];
  if (secret === undefined && secretFile !== undefined) secret = readSecretFile('secret-file', secretFile);
  const warnings: string[] = [];
  if (named.includes('secret'))
    warnings.push(
      '--secret on the command line is visible to every local user (ps, /proc/PID/cmdline): use --secret-file or ALOFT_CLUSTER_SECRET',
    );
  if (secret === undefined || secret.length < 16)
    throw new ConfigError(
      'a cluster secret of at least 16 characters is required (--secret, --secret-file, ALOFT_CLUSTER_SECRET or ALOFT_CLUSTER_SECRET_FILE)',
    );
  const cert = v['tls-cert'];
  const key = v['tls-key'];
  if ((cert === undefined) !== (key === undefined)) throw new ConfigError('--tls-cert and --tls-key go together');
  const ca = v['tls-ca'];
  if (ca !== undefined && cert === undefined) throw new ConfigError('--tls-ca needs --tls-cert and --tls-key');
  const insecure = v['tls-insecure'];
  if (insecure && cert === undefined) throw new ConfigError('--tls-insecure needs --tls-cert and --tls-key');
  const adminPort = v['admin-port'] === undefined ? undefined : int('admin-port', 0);
  // The file wins over the variable, as a flag over a variable.
  const tokenFile = v['admin-token-file'];
  const adminToken = tokenFile !== undefined ? readSecretFile('admin-token-file', tokenFile) : env[ADMIN_TOKEN_ENV] || undefined;
  if (adminPort !== undefined && (adminToken === undefined || adminToken.length < 8))
    throw new ConfigError(`the admin API needs a token of at least 8 characters: set ${ADMIN_TOKEN_ENV} or use --admin-token-file FILE`);
  const routes: Record<string, string> = {};
  for (const raw of v.route) {
    const [from, to] = raw.split('=');
    if (from === undefined || to === undefined) throw new ConfigError(`--route "${raw}" must be advertised=dial`);
    routes[address('route', from)] = address('route', to);
  }
  const timings: MembershipTimings = {
    gossipIntervalMs: int('gossip-ms', defaultTimings.gossipIntervalMs, 10),
    heartbeatIntervalMs: int('heartbeat-ms', defaultTimings.heartbeatIntervalMs, 10),
    phiThreshold: Number(v['phi-threshold'] ?? defaultTimings.phiThreshold),
    acceptablePauseMs: int('acceptable-pause-ms', defaultTimings.acceptablePauseMs),
    stableAfterMs: int('stable-after-ms', defaultTimings.stableAfterMs),
    joinRetryMs: int('heartbeat-ms', defaultTimings.joinRetryMs, 10),
    seedTimeoutMs: int('seed-timeout-ms', defaultTimings.seedTimeoutMs),
    goneAfterMs: int('gone-after-ms', defaultTimings.goneAfterMs ?? 300),
  };
  if (!(timings.phiThreshold > 0)) throw new ConfigError(`${label('phi-threshold')} must be a positive number`);
  const stableAfter = timings.stableAfterMs;
  const downing = parseDowning(v.downing, stableAfter);
  // The lease lives in Redis: without it every side of a partition fails to take the lease and
  // downs itself, and the whole cluster stops.
  if (downing._tag === 'LeaseMajority' && v['redis-url'] === undefined)
    throw new ConfigError('--downing lease-majority needs --redis-url (or ALOFT_REDIS_URL): the lease is held in Redis');
  return {
    config: {
      clusterName,
      seeds,
      redisUrl: v['redis-url'],
      bindHost: v['cluster-host'],
      bindPort: int('cluster-port', 2552),
      advertise: v.advertise === undefined ? undefined : address('advertise', v.advertise),
      secret,
      tls: cert !== undefined && key !== undefined ? { cert, key, ca, insecure } : undefined,
      roles: (v.roles ?? '').split(',').filter((r) => r.length > 0),
      downing,
      timings,
      adminPort,
      adminToken,
      routes,
      leaveTimeoutMs: int('leave-timeout-ms', 10_000),
      singletonMarginMs: int('singleton-margin-ms', Math.ceil(stableAfter / 2)),
      warnings,
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
