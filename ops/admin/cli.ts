/**
 * aloft-admin: the cluster admin CLI, against any node's admin HTTP API.
 *
 *   node --import tsx ops/admin/cli.ts [--url https://host:port] [--token-file FILE] [--ca FILE] [--json] members
 *   node --import tsx ops/admin/cli.ts ... leave <node | host:port>
 *   node --import tsx ops/admin/cli.ts ... down <node | host:port>
 *   node --import tsx ops/admin/cli.ts ... drain <node | host:port>   hand off its shards, then leave
 *   node --import tsx ops/admin/cli.ts ... shards                     shards per node, entities here
 *   node --import tsx ops/admin/cli.ts ... rebalance                  recompute the shard table now
 *   node --import tsx ops/admin/cli.ts ... views                      lag of the node's view replicas
 *   node --import tsx ops/admin/cli.ts ... backends                   the node's journal, publisher and graph projection: state, lag
 *
 * --url defaults to ALOFT_ADMIN_URL or http://127.0.0.1:8558. The token comes from ALOFT_ADMIN_TOKEN
 * or --token-file, never from the command line (every local user sees it in `ps`). An https URL
 * is verified against the system CAs, or --ca (ALOFT_ADMIN_CA) for the cluster's own CA.
 * Exit codes: 0 done, 2 usage, 3 node unreachable, 4 token refused, 5 other API error.
 */
import { readFileSync } from 'node:fs';
import { defineCli, EXIT_USAGE } from '../../src/cli/args.ts';
import { adminRequest, AdminUnreachable, type AdminClientTls } from '../../src/cluster/admin-client.ts';
import type { MembersView } from '../../src/cluster/index.ts';

interface ShardsView {
  readonly self: string;
  readonly shardCount: number;
  readonly owners: Readonly<Record<string, number>>;
  readonly here: { readonly active: number; readonly waiting: number; readonly releasing: number; readonly buffered: number };
  readonly entities: Readonly<Record<string, number>>;
  readonly entitiesHere: number;
}

interface ViewsView {
  readonly self: string;
  readonly replicas: ReadonlyArray<{ readonly thread: number; readonly state: string; readonly offset: number; readonly lag: number }>;
}

interface BackendsView {
  readonly self: string;
  readonly backends: ReadonlyArray<{
    readonly name: string;
    readonly state: string;
    readonly reason?: string;
    readonly position?: number;
    readonly lag?: number;
  }>;
}

/** A failure with the process exit code it means (see the module comment). */
class CliError extends Error {
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
  }
}

interface Args {
  url: URL;
  token: string;
  tls: AdminClientTls;
  json: boolean;
  command: string[];
}

const LISTINGS = ['members', 'shards', 'views', 'backends', 'rebalance'];
const ACTIONS = ['leave', 'down', 'drain'];

/** The admin CLI's flags: parser and `--help` from this one table (src/cli/args.ts). */
export const ADMIN_CLI = defineCli({
  name: 'aloft-admin',
  usage:
    'usage: aloft-admin [--url https://host:port] [--token-file FILE] [--ca FILE] [--json] members | shards | views | backends | rebalance | leave <node> | down <node> | drain <node>',
  description: [
    'commands:',
    "  members             the cluster's members: status, reachability, roles, the leader",
    '  shards              shards per node, entities here',
    "  views               lag of the node's view replicas",
    "  backends            the node's journal, publisher and graph projection: state, lag",
    '  rebalance           recompute the shard table now',
    '  leave <node>        ask a member to leave (node id or host:port)',
    '  down <node>         mark a member down',
    '  drain <node>        hand off its shards, then leave',
  ].join('\n'),
  footer: [
    'The token: ALOFT_ADMIN_TOKEN, or --token-file; never on the command line, where every local user sees it (ps).',
    'Exit codes: 0 done, 2 usage, 3 node unreachable, 4 token refused, 5 other API error.',
  ].join('\n'),
  positionals: true,
  error: (message) => new CliError(message, 2),
  flags: {
    url: { type: 'string', value: 'URL', env: 'ALOFT_ADMIN_URL', default: 'http://127.0.0.1:8558', help: "the node's admin API" },
    'token-file': {
      type: 'string',
      value: 'FILE',
      env: 'ALOFT_ADMIN_TOKEN_FILE',
      help: "read the admin token from a file (the node's --admin-token-file); else ALOFT_ADMIN_TOKEN",
    },
    ca: {
      type: 'string',
      value: 'FILE',
      env: 'ALOFT_ADMIN_CA',
      help: "for an https URL: the CA that signed the node's certificate (--tls-ca)",
    },
    insecure: {
      type: 'boolean',
      env: 'ALOFT_ADMIN_INSECURE',
      help: 'for an https URL: accept any certificate. INSECURE: the token goes to whoever answers; prints a warning',
    },
    json: { type: 'boolean', help: "print the API's JSON instead of a table" },
  },
});

/** The command line of the admin CLI; a CliError (code 0 with the help text for --help). */
export function parseArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): Args {
  if (argv.some((a) => a === '--token' || a.startsWith('--token=')))
    throw new CliError(
      '--token is refused: the command line is visible to every local user (ps). Set ALOFT_ADMIN_TOKEN or use --token-file FILE',
      2,
    );
  const parsed = ADMIN_CLI.parse(argv, env);
  if (parsed.help) throw new CliError(ADMIN_CLI.help(), 0);
  const v = parsed.values;
  let url: URL;
  try {
    url = new URL(v.url);
  } catch {
    throw new CliError(`--url/ALOFT_ADMIN_URL: "${v.url}" is not a URL`, 2);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new CliError(`--url/ALOFT_ADMIN_URL: "${v.url}" must be http:// or https://`, 2);
  const read = (label: string, file: string): string => {
    try {
      return readFileSync(file, 'utf8');
    } catch (error) {
      throw new CliError(`cannot read ${label} ${file}: ${(error as Error).message}`, 2);
    }
  };
  const tokenFile = v['token-file'];
  const token = tokenFile !== undefined ? read('--token-file', tokenFile).trim() : env.ALOFT_ADMIN_TOKEN;
  const ca = v.ca === undefined ? undefined : Buffer.from(read('--ca', v.ca));
  const args = {
    url,
    token: token ?? '',
    tls: { ...(ca ? { ca } : {}), insecure: v.insecure },
    json: v.json,
    command: parsed.positionals,
  };
  const [cmd, target, ...extra] = args.command;
  const ok = LISTINGS.includes(cmd ?? '')
    ? target === undefined
    : ACTIONS.includes(cmd ?? '') && target !== undefined && extra.length === 0;
  if (!ok) throw new CliError(cmd === undefined ? 'a command is needed' : `bad command: ${args.command.join(' ')}`, 2);
  if (!args.token) throw new CliError('no admin token: set ALOFT_ADMIN_TOKEN or use --token-file FILE', 2);
  if ((ca !== undefined || v.insecure) && url.protocol !== 'https:') throw new CliError('--ca and --insecure are for an https:// URL', 2);
  return args;
}

async function call(args: Args, method: 'GET' | 'POST', path: string): Promise<unknown> {
  const at = args.url.origin;
  let res: { status: number; body: unknown };
  try {
    res = await adminRequest(new URL(path, args.url), { method, authorization: `Bearer ${args.token}`, tls: args.tls, timeoutMs: 5_000 });
  } catch (error) {
    const code = error instanceof AdminUnreachable ? error.code : undefined;
    const hint =
      args.url.protocol === 'http:' && code === 'ECONNRESET'
        ? ' (does the node serve https? its admin API does when cluster TLS is on)'
        : code === 'ERR_TLS_CERT_ALTNAME_INVALID'
          ? ' (use the address its certificate names: the host it binds)'
          : code !== undefined && /CERT|SIGNATURE|UNABLE_TO/.test(code)
            ? " (trust the cluster's CA with --ca FILE or ALOFT_ADMIN_CA)"
            : '';
    throw new CliError(`cannot reach the node at ${at}: ${code ?? ''}${code ? ' ' : ''}${(error as Error).message}${hint}`, 3);
  }
  const body = (res.body ?? {}) as { title?: string };
  if (res.status === 401) throw new CliError(`the node at ${at} refused the admin token (401)`, 4);
  if (res.status < 200 || res.status >= 300) throw new CliError(`${method} ${path}: ${res.status} ${body.title ?? ''}`.trim(), 5);
  return body;
}

/** The members as a table, with the leader and convergence under it. */
export function membersTable(view: MembersView): string {
  const rows = view.members.map((m) => [
    m.address,
    m.incarnation,
    m.status,
    m.reachable ? 'reachable' : 'UNREACHABLE',
    String(m.upNumber),
    m.roles.join(',') || '-',
    [m.node === view.leader ? 'leader' : '', m.node === view.self ? 'self' : ''].filter(Boolean).join(' '),
  ]);
  const header = ['ADDRESS', 'INCARNATION', 'STATUS', 'REACHABILITY', 'AGE', 'ROLES', ''];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line), '', `leader: ${view.leader ?? '(none)'}   converged: ${view.converged ? 'yes' : 'no'}`].join(
    '\n',
  );
}

/** Shards per node, this node's handoff state and its busiest shards. */
export function shardsTable(v: ShardsView): string {
  const rows = Object.entries(v.owners)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([node, n]) => [node, String(n), node === v.self ? 'self' : '']);
  const header = ['NODE', 'SHARDS', ''];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  const busiest = Object.entries(v.entities)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 5)
    .map(([s, n]) => `${s}:${n}`)
    .join(' ');
  return [
    line(header),
    ...rows.map(line),
    '',
    `${v.shardCount} shards; here: ${v.here.active} active, ${v.here.waiting} waiting for handoff, ${v.here.releasing} releasing, ${v.here.buffered} messages buffered`,
    `entities here: ${v.entitiesHere}${busiest ? ` (busiest shards ${busiest})` : ''}`,
  ].join('\n');
}

/** Runs one command; resolves to the process exit code (see the module comment). */
export async function main(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  print: (s: string) => void,
): Promise<number> {
  try {
    const args = parseArgs(argv, env);
    if (args.tls.insecure)
      process.stderr.write('aloft-admin: warning: --insecure: the certificate is not checked, the token goes to whoever answers\n');
    const [cmd, target] = args.command as [string, string | undefined];
    if (cmd === 'members') {
      const view = (await call(args, 'GET', '/cluster/members')) as MembersView;
      print(args.json ? JSON.stringify(view, null, 2) : membersTable(view));
    } else if (cmd === 'shards') {
      const view = (await call(args, 'GET', '/cluster/shards?brief=1')) as ShardsView;
      print(args.json ? JSON.stringify(view, null, 2) : shardsTable(view));
    } else if (cmd === 'views') {
      const view = (await call(args, 'GET', '/cluster/views')) as ViewsView;
      print(
        args.json
          ? JSON.stringify(view, null, 2)
          : view.replicas.map((r) => `thread ${r.thread}: ${r.state}, offset ${r.offset}, lag ${r.lag}`).join('\n'),
      );
    } else if (cmd === 'backends') {
      const view = (await call(args, 'GET', '/cluster/backends')) as BackendsView;
      const line = (b: BackendsView['backends'][number]) =>
        `${b.name}: ${b.state}${b.lag !== undefined ? `, lag ${b.lag}` : ''}${b.position !== undefined ? ` (next offset ${b.position})` : ''}${b.reason ? ` - ${b.reason}` : ''}`;
      print(args.json ? JSON.stringify(view, null, 2) : [`${view.self}:`, ...view.backends.map((b) => `  ${line(b)}`)].join('\n'));
    } else if (cmd === 'rebalance') {
      const r = (await call(args, 'POST', '/cluster/shards/rebalance')) as {
        coming: number;
        leaving: number;
        owners: Record<string, number>;
      };
      print(
        args.json
          ? JSON.stringify(r)
          : `rebalance: ${r.coming} shard(s) coming to this node, ${r.leaving} leaving; ${Object.keys(r.owners).length} node(s) host shards`,
      );
    } else {
      const r = await call(args, 'POST', `/cluster/members/${encodeURIComponent(target as string)}/${cmd}`);
      print(
        args.json
          ? JSON.stringify(r)
          : `${cmd} ${(r as { node: string }).node}: ${(r as { ok: boolean }).ok ? 'accepted' : 'no change (already in that state or later)'}`,
      );
    }
    return 0;
  } catch (error) {
    if (error instanceof CliError) {
      if (error.code === 0) print(error.message);
      else process.stderr.write(`${error.code === EXIT_USAGE ? ADMIN_CLI.usageText(error) : `aloft-admin: ${error.message}`}\n`);
      return error.code;
    }
    process.stderr.write(`aloft-admin: ${(error as Error).message}\n`);
    return 1;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await main(process.argv.slice(2), process.env, (s) => console.log(s));
}
