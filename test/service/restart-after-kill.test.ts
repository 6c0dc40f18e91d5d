/**
 * `npm start` killed with SIGKILL and started again at once on the same data directory, as a
 * supervisor (systemd, a container runtime, the chaos scripts) does. The killed node is left a
 * zombie on purpose: it runs under a parent that never reaps it, as a node whose process group
 * was killed waits for init. The restart must take the journal over at once, and every command
 * acknowledged before any kill must be there at the end.
 */
import t from 'tap';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, until } from '../../ops/lib/loopback.ts';
import { procState } from '../fixtures/proc.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const ROUNDS = 3;

interface Started {
  readonly wrapper: ChildProcess;
  readonly pid: number;
  readonly output: () => string;
}

/** The node under `sh`, which starts it in the background, prints its pid and becomes a `sleep` that never reaps it. */
async function start(dir: string, port: number): Promise<Started> {
  const cmd = `"${process.execPath}" --import tsx src/main.ts --port ${port} --data "${dir}" --workers 1 --durability commit & echo $!; exec sleep 600`;
  const wrapper = spawn('sh', ['-c', cmd], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' } });
  let out = '';
  wrapper.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const pid = await new Promise<number>((resolve) =>
    wrapper.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().split('\n')[0]))),
  );
  wrapper.stdout.on('data', (d: Buffer) => (out += d.toString()));
  return { wrapper, pid, output: () => out };
}

async function ready(base: string, node: Started): Promise<void> {
  await until(
    async () => {
      if (procState(node.pid) === undefined || procState(node.pid) === 'Z')
        throw new Error(`the node exited while starting:\n${node.output()}`);
      return fetch(`${base}/readyz`).then(
        (r) => r.ok,
        () => false,
      );
    },
    60_000,
    'the node to be ready',
  );
}

t.test('kill -9 and an immediate restart, several rounds: the node starts every time and keeps every acknowledged command', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'aloft-restart-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const nodes: Started[] = [];
  t.teardown(async () => {
    for (const n of nodes) {
      try {
        process.kill(n.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
      n.wrapper.kill('SIGKILL');
      n.wrapper.stdout?.destroy();
      n.wrapper.stderr?.destroy();
    }
    await Promise.all(
      nodes.map((n) =>
        n.wrapper.exitCode !== null || n.wrapper.signalCode !== null ? undefined : new Promise((r) => n.wrapper.once('exit', r)),
      ),
    );
    rmSync(dir, { recursive: true, force: true });
  });
  const acknowledged: string[] = [];

  for (let round = 0; round <= ROUNDS; round++) {
    const node = await start(dir, port);
    nodes.push(node);
    await ready(base, node);
    if (round === ROUNDS) break;

    // Writers keep going while the node is killed under them; only 201s count as acknowledged.
    let stop = false;
    const writer = async (w: number) => {
      for (let i = 0; !stop; i++) {
        const name = `R${round}-${w}-${i}`;
        const status = await fetch(`${base}/api/rotations`, { method: 'POST', body: JSON.stringify({ name }) }).then(
          (r) => r.status,
          () => 0,
        );
        if (status === 201) acknowledged.push(name);
        if (status === 0) return;
      }
    };
    const before = acknowledged.length;
    const writers = [0, 1, 2, 3].map(writer);
    await until(() => acknowledged.length - before >= 40, 30_000, '40 acknowledged commands this round');
    process.kill(node.pid, 'SIGKILL');
    await until(() => procState(node.pid) === 'Z', 5000, 'the killed node to be a zombie');
    stop = true;
    await Promise.all(writers);
    t.equal(procState(node.pid), 'Z', `round ${round + 1}: the killed node is still a zombie when the next one starts`);
  }

  const missing: string[] = [];
  for (const name of acknowledged) {
    const r = await fetch(`${base}/api/rotations/${name}`);
    if (r.status !== 200) missing.push(`${name}: ${r.status}`);
  }
  t.ok(acknowledged.length >= ROUNDS * 40, `${acknowledged.length} commands acknowledged over ${ROUNDS} kills`);
  t.same(missing, [], 'every acknowledged rotation is there after the last restart');
});
