/**
 * The load generator: `npm run load -- write|read [options]`.
 *
 * Without --url it starts its own node (a child process on a free loopback port, a fresh data
 * directory, the demo season loaded for the read workload) and stops it afterwards, so each
 * workload is one command. With --url it drives any node on this machine.
 *
 *   write:  --planners 400 --ramp 50 --ramp-every-ms 1000 --legs 10 --duration 30
 *           --connections N          N connections shared by all planners (default: one each)
 *           --closed-connections 64 --closed-duration 5   the closed loop after the planners
 *           --no-baseline            skip the closed loop against the bare server
 *           --no-closed              skip the closed loop altogether
 *           --workers N              the started node's worker threads (default: its own)
 *   read:   --rate 5000 --ramp-seconds 5 --duration 20 --connections 64
 *   both:   --url http://127.0.0.1:8080 --timeout-ms 10000 --json
 *
 * The write workload runs in up to three phases: the paper's planners against Aloft; then a
 * closed loop of --closed-connections connections (closed.ts) against Aloft; then the same loop
 * against a bare uWebSockets.js server started here (bare.ts), the HTTP ceiling of this machine
 * in this run. Each phase reports the load generator's CPU, and the server's when it is a child.
 *
 * Each planner gets its own connection by default. The paper's planners were people in
 * browsers, one connection each. With a pool of 64 shared by 400 planners the client itself
 * queues up to 336 commands, and their wait is reported as the server's latency (the server's
 * own answer time is the closed loop's, a fraction of it). Measured 2026-11-27 on this 2-core
 * machine against a `--workers 0` node, 400 planners, 15 s runs, with other work loading it to
 * 9-13: one connection each 2,120, 2,235 and 1,219 commands/s, 64 shared 1,450, 639 and 1,781,
 * so no rate difference that stands out of that noise; the generator took 9-12% of a core
 * (about 50-75 µs per command) either way. Per-planner connections cost the client nothing
 * measurable, so the default is the one that represents the paper's planners.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { defineCli, EXIT_USAGE, UsageError } from '../../src/cli/args.ts';
import { closedLoop } from './closed.ts';
import { cpuMeter } from './cpu.ts';
import { connections } from './http.ts';
import { figures, print, type ClosedFigures, type Figures } from './report.ts';
import { readWorkload } from './read.ts';
import { registrations, writeWorkload } from './write.ts';

const CLOSED_WARMUP_MS = 1000;

const LOAD_CLI = defineCli({
  name: 'load',
  usage: 'usage: npm run load -- write|read [options]',
  description: 'Without --url it starts its own node on a free loopback port (the demo season loaded for read)\nand stops it afterwards.',
  positionals: true,
  flags: {
    url: { type: 'string', value: 'URL', defaultText: 'a node started here', help: 'drive this node (loopback only)' },
    connections: {
      type: 'string',
      help: 'write: connections shared by all planners (default one per planner); read: connections (default 64)',
    },
    duration: { type: 'string', value: 'S', help: 'seconds of load (default write 30, read 20)' },
    'timeout-ms': { type: 'string', value: 'MS', default: '10000', help: 'timeout of one request' },
    json: { type: 'boolean', help: 'print the figures as JSON (progress goes to stderr)' },
    planners: { type: 'string', default: '400', group: 'write:', help: "the paper's planners" },
    ramp: { type: 'string', default: '50', help: 'planners added per step' },
    'ramp-every-ms': { type: 'string', value: 'MS', default: '1000', help: 'time between steps' },
    legs: { type: 'string', default: '10', help: 'legs per rotation' },
    'closed-connections': { type: 'string', default: '64', help: 'connections of the closed loop after the planners' },
    'closed-duration': { type: 'string', value: 'S', default: '5', help: 'seconds of the closed loop' },
    'no-baseline': { type: 'boolean', help: 'skip the closed loop against the bare server' },
    'no-closed': { type: 'boolean', help: 'skip the closed loop altogether' },
    workers: { type: 'string', defaultText: "the node's own", help: "the started node's worker threads" },
    rate: { type: 'string', value: 'N', default: '5000', group: 'read:', help: 'queries per second' },
    'ramp-seconds': { type: 'string', value: 'S', default: '5', help: 'seconds to reach the rate' },
  },
});

/** Flags whose value is a positive number (the rest are --url, --workers and the switches). */
const NUMBERS = [
  'connections',
  'duration',
  'timeout-ms',
  'planners',
  'ramp',
  'ramp-every-ms',
  'legs',
  'closed-connections',
  'closed-duration',
  'rate',
  'ramp-seconds',
] as const;

/** The workload and the flags set or defaulted (a switch as '1'), every number checked before anything starts. */
function parse(argv: readonly string[]): { workload: 'write' | 'read'; flags: Map<string, string> } | 'help' {
  const parsed = LOAD_CLI.parse(argv, {});
  if (parsed.help) return 'help';
  const [workload, ...extra] = parsed.positionals;
  if (workload !== 'write' && workload !== 'read')
    throw new UsageError(workload === undefined ? 'name a workload: write or read' : `unknown workload ${workload}: write or read`);
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}" (try --help)`);
  const flags = new Map<string, string>();
  for (const [name, value] of Object.entries(parsed.values)) {
    if (value === true) flags.set(name, '1');
    else if (typeof value === 'string') flags.set(name, value);
  }
  for (const name of NUMBERS) num(flags, name, 1);
  return { workload, flags };
}

function num(flags: Map<string, string>, name: string, fallback: number): number {
  const v = flags.get(name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--${name} must be a positive number, got ${v}`);
  return n;
}

interface Child {
  readonly url: string;
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts a server script that prints its URL on stdout, and waits for that line. */
async function startChild(script: string, args: readonly string[], label: string, log: (l: string) => void): Promise<Child> {
  const file = fileURLToPath(new URL(script, import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let buffer = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const m = /(http:\/\/[\d.]+:\d+)\//.exec(buffer);
      if (m) resolve(m[1] as string);
    });
    child.once('exit', (code) => reject(new Error(`the ${label} exited with code ${code} before it listened`)));
  });
  child.stdout?.on('data', (chunk: Buffer) => log(`  [${label}] ${chunk.toString().trim()}`));
  const exited = new Promise((r) => child.once('exit', r));
  return {
    url,
    child,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

async function startNode(demoSeason: boolean, workers: string | undefined, log: (l: string) => void): Promise<Child> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'aloft-load-'));
  const args = [
    '--port',
    '0',
    '--data',
    dir,
    ...(demoSeason ? ['--demo-season'] : []),
    ...(workers === undefined ? [] : ['--workers', workers]),
  ];
  const node = await startChild('../../src/main.ts', args, 'node', log).catch((error: unknown) => {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  });
  return {
    ...node,
    stop: async () => {
      await node.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function waitReady(pool: Pool, log: (l: string) => void, demo: boolean): Promise<void> {
  const deadline = Date.now() + 15 * 60_000;
  for (;;) {
    const ready = await pool.request({ method: 'GET', path: '/readyz' }).then(
      async (r) => {
        // Read the body to the end so the pooled connection can be reused.
        await r.body.text();
        return r.statusCode === 200;
      },
      () => false,
    );
    let loaded = !demo;
    if (demo && ready) {
      const r = await pool.request({ method: 'GET', path: '/api/checks/designators?limit=1' });
      const body = (await r.body.json()) as { offset?: number };
      loaded = (body.offset ?? 0) > 180_000;
    }
    if (ready && loaded) return;
    if (Date.now() > deadline) throw new Error('the node did not become ready in 15 minutes');
    await new Promise((r) => setTimeout(r, 2000));
    log('  waiting for the node (and its demo season) to be ready…');
  }
}

async function write(
  origin: string,
  flags: Map<string, string>,
  serverPid: number | undefined,
  log: (l: string) => void,
): Promise<Figures> {
  const timeoutMs = num(flags, 'timeout-ms', 10_000);
  const legsPerRotation = num(flags, 'legs', 10);
  const runId = `L${Date.now().toString(36)}`;
  const registration = registrations();
  const shared = flags.has('connections') ? num(flags, 'connections', 64) : undefined;
  const conns = connections(origin, shared);
  const planners = num(flags, 'planners', 400);
  log(
    `write workload against ${origin}: ${planners} planners, connections ${shared === undefined ? 'one per planner' : `${shared} shared`}`,
  );
  const meter = cpuMeter(serverPid);
  let result: Awaited<ReturnType<typeof writeWorkload>>;
  try {
    result = await writeWorkload(
      conns,
      {
        planners,
        rampEvery: num(flags, 'ramp', 50),
        rampStepMs: num(flags, 'ramp-every-ms', 1000),
        legsPerRotation,
        durationMs: num(flags, 'duration', 30) * 1000,
        timeoutMs,
        runId,
        registration,
      },
      log,
    );
  } finally {
    await conns.close();
  }
  const planned = figures('write', result.rec, result.seconds, {
    connections: shared === undefined ? `${planners} (one per planner)` : `${shared} shared by ${planners} planners`,
    cpu: meter(),
  });
  if (flags.has('no-closed')) return planned;

  const closed = {
    connections: num(flags, 'closed-connections', 64),
    warmupMs: CLOSED_WARMUP_MS,
    durationMs: num(flags, 'closed-duration', 5) * 1000,
    legsPerRotation,
    timeoutMs,
    registration,
  };
  const phase = async (url: string, pid: number | undefined, suffix: string): Promise<Figures> => {
    const m = cpuMeter(pid);
    const r = await closedLoop(url, { ...closed, runId: `${runId}-${suffix}` });
    return figures('write', r.rec, r.seconds, { connections: `${closed.connections} (one per slot)`, cpu: m() });
  };
  log(
    `closed loop against Aloft: ${closed.connections} connections, ${closed.durationMs / 1000} s after ${CLOSED_WARMUP_MS / 1000} s warm-up`,
  );
  const aloft = await phase(origin, serverPid, 'c');
  let bare: Figures | undefined;
  if (!flags.has('no-baseline')) {
    const server = await startChild('./bare.ts', [], 'bare', log);
    try {
      log(`closed loop against the bare server at ${server.url}`);
      bare = await phase(server.url, server.child.pid, 'b');
    } finally {
      await server.stop();
    }
  }
  const c: ClosedFigures = {
    connections: closed.connections,
    warmupSeconds: CLOSED_WARMUP_MS / 1000,
    aloft,
    ...(bare === undefined ? {} : { bare, ratio: aloft.perSecond / bare.perSecond }),
  };
  return { ...planned, closed: c };
}

async function main(): Promise<void> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(LOAD_CLI.usageText(error));
    process.exit(EXIT_USAGE);
  }
  if (parsed === 'help') {
    console.log(LOAD_CLI.help());
    return;
  }
  const { workload, flags } = parsed;
  const json = flags.has('json');
  const log = json ? (l: string) => console.error(l) : (l: string) => console.log(l);
  let own: Child | undefined;
  const url = flags.get('url') ?? (own = await startNode(workload === 'read', flags.get('workers'), log)).url;
  const u = new URL(url);
  if (!/^(127\.|localhost$|\[::1\]$)/.test(u.hostname))
    throw new Error(`refusing to load ${u.hostname}: the load generator only targets loopback addresses`);
  const pool = new Pool(u.origin, { connections: num(flags, 'connections', 64), pipelining: 1, keepAliveTimeout: 30_000 });
  try {
    await waitReady(pool, log, workload === 'read' && own !== undefined);
    let f: Figures;
    if (workload === 'write') {
      f = await write(u.origin, flags, own?.child.pid, log);
    } else {
      const sample = await pool.request({ method: 'GET', path: '/api/checks/continuity?limit=200' });
      const rotations = [
        ...new Set(
          ((await sample.body.json()) as { violations?: Array<{ rotationId?: string }> }).violations
            ?.map((v) => v.rotationId)
            .filter((r): r is string => r !== undefined) ?? [],
        ),
      ];
      log(`read workload against ${u.origin} (${rotations.length} rotations sampled for per-rotation queries)`);
      const meter = cpuMeter(own?.child.pid);
      const result = await readWorkload(
        pool,
        {
          rate: num(flags, 'rate', 5000),
          rampMs: num(flags, 'ramp-seconds', 5) * 1000,
          durationMs: num(flags, 'duration', 20) * 1000,
          timeoutMs: num(flags, 'timeout-ms', 10_000),
          rotations,
        },
        log,
      );
      f = figures('read', result.rec, result.seconds, { connections: `${num(flags, 'connections', 64)} shared`, cpu: meter() });
    }
    console.log(json ? JSON.stringify(f, null, 2) : `\n${print(f)}\n`);
  } finally {
    await pool.close();
    await own?.stop();
  }
}

main().catch((error: unknown) => {
  console.error(`load: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
