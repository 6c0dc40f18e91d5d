/**
 * Whether a process is still running, told reliably enough to take over a lock it held.
 *
 * `kill(pid, 0)` is not enough: it succeeds on a zombie, a process that was killed (SIGKILL) but
 * whose parent has not reaped it yet. Such a process holds nothing any more, but a supervisor
 * that restarts a service at once would see its lock as held for seconds. On Linux the state
 * letter in /proc/<pid>/stat says Z (zombie) or X (dead); its start time (field 22, in clock
 * ticks since boot) tells the process that wrote a lock from an unrelated one that got the same
 * pid later. Elsewhere only `kill(pid, 0)` is available.
 */
import { readFileSync } from 'node:fs';

export interface ProcessIdentity {
  readonly pid: number;
  /** Start time in clock ticks since boot (Linux); undefined where /proc is not available. */
  readonly startTime: number | undefined;
}

function procStat(pid: number): { state: string; startTime: number } | undefined | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch (e) {
    // No /proc entry: gone on Linux; on a system without /proc we cannot tell this way.
    return (e as NodeJS.ErrnoException).code === 'ENOENT' && procAvailable() ? null : undefined;
  }
  // The command name (field 2) is in parentheses and may itself hold spaces and parentheses.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: rest[0] ?? '', startTime: Number(rest[19]) };
}

let procChecked: boolean | undefined;
function procAvailable(): boolean {
  if (procChecked === undefined) {
    try {
      readFileSync('/proc/self/stat');
      procChecked = true;
    } catch {
      procChecked = false;
    }
  }
  return procChecked;
}

/** This process's identity, to write into a lock file. */
export function selfIdentity(): ProcessIdentity {
  const stat = procStat(process.pid);
  return { pid: process.pid, startTime: stat ? stat.startTime : undefined };
}

/**
 * True when the process is running (not a zombie) and, where both start times are known, is the
 * same process that `who` describes rather than a later one with a reused pid.
 */
export function isProcessAlive(who: ProcessIdentity | number): boolean {
  const id = typeof who === 'number' ? { pid: who, startTime: undefined } : who;
  const stat = procStat(id.pid);
  if (stat === null) return false;
  if (stat !== undefined) {
    if (stat.state === 'Z' || stat.state === 'X' || stat.state === 'x') return false;
    return id.startTime === undefined || !Number.isFinite(stat.startTime) || stat.startTime === id.startTime;
  }
  try {
    process.kill(id.pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
