/**
 * One writer process per LMDB journal. The LMDB store keeps aggregate heads in memory, so a
 * second process appending to the same environment would fork aggregates' histories silently.
 * The lock is a file holding the owner's pid, created exclusively; a lock whose pid is no longer
 * running (the owner was SIGKILLed) is taken over. Not a defence against a pid reused by an
 * unrelated process within the same boot, which would only make the open fail, never fork.
 */
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { JournalUnavailable } from './errors.ts';

const FILE = 'aloft-writer.lock';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the lock for this process; returns the release function. */
export function acquireWriterLock(dir: string): () => void {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(file, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new JournalUnavailable(`cannot lock ${dir}: ${(e as Error).message}`, e);
    }
    const owner = Number(readFileSync(file, 'utf8').trim());
    if (Number.isInteger(owner) && owner > 0 && alive(owner)) {
      throw new JournalUnavailable(`journal ${dir} is already open for writing by process ${owner}${owner === process.pid ? ' (this one)' : ''}`);
    }
    rmSync(file, { force: true }); // stale: its owner is gone
  }
  throw new JournalUnavailable(`cannot lock ${dir}: another process keeps taking the lock`);
}
