/**
 * The journal's writer lock: a live owner is refused with a clear message; a dead owner, a
 * zombie owner (killed, not yet reaped) and an unrelated process that reused the owner's pid
 * are not owners, and their lock is taken over at once.
 */
import t, { type Test } from 'tap';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { acquireWriterLock } from '../../src/persistence/writer-lock.ts';
import { isProcessAlive, selfIdentity } from '../../src/persistence/process-liveness.ts';
import { until } from '../../ops/lib/loopback.ts';
import { procState } from '../fixtures/proc.ts';

const LOCK = 'aloft-writer.lock';

function tempDir(t: Test): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'aloft-lock-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

t.test('a second acquire while the owner lives is refused, naming the owner; release frees it', async (t) => {
  const dir = tempDir(t);
  const release = acquireWriterLock(dir);
  t.throws(() => acquireWriterLock(dir), {
    _tag: 'JournalUnavailable',
    message: new RegExp(`already open for writing by process ${process.pid} \\(this one\\)`),
  });
  release();
  acquireWriterLock(dir)();
});

t.test('a lock held by another live process is refused', async (t) => {
  const dir = tempDir(t);
  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  t.teardown(() => child.kill('SIGKILL'));
  writeFileSync(path.join(dir, LOCK), String(child.pid));
  t.throws(() => acquireWriterLock(dir), { message: new RegExp(`by process ${child.pid}`) });
});

t.test(
  'a zombie owner is dead: its lock is taken over',
  { skip: process.platform !== 'linux' && 'zombies are told apart through /proc (Linux)' },
  async (t) => {
    const dir = tempDir(t);
    // sh starts a short sleep in the background, prints its pid, then becomes a long sleep that
    // never reaps it: once the short one is killed it stays a zombie, as a killed node whose parent
    // is gone does until init gets to it.
    const parent = spawn('sh', ['-c', 'sleep 30 & echo $!; exec sleep 30'], { stdio: ['ignore', 'pipe', 'ignore'] });
    t.teardown(() => parent.kill('SIGKILL'));
    const pid = await new Promise<number>((resolve) => parent.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))));
    process.kill(pid, 'SIGKILL');
    await until(() => procState(pid) === 'Z', 5000, 'the killed sleep to become a zombie');
    let signalled = true;
    try {
      process.kill(pid, 0);
    } catch {
      signalled = false;
    }
    t.ok(signalled, 'kill(pid, 0) still succeeds on the zombie: the old check was fooled by it');
    t.notOk(isProcessAlive(pid), 'but it is not alive');
    writeFileSync(path.join(dir, LOCK), String(pid));
    const release = acquireWriterLock(dir);
    t.match(readFileSync(path.join(dir, LOCK), 'utf8'), new RegExp(`^${process.pid}\\b`), 'the lock is ours now');
    release();
  },
);

t.test(
  'an owner whose pid now belongs to another process (other start time) is dead',
  { skip: process.platform !== 'linux' && 'start times come from /proc (Linux)' },
  async (t) => {
    const dir = tempDir(t);
    const me = selfIdentity();
    t.ok(me.startTime !== undefined, 'this process has a start time');
    writeFileSync(path.join(dir, LOCK), `${process.pid} ${(me.startTime ?? 0) - 1}`);
    acquireWriterLock(dir)();
    writeFileSync(path.join(dir, LOCK), `${process.pid} ${me.startTime}`);
    t.throws(() => acquireWriterLock(dir), /already open for writing/, 'the same pid and start time is the owner');
  },
);

t.test('a lock naming a process that no longer exists is taken over', async (t) => {
  const dir = tempDir(t);
  const child = spawn('true', { stdio: 'ignore' });
  await new Promise((r) => child.on('exit', r));
  writeFileSync(path.join(dir, LOCK), String(child.pid));
  acquireWriterLock(dir)();
});
