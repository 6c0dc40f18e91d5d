/**
 * The node's log as an operator reads it: `npm start` as a child process with stdout piped, so
 * every line is JSON with level, time, msg and component; a request's id is in its response
 * header and on its lines (the HTTP access line and the gateway's line for its command); the level
 * flag filters; a bad level is a usage error; the cluster secret and the admin token never appear
 * in anything the node prints, even at debug with the token sent on requests.
 */
import t, { type Test } from 'tap';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, until } from '../../ops/lib/loopback.ts';
import { createLogger, lineLogger, lines } from '../../src/log.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SECRET = 'logs-test-cluster-secret-7f3a9c';
const TOKEN = 'logs-test-admin-token-51d0e2';

interface Line {
  readonly level: string;
  readonly time: string;
  readonly msg: string;
  readonly component?: string;
  readonly reqId?: string;
  readonly [k: string]: unknown;
}

interface Node {
  readonly child: ChildProcess;
  readonly base: string;
  readonly stdout: () => string;
  readonly stderr: () => string;
  readonly exited: Promise<number | null>;
  /** Every stdout line, parsed; a line that is not JSON fails the test that reads it. */
  lines(): Line[];
}

function start(t: Test, args: readonly string[], env: Record<string, string> = {}): Node {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'aloft-logs-'));
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', '--data', dir, '--workers', '0', ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_OPTIONS: '', ...env },
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  });
  const port = args[args.indexOf('--port') + 1] ?? '';
  return {
    child,
    base: `http://127.0.0.1:${port}`,
    stdout: () => out,
    stderr: () => err,
    exited,
    lines: () =>
      out
        .split('\n')
        .filter((l) => l.length > 0)
        .map((l) => JSON.parse(l) as Line),
  };
}

async function ready(node: Node): Promise<void> {
  await until(
    async () => {
      if (node.child.exitCode !== null) throw new Error(`the node exited while starting:\n${node.stdout()}\n${node.stderr()}`);
      return fetch(`${node.base}/readyz`).then(
        (r) => r.ok,
        () => false,
      );
    },
    60_000,
    'the node to be ready',
  );
}

async function stop(node: Node): Promise<number | null> {
  node.child.kill('SIGTERM');
  return node.exited;
}

t.test('JSON lines with level, time, msg and component; request ids on the lines of their request', async (t) => {
  const [port, clusterPort, adminPort] = [await freePort(), await freePort(), await freePort()];
  const node = start(
    t,
    [
      '--port',
      String(port),
      '--log-level',
      'debug',
      '--cluster-name',
      'logs',
      '--cluster-port',
      String(clusterPort),
      '--seeds',
      `127.0.0.1:${clusterPort}`,
      '--admin-port',
      String(adminPort),
      '--roles',
      'journal,shards',
    ],
    { ALOFT_CLUSTER_SECRET: SECRET, ALOFT_ADMIN_TOKEN: TOKEN },
  );
  // Before the one-member cluster has formed (its seed, itself, is waited for) /readyz says why
  // it is not ready; once it is ready the member has its shard table and takes commands.
  let early: { status: number; body: unknown } | undefined;
  await until(
    async () => {
      if (node.child.exitCode !== null) throw new Error(`the node exited while starting:\n${node.stdout()}\n${node.stderr()}`);
      const r = await fetch(`${node.base}/readyz`).catch(() => undefined);
      if (r !== undefined && !r.ok && early === undefined) early = { status: r.status, body: await r.json() };
      return r?.ok === true;
    },
    60_000,
    'the node to be ready',
  );
  t.ok(
    node.lines().some((l) => l.component === 'shards' && l.msg.startsWith('shard table')),
    'ready only once the member has its shard table',
  );
  if (early !== undefined) {
    t.equal(early.status, 503, 'not ready before that');
    t.match(early.body, { type: /not-ready$/, detail: /not ready: this member|views are catching up/ }, 'and the problem says why');
  }
  await until(() => node.stdout().includes('aloft: node up'), 10_000, 'the node up line');

  const mine = await fetch(`${node.base}/api/rotations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-request-id': 'client-chosen-42', authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify({ name: 'R-logs' }),
  });
  t.equal(mine.status, 201, 'the command is accepted');
  t.equal(mine.headers.get('x-request-id'), 'client-chosen-42', "the client's request id comes back");

  const made = await fetch(`${node.base}/api/rotations`, { method: 'POST', headers: { 'x-request-id': 'not a sane id!' } });
  const madeId = made.headers.get('x-request-id') ?? '';
  t.ok(made.status === 201 && /^[0-9a-f]{8}-[0-9a-z]+$/.test(madeId), `an unusable id is replaced by the server's own (${madeId})`);
  const other = await fetch(`${node.base}/api/rotations`, { method: 'POST' });
  t.not(other.headers.get('x-request-id'), madeId, 'each request its own id');

  // The admin API with its token, and a wrong one (its refusal is logged too).
  const admin = await fetch(`http://127.0.0.1:${adminPort}/cluster/members`, { headers: { authorization: `Bearer ${TOKEN}` } });
  t.equal(admin.status, 200, 'the admin API answers with the token');
  await admin.body?.cancel();

  const lines = await until(
    () => {
      const all = node.lines();
      return all.some((l) => l.reqId === madeId && l.component === 'http') ? all : undefined;
    },
    10_000,
    'the access lines',
  );
  const malformed = lines.filter(
    (l) =>
      !['trace', 'debug', 'info', 'warn', 'error', 'fatal'].includes(l.level) ||
      Number.isNaN(Date.parse(l.time)) ||
      typeof l.msg !== 'string',
  );
  t.same(malformed, [], `all ${lines.length} lines are JSON with a level name, an ISO time and a msg`);
  t.ok(
    lines.every((l) => typeof l.component === 'string'),
    `every line names its component (${[...new Set(lines.map((l) => l.component))].join(', ')})`,
  );
  const up = lines.find((l) => l.msg.startsWith('aloft: node up'));
  t.match(up, { level: 'info', component: 'node', url: `http://127.0.0.1:${port}/` }, 'the readiness line scripts wait for');
  t.ok(
    lines.some((l) => l.component === 'cluster' && l.level === 'info'),
    'the cluster logs under its component',
  );

  const ofMine = lines.filter((l) => l.reqId === 'client-chosen-42');
  t.match(
    ofMine.find((l) => l.component === 'http'),
    { level: 'debug', msg: 'request', method: 'POST', url: '/api/rotations', status: 201 },
    'the access line carries the request id',
  );
  t.match(
    ofMine.find((l) => l.component === 'gateway'),
    { level: 'debug', msg: 'command answered', outcome: 'accepted', entity: /R-logs$/ },
    "the command's line in the gateway carries it too",
  );

  t.equal(await stop(node), 0, 'SIGTERM: a clean exit');
  const printed = node.stdout() + node.stderr();
  t.notOk(printed.includes(SECRET), 'the cluster secret is never printed');
  t.notOk(printed.includes(TOKEN), 'the admin token is never printed, though requests carried it');
  t.match(node.lines().at(-1), { msg: 'aloft: stopped', component: 'node' });
});

t.test('--log-level warn: no info or debug line', async (t) => {
  const port = await freePort();
  const node = start(t, ['--port', String(port), '--log-level', 'warn']);
  await ready(node);
  const r = await fetch(`${node.base}/api/rotations`, { method: 'POST' });
  t.equal(r.status, 201);
  t.equal(await stop(node), 0);
  const levels = node.lines().map((l) => l.level);
  t.same(
    levels.filter((l) => l === 'info' || l === 'debug'),
    [],
    'nothing below warn',
  );
  t.notOk(node.stdout().includes('node up'), 'not even the node up line');
});

t.test('ALOFT_LOG_LEVEL sets the level when the flag is absent', async (t) => {
  const port = await freePort();
  const node = start(t, ['--port', String(port)], { ALOFT_LOG_LEVEL: 'debug' });
  await ready(node);
  const r = await fetch(`${node.base}/readyz`, { headers: { 'x-request-id': 'env-level' } });
  await r.body?.cancel();
  await until(() => node.lines().some((l) => l.reqId === 'env-level'), 10_000, 'the debug access line');
  t.pass('debug lines are written');
  t.equal(await stop(node), 0);
});

t.test('a bad --log-level is a usage error: exit 2, the flag named on stderr', async (t) => {
  const node = start(t, ['--port', '0', '--log-level', 'loud']);
  t.equal(await node.exited, 2);
  t.match(node.stderr(), /--log-level\/ALOFT_LOG_LEVEL must be one of trace, debug, info, warn, error, fatal, silent, got "loud"/);
  t.match(node.stderr(), /usage: npm start/);
});

t.test('in process: fields named like secrets are redacted, known secrets cut from any field', async (t) => {
  const written: string[] = [];
  const log = createLogger({ level: 'debug', secrets: [SECRET], destination: { write: (s: string) => void written.push(s) } });
  log.info({ headers: { authorization: 'Bearer abc' }, token: 'abc', password: 'pw', nested: { secret: 'x' } }, 'fields');
  log.error({ err: new Error(`dial failed with ${SECRET}`) }, `message with ${SECRET}`);
  const [fields, error] = written.map((w) => JSON.parse(w) as Record<string, unknown>);
  t.match(fields, {
    headers: { authorization: '[redacted]' },
    token: '[redacted]',
    password: '[redacted]',
    nested: { secret: '[redacted]' },
  });
  t.notOk(written.join('').includes(SECRET), 'the secret is in no field, message or stack');
  t.match(error, { level: 'error', msg: 'message with [redacted]', err: { message: 'dial failed with [redacted]' } });
});

t.test('in process: a line function still gets the message text as it is (tests and tools match on it)', async (t) => {
  const got: string[] = [];
  const log = lineLogger((l) => got.push(l));
  log.info('demo season: loaded');
  log.warn({ reqId: 'r1' }, 'careful');
  log.debug('not written');
  t.same(got, ['demo season: loaded', 'careful (request r1)']);
});

t.test('in process: a plain line from a module without levels is a warning when it reads as a failure', async (t) => {
  const written: Array<{ level: string; msg: string }> = [];
  const log = createLogger({ level: 'info', destination: { write: (s: string) => void written.push(JSON.parse(s)) } });
  const line = lines(log);
  line('demo season: loaded in 3.1 s (1200 rotation commands applied, 4 refused)');
  line('journal: unreachable (connect ECONNREFUSED)');
  line('publisher: Kafka refused a batch (timeout); retrying with backoff');
  line('import keeper: resuming i1 failed: gone');
  line('assignment keeper: following the feed from offset 12');
  t.same(
    written.map((w) => w.level),
    ['info', 'warn', 'warn', 'warn', 'info'],
  );
});
