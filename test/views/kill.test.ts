/**
 * A real child process writes a season into an LMDB journal while a ViewPool projects it with
 * periodic snapshots; it is SIGKILLed mid-stream (once a snapshot exists and both writer and view
 * are still behind), restarted, and runs to the end. The view it ends with must equal a fresh
 * rebuild from offset 0 of the same journal, and must have applied each event exactly once.
 */
import t from 'tap';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { lmdbJournal } from '../../src/persistence/index.ts';
import { MemoryScheduleView, readSnapshotFile } from '../../src/views/index.ts';
import { killWorld } from './fixtures/kill-world.ts';
import { oracle, viewAnswers } from './fixtures/oracle.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');

interface Line {
  readonly start?: number;
  readonly offset?: number;
  readonly snapshotOffset?: number;
  readonly head?: number;
  readonly writerDone?: boolean;
  readonly done?: boolean;
}

/** Runs the child; `killWhen` sees each progress line and returns true to SIGKILL it there. */
async function run(
  dir: string,
  killWhen: (l: Line) => boolean,
): Promise<{ lines: Line[]; signal: string | null; code: number | null; stderr: string }> {
  // A clean command line: tsx as the only loader, not tap's.
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'fixtures/kill-projection.ts'), dir], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Line[] = [];
  let buffered = '';
  let stderr = '';
  let killed = false;
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<[number | null, string | null]>((resolve) => child.on('close', (code, signal) => resolve([code, signal])));
  child.stdout.on('data', (d: Buffer) => {
    buffered += d.toString();
    const parts = buffered.split('\n');
    buffered = parts.pop() ?? '';
    for (const part of parts) {
      if (!part.startsWith('{')) continue;
      const l = JSON.parse(part) as Line;
      lines.push(l);
      if (!killed && killWhen(l)) {
        killed = true;
        child.kill('SIGKILL');
      }
    }
  });
  const deadline = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const [code, signal] = await exited;
  clearTimeout(deadline);
  return { lines, signal, code, stderr };
}

t.test('SIGKILL mid-stream, restart from snapshot + tail == fresh rebuild, nothing applied twice', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'aloft-views-kill-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const total = killWorld().feed.length;

  // Killed once a snapshot exists, the view has applied events past it (they must be applied
  // again after the restart, once), and the writer is still writing.
  const first = await run(
    dir,
    (l) => (l.snapshotOffset ?? 0) > 0 && (l.offset ?? 0) > (l.snapshotOffset ?? 0) && l.writerDone === false && (l.head ?? 0) < total,
  );
  t.equal(first.signal, 'SIGKILL', `killed mid-stream (${first.stderr.slice(0, 500)})`);
  const last = first.lines[first.lines.length - 1];
  t.ok(last && last.done !== true && (last.head ?? 0) < total, `the first run had written ${last?.head} of ${total} events when killed`);
  t.ok(
    last && (last.offset ?? 0) > (last.snapshotOffset ?? 0),
    `its view had applied up to ${last?.offset}, past its snapshot at ${last?.snapshotOffset}`,
  );

  const second = await run(dir, () => false);
  t.equal(second.code, 0, `the restarted run completes (${second.stderr.slice(0, 500)})`);
  const start = second.lines[0]?.start ?? -1;
  t.ok(start > 0, `the restart resumed from its snapshot at offset ${start}, not from 0`);
  t.ok(second.lines.some((l) => l.done === true));

  const journal = await lmdbJournal({ path: `${dir}/journal` });
  const head = await journal.headOffset();
  const feed = await journal.read(1, head + 1);
  await journal.close();
  t.equal(head, total, 'the journal holds the whole season once');
  const fresh = new MemoryScheduleView();
  fresh.applyNow(feed);
  const restarted = await readSnapshotFile(path.join(dir, 'schedule-view-0.snap'));
  t.ok(restarted, 'the restarted replica left its final snapshot');
  if (!restarted) return;
  t.same(restarted.counters, { applied: head, duplicates: 0, gaps: 0 }, 'every event applied exactly once across the kill');
  t.same(restarted, fresh.snapshot(), 'graph, offset and dedup filter equal a fresh rebuild');
  const view = MemoryScheduleView.fromSnapshot(restarted);
  t.same(await viewAnswers(view), oracle(feed), 'and its checks equal the oracle');
});
