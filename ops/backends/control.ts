/**
 * Starting, stopping and finding the live test servers. What runs is recorded in a state file
 * (`<dir>/state.json`, default dir `$TMPDIR/aloft-backends`), so `down` and `status` in another
 * shell, and the fault tests that stop a server and start it again, find them.
 * `ALOFT_BACKENDS_STATE` names the state file to the tests (the `up` output exports it).
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BACKEND_NAMES, isAlive, stopGroup, type Backend, type BackendName, type Started } from './server.ts';

export interface BackendsState {
  readonly dir: string;
  readonly servers: Partial<Record<BackendName, Started>>;
}

export function defaultDir(): string {
  return process.env.ALOFT_BACKENDS_DIR ?? path.join(os.tmpdir(), 'aloft-backends');
}

export function statePath(dir?: string): string {
  if (dir === undefined && process.env.ALOFT_BACKENDS_STATE) return process.env.ALOFT_BACKENDS_STATE;
  return path.join(dir ?? defaultDir(), 'state.json');
}

export function readState(file = statePath()): BackendsState | undefined {
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, 'utf8')) as BackendsState;
}

function writeState(state: BackendsState): void {
  mkdirSync(state.dir, { recursive: true });
  writeFileSync(path.join(state.dir, 'state.json'), `${JSON.stringify(state, null, 2)}\n`);
}

export async function loadBackend(name: BackendName): Promise<Backend> {
  const mod = (await import(`./${name}.ts`)) as { default: Backend };
  return mod.default;
}

export function parseNames(list: string | undefined): BackendName[] {
  if (list === undefined || list.trim() === '') return [...BACKEND_NAMES];
  const names = list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = names.filter((n) => !(BACKEND_NAMES as readonly string[]).includes(n));
  if (unknown.length > 0) throw new Error(`unknown backend ${unknown.join(', ')}; the backends are ${BACKEND_NAMES.join(', ')}`);
  return names as BackendName[];
}

/**
 * Starts the named servers that are not running yet, all at once (each waits on its own
 * readiness probe), and records them. A server that fails to start makes this throw after the
 * others were recorded, so `down` can still stop them.
 */
export async function up(
  names: readonly BackendName[],
  options: { dir?: string; progress: (line: string) => void },
): Promise<BackendsState> {
  const dir = options.dir ?? defaultDir();
  const previous = readState(statePath(dir));
  const servers: Partial<Record<BackendName, Started>> = { ...(previous?.servers ?? {}) };
  const failures: Error[] = [];
  await Promise.all(
    names.map(async (name) => {
      const running = servers[name];
      if (running && isAlive(running.pid)) {
        options.progress(`${name}: already running (pid ${running.pid}, ${running.endpoint})`);
        return;
      }
      const dataDir = path.join(dir, name);
      rmSync(dataDir, { recursive: true, force: true });
      mkdirSync(dataDir, { recursive: true });
      try {
        const backend = await loadBackend(name);
        options.progress(`${name}: starting ${backend.title}`);
        servers[name] = await backend.start({ dataDir, progress: options.progress });
        writeState({ dir, servers });
      } catch (e) {
        failures.push(e instanceof Error ? e : new Error(String(e)));
      }
    }),
  );
  const state = { dir, servers };
  writeState(state);
  if (failures.length > 0)
    throw new AggregateError(
      failures,
      failures.map((f) => `${f.message}${'logTail' in f ? `\n${String((f as { logTail: unknown }).logTail)}` : ''}`).join('\n\n'),
    );
  return state;
}

/** Stops every recorded server (or the named ones) and removes their data. */
export async function down(options: { dir?: string; names?: readonly BackendName[]; progress: (line: string) => void }): Promise<void> {
  const dir = options.dir ?? defaultDir();
  const state = readState(statePath(dir));
  if (!state) {
    options.progress(`nothing recorded in ${dir}`);
    return;
  }
  const servers = { ...state.servers };
  const names = options.names ?? (Object.keys(servers) as BackendName[]);
  await Promise.all(
    names.map(async (name) => {
      const s = servers[name];
      if (!s) return;
      await stopGroup(s.pid);
      rmSync(s.dataDir, { recursive: true, force: true });
      delete servers[name];
      options.progress(`${name}: stopped, data removed`);
    }),
  );
  if (Object.keys(servers).length === 0) rmSync(dir, { recursive: true, force: true });
  else writeState({ dir, servers });
}

function recorded(name: BackendName, file?: string): { state: BackendsState; server: Started } {
  const state = readState(file ?? statePath());
  const server = state?.servers[name];
  if (!state || !server)
    throw new Error(`no ${name} server is recorded in ${file ?? statePath()}: start it with \`npm run backends -- up\``);
  return { state, server };
}

/**
 * Stops a running server and keeps its data (a fault test's outage). `kill` sends SIGKILL at
 * once, like a crash; otherwise it is a graceful stop.
 */
export async function stopServer(name: BackendName, options: { kill?: boolean; stateFile?: string } = {}): Promise<void> {
  const { server } = recorded(name, options.stateFile);
  await stopGroup(server.pid, options.kill ? 0 : 15_000);
}

/** Starts a stopped server again on its data directory and ports, and waits until it answers. */
export async function startServer(
  name: BackendName,
  options: { progress?: (line: string) => void; stateFile?: string } = {},
): Promise<Started> {
  const { state, server } = recorded(name, options.stateFile);
  if (isAlive(server.pid)) return server;
  const backend = await loadBackend(name);
  const started = await backend.start({ dataDir: server.dataDir, progress: options.progress ?? (() => undefined), ports: server.ports });
  writeState({ dir: state.dir, servers: { ...state.servers, [name]: started } });
  return started;
}

/** The shell lines that hand the servers to the tests and the service. */
export function exportLines(state: BackendsState): string[] {
  const env: Record<string, string> = {};
  for (const s of Object.values(state.servers)) Object.assign(env, s.env);
  env.ALOFT_BACKENDS_STATE = path.join(state.dir, 'state.json');
  return Object.entries(env).map(([k, v]) => `export ${k}='${v.replace(/'/g, `'\\''`)}'`);
}

export function statusLines(state: BackendsState | undefined): string[] {
  if (!state || Object.keys(state.servers).length === 0) return ['no backend is running (start them with `npm run backends -- up`)'];
  return BACKEND_NAMES.filter((n) => state.servers[n]).map((n) => {
    const s = state.servers[n]!;
    return `${n.padEnd(6)} ${isAlive(s.pid) ? 'running' : 'STOPPED'}  pid ${s.pid}  ${s.endpoint}  data ${s.dataDir}  log ${s.logFile}`;
  });
}
