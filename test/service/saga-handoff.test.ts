/**
 * A handoff in the middle of an assignment saga: a journal node and two shard nodes; the saga is
 * held back (the fault hook's delay) after claiming the rotation and reading the airplane, and the
 * node running it is drained (SIGTERM: it hands its shards over and leaves). The saga wakes up at
 * its new home by itself, finishes there, and the airplane and rotations agree; the client's PUT
 * got the outcome (it waited for the saga at its new home), and GET /api/assignments/{id} too.
 * Then a third shard node joins, and the member running the next saga is killed (kill -9) at the
 * same point: once the cluster has downed it, the keeper wakes the saga at its new home.
 * Last, an import accepted by one member is reported and listed by another.
 */
import t from 'tap';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FAST_TIMINGS as FAST } from '../../ops/chaos/node-process.ts';
import { freePort, until } from '../../ops/lib/loopback.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SECRET = 'saga-handoff-secret-0123456789';
const REG = 'D-AHOF';
const SAGA = 'h-hold-drain';
const KILLED = 'h-hold-kill';

interface Node {
  readonly name: string;
  readonly base: string;
  readonly child: ChildProcess;
  readonly exited: Promise<NodeJS.Signals | number | null>;
  readonly output: () => string;
}

function startNode(name: string, dir: string, port: number, clusterPort: number, seed: number, extra: string[]): Node {
  const args = [
    '--import',
    'tsx',
    'test/service/fixtures/saga-node.ts',
    '--port',
    String(port),
    '--data',
    path.join(dir, name),
    '--workers',
    '1',
    '--durability',
    'commit',
    '--cluster-name',
    'handoff',
    '--cluster-port',
    String(clusterPort),
    '--seeds',
    `127.0.0.1:${seed}`,
    '--secret',
    SECRET,
    ...FAST,
    ...extra,
  ];
  const child = spawn(process.execPath, args, {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_OPTIONS: '', ALOFT_TEST_DELAY_AT: 'before-send:2:h-hold-:2500' },
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));
  return { name, base: `http://127.0.0.1:${port}`, child, exited, output: () => out };
}

async function ready(node: Node): Promise<void> {
  await until(
    async () => {
      if (node.child.exitCode !== null || node.child.signalCode !== null)
        throw new Error(`${node.name} exited while starting:\n${node.output()}`);
      return fetch(`${node.base}/readyz`).then(
        (r) => r.ok,
        () => false,
      );
    },
    90_000,
    `${node.name} to be ready`,
  );
}

async function call(base: string, method: string, url: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const r = await fetch(`${base}${url}`, {
    method,
    ...(body !== undefined ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}),
  });
  const text = await r.text();
  return { status: r.status, json: text.length > 0 ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

t.test('a saga whose shard is handed off between two steps finishes at its new home', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'aloft-saga-handoff-'));
  const [p0, p1, p2, c0, c1, c2] = (await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort(), freePort()])) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const journal = startNode('journal', dir, p0, c0, c0, ['--roles', 'journal']);
  const a = startNode('a', dir, p1, c1, c0, []);
  const b = startNode('b', dir, p2, c2, c0, []);
  const nodes = [journal, a, b];
  t.teardown(async () => {
    if (process.env.SAGA_HANDOFF_DUMP)
      for (const n of nodes) writeFileSync(path.join(process.env.SAGA_HANDOFF_DUMP, `${n.name}.log`), n.output());
    for (const n of nodes) if (n.child.exitCode === null && n.child.signalCode === null) n.child.kill('SIGKILL');
    await Promise.all(nodes.map((n) => n.exited));
    rmSync(dir, { recursive: true, force: true });
  });
  await Promise.all(nodes.map(ready));
  // Both shard nodes host shards once the table has settled: wait until a command goes through everywhere.
  await until(
    async () =>
      (await call(journal.base, 'POST', '/api/airplanes', { registration: REG, aircraftType: '320', minGroundTimeMinutes: 30 })).status ===
      201,
    30_000,
    'the airplane to be created',
  );
  for (const name of ['hr1', 'hr2']) t.equal((await call(journal.base, 'POST', '/api/rotations', { name })).status, 201);
  // The setup assignment: 200, or 202 when a loaded machine makes it outlast the PUT's wait; either
  // way it must have finished as Assigned before the test goes on.
  t.ok(
    [200, 202].includes(
      (await call(journal.base, 'PUT', `/api/airplanes/${REG}/rotation`, { rotationId: 'hr1', assignmentId: 'h-setup' })).status,
    ),
    'the setup assignment is taken',
  );
  const setup = await until(
    async () => {
      const s = await call(journal.base, 'GET', '/api/assignments/h-setup');
      return s.json.state === 'completed' ? s.json : undefined;
    },
    30_000,
    'the setup assignment to finish',
  );
  t.match(setup, { outcome: { _tag: 'Assigned' } }, 'the setup assignment finished as Assigned');

  const put = call(journal.base, 'PUT', `/api/airplanes/${REG}/rotation`, { rotationId: 'hr2', assignmentId: SAGA });
  const holder = await until(
    () => [a, b].find((n) => n.output().includes(`saga-hooks: delaying step 2 (SendToAirplane) of ${SAGA}`)),
    30_000,
    'the saga to be held back after its claim and read',
  );
  const other = holder === a ? b : a;
  holder.child.kill('SIGTERM');
  t.equal(await holder.exited, 0, `${holder.name}, running the saga, drained and left`);

  // The saga told its waiter it moved; the PUT waited for it at its new home, within its 10 s
  // (on a loaded machine it may outlast them: then 202 with the id).
  const answer = await put;
  if (answer.status === 200)
    t.match(
      answer.json,
      { _tag: 'Assigned', rotationId: 'hr2', replaced: 'hr1', assignmentId: SAGA },
      'the PUT answered with the outcome, from the new home',
    );
  else t.match(answer, { status: 202, json: { assignmentId: SAGA, state: 'running' } }, 'the PUT answered 202 with the assignment id');
  const status = await until(
    async () => {
      const s = await call(journal.base, 'GET', `/api/assignments/${SAGA}`);
      return s.json.state === 'completed' ? s.json : undefined;
    },
    30_000,
    'the saga to finish at its new home',
  );
  t.match(status, { outcome: { _tag: 'Assigned', rotationId: 'hr2', replaced: 'hr1' } });
  t.ok(
    other.output().includes(`saga-hooks: delaying step 2 (SendToAirplane) of ${SAGA}`),
    `the saga ran on ${other.name} after the handoff`,
  );
  const plane = (await call(journal.base, 'GET', `/api/airplanes/${REG}`)).json;
  const r1 = (await call(journal.base, 'GET', '/api/rotations/hr1')).json;
  const r2 = (await call(journal.base, 'GET', '/api/rotations/hr2')).json;
  t.equal(plane.rotationId, 'hr2', 'the airplane holds hr2');
  t.equal(r2.airplane, REG, 'hr2 is claimed by the airplane');
  t.equal(r1.airplane, null, 'hr1 was released');

  // The member running a saga dies (kill -9) between two steps.
  const [p3, c3] = [await freePort(), await freePort()];
  const c = startNode('c', dir, p3, c3, c0, []);
  nodes.push(c);
  await ready(c);
  // Let every member see c up and the membership settle (the resolver counts members when b dies).
  await new Promise((r) => setTimeout(r, 6_000));
  const kput = call(c.base, 'PUT', `/api/airplanes/${REG}/rotation`, { rotationId: 'hr1', assignmentId: KILLED }).catch(() => undefined);
  const victim = await until(
    () => [other, c].find((n) => n.output().includes(`saga-hooks: delaying step 2 (SendToAirplane) of ${KILLED}`)),
    30_000,
    'the second saga to be held back',
  );
  const survivor = victim === c ? other : c;
  victim.child.kill('SIGKILL');
  t.equal(await victim.exited, 'SIGKILL', `${victim.name}, running the saga, killed`);
  await kput;
  // Nobody asks about the saga: wait for the aggregates to agree on hr1, then read the outcome.
  await until(
    async () => {
      const p = (await call(journal.base, 'GET', `/api/airplanes/${REG}`)).json;
      const x1 = (await call(journal.base, 'GET', '/api/rotations/hr1')).json;
      const x2 = (await call(journal.base, 'GET', '/api/rotations/hr2')).json;
      return p.rotationId === 'hr1' && x1.airplane === REG && x2.airplane === null;
    },
    60_000,
    'the saga to finish after its member died, with the aggregates agreeing',
  );
  const killed = (await call(journal.base, 'GET', `/api/assignments/${KILLED}`)).json;
  t.match(
    killed,
    { state: 'completed', outcome: { _tag: 'Assigned', rotationId: 'hr1', replaced: 'hr2' } },
    `finished on ${survivor.name} after ${victim.name} died`,
  );

  // An import accepted by one member is visible on every member.
  const ssim = readFileSync(path.join(root, 'test/fixtures/ssim/sample.ssim'));
  const posted = await fetch(`${survivor.base}/api/imports?onError=valid-only`, { method: 'POST', body: ssim });
  t.equal(posted.status, 202);
  const { importId } = (await posted.json()) as { importId: string };
  const seen = await until(
    async () => {
      const r = await call(journal.base, 'GET', `/api/imports/${importId}`);
      return r.status === 200 && r.json.state === 'done' ? r.json : undefined;
    },
    30_000,
    `import ${importId} to be done, as the journal node sees it`,
  );
  t.ok(
    (seen.commandsApplied as number) > 0,
    `the journal node reports the import ${survivor.name} ran (${String(seen.commandsApplied)} commands)`,
  );
  t.match((await call(journal.base, 'GET', '/api/imports')).json, { imports: [{ importId, state: 'done' }] }, 'and lists it');
});
