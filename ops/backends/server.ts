/**
 * The live test servers of the production backends (Kafka, a CQL database for the ScyllaDB
 * journal, a Bolt graph database for the Memgraph view), run from Maven Central's jars on
 * loopback. This file holds what the three have in common: resolving a Maven project's
 * classpath, starting a JVM detached with its output in a log file, telling a live process from
 * a dead one (a zombie is dead), and waiting on a real client request with a deadline.
 *
 * Nothing here is part of the product: it exists so that every adapter's contract suite runs
 * against a real server on a developer's machine and in CI.
 */
import { spawn, execFile } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, statSync, writeFileSync, closeSync } from 'node:fs';
import path from 'node:path';
import { isProcessAlive } from '../../src/persistence/process-liveness.ts';

export type BackendName = 'kafka' | 'cql' | 'bolt';
export const BACKEND_NAMES: readonly BackendName[] = ['kafka', 'cql', 'bolt'];

export interface StartOptions {
  /** A directory of this server's own, created empty by the caller; removed by `down`. */
  readonly dataDir: string;
  /** One line of startup progress for a person watching (stderr). */
  readonly progress: (line: string) => void;
  /**
   * The ports of an earlier start of this server on the same data directory, given when it is
   * restarted (a fault test stops it and starts it again); absent on a first start, which picks
   * free loopback ports.
   */
  readonly ports?: Readonly<Record<string, number>>;
}

/** A started server, as recorded in the state file so `down` and `status` find it later. */
export interface Started {
  readonly name: BackendName;
  readonly pid: number;
  readonly logFile: string;
  readonly dataDir: string;
  /** What a person reads in `status`, e.g. `127.0.0.1:9092`. */
  readonly endpoint: string;
  /** Every port it listens on, by role (e.g. `{ client: 9042 }`), so a restart can reuse them. */
  readonly ports: Readonly<Record<string, number>>;
  /** Variables the tests and the service read, printed as shell export lines. */
  readonly env: Readonly<Record<string, string>>;
}

export interface Backend {
  readonly name: BackendName;
  /** e.g. "Apache Kafka 3.9.1 (KRaft)". */
  readonly title: string;
  /** Starts the server, waits until it answers a real client request, and returns. Throws with the log's tail when it cannot. */
  start(options: StartOptions): Promise<Started>;
}

export const BACKENDS_DIR = path.dirname(new URL(import.meta.url).pathname);

export class BackendStartError extends Error {
  readonly _tag = 'BackendStartError';
  constructor(
    readonly backend: BackendName,
    message: string,
    readonly logTail: string,
  ) {
    super(`${backend}: ${message}`);
  }
}

function run(cmd: string, args: readonly string[], cwd: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args as string[], { cwd, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, out: `${stdout}${stderr}` });
    });
  });
}

/**
 * The runtime classpath of the Maven project in `ops/backends/<project>/` (its pom.xml, and its
 * own compiled classes when it has Java sources). The first call fetches the jars into the usual
 * local repository (~/.m2); the result is cached in `target/classpath.txt` until the pom changes.
 */
export async function classpath(project: string, progress: (line: string) => void): Promise<string> {
  const dir = path.join(BACKENDS_DIR, project);
  const pom = path.join(dir, 'pom.xml');
  const target = path.join(dir, 'target');
  const cache = path.join(target, 'classpath.txt');
  const hasSources = existsSync(path.join(dir, 'src', 'main', 'java'));
  const fresh =
    existsSync(cache) && statSync(cache).mtimeMs >= statSync(pom).mtimeMs && (!hasSources || existsSync(path.join(target, 'classes')));
  if (!fresh) {
    progress(`${project}: resolving jars with Maven (the first run downloads them)`);
    const goals = hasSources ? ['compile'] : [];
    const r = await run('mvn', ['-q', '-B', ...goals, 'dependency:build-classpath', `-Dmdep.outputFile=${cache}`], dir);
    if (r.code !== 0 || !existsSync(cache))
      throw new Error(`mvn in ${dir} failed (exit ${r.code}):\n${r.out.split('\n').slice(-30).join('\n')}`);
  }
  const deps = readFileSync(cache, 'utf8').trim();
  return hasSources ? `${path.join(target, 'classes')}${path.delimiter}${deps}` : deps;
}

export interface JavaProcess {
  readonly pid: number;
  readonly logFile: string;
}

/**
 * Starts a JVM detached from us (its own process group, so `down` can stop it and its children,
 * and so `up` can return while it runs), with stdout and stderr appended to `logFile`.
 */
export function spawnJava(options: {
  readonly cp: string;
  readonly main: string;
  readonly args?: readonly string[];
  readonly jvmArgs?: readonly string[];
  readonly logFile: string;
  readonly cwd: string;
  readonly javaHome?: string;
  readonly env?: Readonly<Record<string, string>>;
}): JavaProcess {
  mkdirSync(path.dirname(options.logFile), { recursive: true });
  const fd = openSync(options.logFile, 'a');
  const java = options.javaHome ? path.join(options.javaHome, 'bin', 'java') : 'java';
  const child = spawn(java, [...(options.jvmArgs ?? []), '-cp', options.cp, options.main, ...(options.args ?? [])], {
    cwd: options.cwd,
    detached: true,
    stdio: ['ignore', fd, fd],
    env: { ...process.env, ...(options.env ?? {}) },
  });
  closeSync(fd);
  child.unref();
  if (child.pid === undefined) throw new Error(`could not start ${java}`);
  return { pid: child.pid, logFile: options.logFile };
}

/** Whether `pid` is a running process; a zombie (killed, not yet reaped) is not (see process-liveness.ts). */
export function isAlive(pid: number): boolean {
  return isProcessAlive(pid);
}

export function tail(file: string, lines = 40): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return `(no log at ${file})`;
  }
}

/**
 * Polls `probe` (a real client request) until it resolves true, the process dies, or the
 * deadline passes; reports progress every few seconds. Throws a BackendStartError with the log's
 * tail on failure.
 */
export async function waitReady(
  name: BackendName,
  proc: JavaProcess,
  probe: () => Promise<boolean>,
  options: { readonly timeoutMs: number; readonly progress: (line: string) => void; readonly what: string },
): Promise<void> {
  const started = Date.now();
  let lastReport = started;
  for (;;) {
    if (!isAlive(proc.pid))
      throw new BackendStartError(
        name,
        `the server process ${proc.pid} exited before it ${options.what}; its log (${proc.logFile}) ends with:`,
        tail(proc.logFile),
      );
    let ok = false;
    try {
      ok = await probe();
    } catch {
      ok = false;
    }
    if (ok) {
      options.progress(`${name}: ${options.what} after ${((Date.now() - started) / 1000).toFixed(1)} s`);
      return;
    }
    const now = Date.now();
    if (now - started > options.timeoutMs)
      throw new BackendStartError(
        name,
        `not ready after ${options.timeoutMs / 1000} s (it has not ${options.what}); its log (${proc.logFile}) ends with:`,
        tail(proc.logFile),
      );
    if (now - lastReport >= 5000) {
      lastReport = now;
      options.progress(`${name}: starting (${Math.round((now - started) / 1000)} s)`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Stops a process group: SIGTERM, then SIGKILL after `graceMs`; resolves once the leader is gone (zombies count as gone). */
export async function stopGroup(pid: number, graceMs = 15_000): Promise<void> {
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pid, sig);
    } catch {
      try {
        process.kill(pid, sig);
      } catch {
        /* already gone */
      }
    }
  };
  if (!isAlive(pid)) return;
  signal('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  if (isAlive(pid)) {
    signal('SIGKILL');
    while (isAlive(pid)) await new Promise((r) => setTimeout(r, 100));
  }
}

export function writeFileEnsured(file: string, text: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
}
