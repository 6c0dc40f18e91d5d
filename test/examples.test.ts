/**
 * Runs every program in examples/ as a reader would (`npm run example examples/<name>.ts`: tsx,
 * with `aloft` resolved through package.json's exports to the sources) and checks what it prints.
 * Batches, ports and node ids vary between runs; the assertions stick to what must not.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import t, { type Test } from 'tap';

const root = fileURLToPath(new URL('..', import.meta.url));

function run(example: string, timeoutMs = 60_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    // A clean NODE_OPTIONS: tap's own loader hooks must not leak into the example.
    const child = spawn(process.execPath, ['--conditions=aloft-source', '--import', 'tsx', `examples/${example}`], {
      cwd: root,
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

async function check(t: Test, example: string, expected: readonly (string | RegExp)[]): Promise<void> {
  const { code, stdout, stderr } = await run(example);
  const output = { stdout, stderr }; // shown only when an assertion fails
  t.equal(code, 0, `${example} exits 0`, output);
  for (const e of expected) {
    if (typeof e === 'string') t.ok(stdout.includes(e), `${example} prints ${JSON.stringify(e)}`, output);
    else t.match(stdout, e, `${example} prints ${String(e)}`, output);
  }
}

t.test('counter: spawn, tell, typed ask', (t) => check(t, 'counter.ts', ['aloft://local/0/counter counted 42']));

t.test('supervised pool: one worker crashes and is restarted, its siblings keep their state', (t) =>
  check(t, 'supervised-pool.ts', [
    'delta -> DELTA by worker-1 (incarnation 1, job 2 of this incarnation)',
    'pool/worker-2 failed: Error: worker-2 cannot digest "poison"; restart',
    'poison -> no reply (AskTimeout)',
    'zeta -> ZETA by worker-1 (incarnation 1, job 3 of this incarnation)',
    'eta -> ETA by worker-2 (incarnation 2, job 1 of this incarnation)',
  ]),
);

t.test('death watch across threads: stopped, then thread-down, then the restarted worker', (t) =>
  check(t, 'death-watch.ts', [
    'node started: threads 0, 1, 2',
    'Terminated: sensor on thread 1, reason stopped',
    'Terminated: sensor on thread 2, reason thread-down',
    'after the restart: sensor on thread 2 is alive',
  ]),
);

t.test('bank account: event-sourced, rejected command, snapshot, recovery', (t) =>
  check(t, 'bank-account.ts', [
    'Withdraw 500: rejected, InsufficientFunds',
    'Withdraw 30: accepted, seq 4, feed offset 4',
    'latest snapshot: seq 3, state {"status":"open","owner":"Ada","balance":150}',
    "recovered: Ada's balance is 120 at seq 4, from the snapshot and 1 replayed event(s)",
  ]),
);

t.test('projection: catches up, follows live, resumes from its checkpoint', (t) =>
  check(t, 'projection.ts', [
    'projection starts at offset 1',
    'revenue: ada 42, grace 0',
    'projection stopped at offset 4',
    'projection starts at offset 5',
    'revenue: ada 42, grace 99, linus 7',
  ]),
);

t.test('cluster: two nodes, sharded entities, a singleton that moves', (t) =>
  check(t, 'cluster.ts', [
    'cluster up: A up, B up',
    /counters\/c1 lives on [AB]: \+1 via A -> 1, \+10 via B -> 11/,
    /counters\/c4 lives on [AB]: \+1 via A -> 1, \+10 via B -> 11/,
    'ticket 1 from the singleton on A (asked via A)',
    'ticket 2 from the singleton on A (asked via B)',
    'A handed its shards over: true',
    'A left',
    'ticket 1 from the singleton on B',
    /counters\/c1 now on B: \+100 -> 1(00|11)\n/,
  ]),
);
