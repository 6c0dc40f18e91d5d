/**
 * The load generator: `npm run load -- write|read [options]`.
 *
 * Without --url it starts its own node (a child process on a free loopback port, a fresh data
 * directory, the demo season loaded for the read workload) and stops it afterwards, so each
 * workload is one command. With --url it drives any node.
 *
 *   write: --planners 400 --ramp 50 --ramp-every-ms 1000 --legs 10 --duration 30
 *   read:  --rate 5000 --ramp-seconds 5 --duration 20
 *   both:  --url http://127.0.0.1:8080 --connections 64 --timeout-ms 10000 --json
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { figures, print } from './report.ts';
import { readWorkload } from './read.ts';
import { writeWorkload } from './write.ts';

const USAGE = 'usage: npm run load -- write|read [--url URL] [--connections N] [--duration S] [--planners N --ramp N --ramp-every-ms MS --legs N] [--rate N --ramp-seconds S] [--timeout-ms MS] [--json]';

function parse(argv: readonly string[]): { workload: 'write' | 'read'; flags: Map<string, string> } {
  const [workload, ...rest] = argv;
  if (workload !== 'write' && workload !== 'read') throw new Error(`first argument must be write or read\n${USAGE}`);
  const flags = new Map<string, string>();
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i] as string;
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}\n${USAGE}`);
    if (a === '--json') flags.set('json', '1');
    else {
      const v = rest[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      flags.set(a.slice(2), v);
    }
  }
  return { workload, flags };
}

function num(flags: Map<string, string>, name: string, fallback: number): number {
  const v = flags.get(name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number, got ${v}`);
  return n;
}

async function startNode(demoSeason: boolean, log: (l: string) => void): Promise<{ url: string; child: ChildProcess; dir: string }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'aloft-load-'));
  const main = fileURLToPath(new URL('../../src/main.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', main, '--port', '0', '--data', dir, ...(demoSeason ? ['--demo-season'] : [])], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let buffer = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const m = /(http:\/\/[\d.]+:\d+)\//.exec(buffer);
      if (m) resolve(m[1] as string);
    });
    child.once('exit', (code) => reject(new Error(`the node exited with code ${code} before it listened`)));
  });
  child.stdout?.on('data', (chunk: Buffer) => log(`  [node] ${chunk.toString().trim()}`));
  return { url, child, dir };
}

async function waitReady(pool: Pool, log: (l: string) => void, demo: boolean): Promise<void> {
  const deadline = Date.now() + 15 * 60_000;
  for (;;) {
    const ready = await pool.request({ method: 'GET', path: '/readyz' }).then(async (r) => (await r.body.text(), r.statusCode === 200), () => false);
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

async function main(): Promise<void> {
  const { workload, flags } = parse(process.argv.slice(2));
  const json = flags.has('json');
  const log = json ? (l: string) => console.error(l) : (l: string) => console.log(l);
  let own: Awaited<ReturnType<typeof startNode>> | undefined;
  const url = flags.get('url') ?? (own = await startNode(workload === 'read', log)).url;
  const u = new URL(url);
  if (!/^(127\.|localhost$|\[::1\]$)/.test(u.hostname)) throw new Error(`refusing to load ${u.hostname}: the load generator only targets loopback addresses`);
  const pool = new Pool(u.origin, { connections: num(flags, 'connections', 64), pipelining: 1, keepAliveTimeout: 30_000 });
  try {
    await waitReady(pool, log, workload === 'read' && own !== undefined);
    const timeoutMs = num(flags, 'timeout-ms', 10_000);
    const durationMs = num(flags, 'duration', 30) * 1000;
    let result;
    if (workload === 'write') {
      log(`write workload against ${u.origin}`);
      result = await writeWorkload(pool, { planners: num(flags, 'planners', 400), rampEvery: num(flags, 'ramp', 50), rampStepMs: num(flags, 'ramp-every-ms', 1000), legsPerRotation: num(flags, 'legs', 10), durationMs, timeoutMs, runId: `L${Date.now().toString(36)}` }, log);
    } else {
      const sample = await pool.request({ method: 'GET', path: '/api/checks/continuity?limit=200' });
      const rotations = [...new Set(((await sample.body.json()) as { violations?: Array<{ rotationId?: string }> }).violations?.map((v) => v.rotationId).filter((r): r is string => r !== undefined) ?? [])];
      log(`read workload against ${u.origin} (${rotations.length} rotations sampled for per-rotation queries)`);
      result = await readWorkload(pool, { rate: num(flags, 'rate', 5000), rampMs: num(flags, 'ramp-seconds', 5) * 1000, durationMs: num(flags, 'duration', 20) * 1000, timeoutMs, rotations }, log);
    }
    const f = figures(workload, result.rec, result.seconds);
    console.log(json ? JSON.stringify(f, null, 2) : `\n${print(f)}\n`);
  } finally {
    await pool.close();
    if (own) {
      own.child.kill('SIGTERM');
      await new Promise((r) => own?.child.once('exit', r));
      rmSync(own.dir, { recursive: true, force: true });
    }
  }
}

main().catch((error: unknown) => {
  console.error(`load: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
