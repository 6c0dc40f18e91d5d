/**
 * One writer process per LMDB journal. The LMDB store keeps aggregate heads in memory, so a
 * second process appending to the same environment would fork aggregates' histories silently.
 *
 * The lock is a file created exclusively, holding the owner's pid and (on Linux) its start time.
 * A lock whose owner is no longer running is taken over at once. "Running" is decided by
 * process-liveness.ts, which counts a zombie as dead: a node killed with SIGKILL stays a zombie
 * until its parent reaps it, and a supervisor restarting the node right away must not find its
 * journal locked by a corpse. The start time tells the owner from an unrelated process that got
 * the same pid later.
 */
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { JournalUnavailable } from './errors.ts';
import { isProcessAlive, selfIdentity, type ProcessIdentity } from './process-liveness.ts';

const FILE = 'aloft-writer.lock';

/** The lock file's text: `<pid>` (older versions) or `<pid> <start time>`. */
function parseOwner(text: string): ProcessIdentity | undefined {
  const [pid, start] = text.trim().split(/\s+/).map(Number);
  if (pid === undefined || !Number.isInteger(pid) || pid <= 0) return undefined;
  return { pid, startTime: start !== undefined && Number.isFinite(start) ? start : undefined };
}

/** Takes the lock for this process; returns the release function. */
export function acquireWriterLock(dir: string): () => void {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, FILE);
  const self = selfIdentity();
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, self.startTime === undefined ? String(self.pid) : `${self.pid} ${self.startTime}`);
      closeSync(fd);
      return () => rmSync(file, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new JournalUnavailable(`cannot lock ${dir}: ${(e as Error).message}`, e);
    }
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue; // released between our open and our read
    }
    const owner = parseOwner(text);
    if (owner && isProcessAlive(owner)) {
      throw new JournalUnavailable(
        `journal ${dir} is already open for writing by process ${owner.pid}${owner.pid === process.pid ? ' (this one)' : ''}`,
      );
    }
    rmSync(file, { force: true }); // stale: its owner is gone (exited, killed, or a zombie)
  }
  throw new JournalUnavailable(`cannot lock ${dir}: another process keeps taking the lock`);
}
