/**
 * One Aloft node (src/main.ts) as a child process on loopback ports that stay the same across
 * restarts, so a restarted node comes back at its old address as a new incarnation.
 *
 * Output goes to a log file per node, not a pipe: on Linux a write to a pipe blocks when the
 * reader is slow, and a node blocked on its log misses heartbeats, which would be a fault we
 * did not mean to inject.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { until } from './net.ts';

const MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url));

/** The node contract's short timings (docs/cluster.md): the chaos cluster's, and the cluster tests' (test/cluster/fixtures/harness.ts). */
export const FAST_TIMINGS = [
  '--heartbeat-ms',
  '200',
  '--gossip-ms',
  '200',
  '--acceptable-pause-ms',
  '3000',
  '--stable-after-ms',
  '2000',
  '--seed-timeout-ms',
  '2000',
];

export interface NodeSpec {
  readonly name: string;
  readonly httpPort: number;
  readonly dataDir: string;
  readonly logDir: string;
  /** Everything after the HTTP flags: cluster flags, roles, routes; empty for a standalone node. */
  readonly extraArgs: readonly string[];
  /** Admin API of a cluster member, when it has one. */
  readonly admin?: { readonly port: number; readonly token: string };
}

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export class NodeProcess {
  private proc: ChildProcess | undefined;
  private exit: Exit | undefined;
  private starts = 0;
  /** Every exit of every incarnation, in order, for the report. */
  readonly exits: Exit[] = [];
  paused = false;

  constructor(readonly spec: NodeSpec) {}

  get name(): string {
    return this.spec.name;
  }

  get url(): string {
    return `http://127.0.0.1:${this.spec.httpPort}`;
  }

  get running(): boolean {
    return this.proc !== undefined && this.exit === undefined;
  }

  get lastExit(): Exit | undefined {
    return this.exit;
  }

  get logFile(): string {
    return path.join(this.spec.logDir, `${this.spec.name}.${this.starts}.log`);
  }

  start(): void {
    if (this.running) throw new Error(`${this.name} is already running`);
    mkdirSync(this.spec.dataDir, { recursive: true });
    mkdirSync(this.spec.logDir, { recursive: true });
    this.starts++;
    this.exit = undefined;
    this.paused = false;
    const fd = openSync(this.logFile, 'a');
    const args = [
      '--import',
      'tsx',
      MAIN,
      '--host',
      '127.0.0.1',
      '--port',
      String(this.spec.httpPort),
      '--data',
      this.spec.dataDir,
      '--workers',
      '1',
      '--durability',
      'commit',
      ...this.spec.extraArgs,
    ];
    // NODE_OPTIONS cleared: a test runner's own --import hooks must not leak into the node. The
    // admin token goes in the environment: a node refuses it on the command line (ps shows argv).
    const env = { ...process.env, NODE_OPTIONS: '', ...(this.spec.admin ? { ALOFT_ADMIN_TOKEN: this.spec.admin.token } : {}) };
    const proc = spawn(process.execPath, args, { stdio: ['ignore', fd, fd], env });
    closeSync(fd);
    proc.on('exit', (code, signal) => {
      const e = { code, signal };
      this.exits.push(e);
      if (this.proc === proc) this.exit = e;
    });
    this.proc = proc;
  }

  /** Waits until GET /readyz answers 200 (the node listens and its views caught up). */
  async ready(timeoutMs: number): Promise<void> {
    await until(
      async () => {
        if (this.exit)
          throw new Error(`${this.name} exited (code ${this.exit.code}, signal ${this.exit.signal}) before it was ready:\n${this.tail()}`);
        return this.get('/readyz').then(
          (r) => r.status === 200,
          () => false,
        );
      },
      timeoutMs,
      `${this.name} ready`,
    );
  }

  async get(pathAndQuery: string, timeoutMs = 10_000): Promise<{ status: number; body: unknown }> {
    const res = await fetch(`${this.url}${pathAndQuery}`, { signal: AbortSignal.timeout(timeoutMs) });
    const text = await res.text();
    return { status: res.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
  }

  /** GET on the admin API; undefined for a node without one or a route it does not have (yet). */
  async admin<T>(route: string, timeoutMs = 5_000): Promise<T | undefined> {
    const a = this.spec.admin;
    if (!a) return undefined;
    const res = await fetch(`http://127.0.0.1:${a.port}${route}`, {
      headers: { authorization: `Bearer ${a.token}` },
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw new Error(`${this.name}: GET ${route} answered ${res.status}`);
    return (await res.json()) as T;
  }

  signal(signal: NodeJS.Signals): void {
    if (this.running) this.proc?.kill(signal);
    if (signal === 'SIGSTOP') this.paused = true;
    if (signal === 'SIGCONT') this.paused = false;
  }

  async exited(timeoutMs: number): Promise<Exit> {
    return until(
      () => this.exit ?? (this.proc === undefined ? { code: null, signal: null } : undefined),
      timeoutMs,
      `${this.name} to exit`,
    );
  }

  /** SIGTERM (graceful leave and stop), SIGKILL when it has not exited by the deadline (`forced`). */
  async stop(timeoutMs = 20_000): Promise<{ readonly exit: Exit | undefined; readonly forced: boolean }> {
    if (!this.running) return { exit: this.exit, forced: false };
    if (this.paused) this.signal('SIGCONT');
    this.signal('SIGTERM');
    try {
      return { exit: await this.exited(timeoutMs), forced: false };
    } catch {
      this.signal('SIGKILL');
      return { exit: await this.exited(10_000), forced: true };
    }
  }

  tail(lines = 20): string {
    try {
      return readFileSync(this.logFile, 'utf8')
        .trimEnd()
        .split('\n')
        .slice(-lines)
        .map((l) => `  [${this.name}] ${l}`)
        .join('\n');
    } catch {
      return `  [${this.name}] (no log)`;
    }
  }
}
