/**
 * A real child process appends under load and is killed with SIGKILL mid-write. On reopen,
 * every acknowledged event must be in the journal, each aggregate gap-free and in order, and
 * the feed must hold every event exactly once with offsets 1..head.
 */
import t from 'tap';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EventJournal } from '../../src/persistence/event-journal.ts';
import { LmdbStore } from '../../src/persistence/lmdb-store.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');

/** Runs the writer until `killAfter` acks, SIGKILLs it, returns every ack line it printed. */
async function runAndKill(dir: string, killAfter: number): Promise<{ acks: Map<string, number>; lines: number; signal: string | null }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'fixtures/kill-writer.ts'), dir, '200'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const acks = new Map<string, number>();
  let lines = 0;
  let buffered = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<string | null>((resolve) => child.on('close', (_code, signal) => resolve(signal)));
  child.stdout.on('data', (d: Buffer) => {
    buffered += d.toString();
    const parts = buffered.split('\n');
    buffered = parts.pop() ?? '';
    for (const line of parts) {
      const [, id, seq] = line.split(' ');
      if (!id || !seq) continue;
      lines++;
      acks.set(id, Math.max(acks.get(id) ?? 0, Number(seq)));
      if (lines === killAfter) child.kill('SIGKILL');
    }
  });
  const deadline = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const signal = await exited;
  clearTimeout(deadline);
  if (lines < killAfter) throw new Error(`writer died after ${lines} acks (wanted ${killAfter}): ${stderr}`);
  return { acks, lines, signal };
}

t.test('SIGKILL mid-load loses no acknowledged event and leaves no gap or duplicate', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'aloft-kill-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const before = new Map<string, number>();
  let headBefore = 0;

  for (const [round, killAfter] of [
    [1, 3100],
    [2, 2050],
  ] as const) {
    // Round 2 restarts on the same journal: writers resume from their highest seq.
    const { acks, lines, signal } = await runAndKill(dir, killAfter);
    t.equal(signal, 'SIGKILL', `round ${round}: killed, not exited`);

    const journal = await EventJournal.open(new LmdbStore({ path: dir }));
    const head = await journal.headOffset();
    const feed = [];
    for (let from = 1; ; ) {
      const page = await journal.read(from, 5000);
      if (page.length === 0) break;
      feed.push(...page);
      from = (page[page.length - 1]?.offset ?? from) + 1;
    }
    t.equal(feed.length, head, `round ${round}: the feed holds offsets 1..${head}`);
    t.ok(
      feed.every((e, i) => e.offset === i + 1),
      'no offset gap',
    );
    const keys = new Set(feed.map((e) => `${e.persistenceId}#${e.seq}`));
    t.equal(keys.size, feed.length, 'each event exactly once in the feed');

    let lost = 0;
    let broken = 0;
    for (const [id, ackedSeq] of acks) {
      const highest = await journal.highestSeq(id);
      if (highest < ackedSeq) lost++;
      let expect = 1;
      for await (const e of journal.replay(id)) {
        if (e.seq !== expect || e.event.seq !== e.seq) broken++;
        expect++;
      }
      if (expect - 1 !== highest) broken++;
    }
    t.ok(acks.size > 50, `round ${round}: ${lines} acks from ${acks.size} aggregates observed`);
    t.equal(lost, 0, 'every acknowledged event survived');
    t.equal(broken, 0, 'every aggregate replays gap-free and in order');
    let acked = 0;
    for (const [id, seq] of acks) acked += seq - (round === 1 ? 0 : (before.get(id) ?? 0));
    t.comment(`round ${round}: ${acked} events acknowledged, journal grew by ${head - headBefore} (the rest were in flight when killed)`);
    headBefore = head;
    for (const [id] of acks) before.set(id, await journal.highestSeq(id));
    await journal.close();
  }
});
