/**
 * CPU taken over a phase, as a percentage of one core (200% = both cores of this machine): the
 * load generator's own from process.cpuUsage (all its threads), and a child server's from
 * /proc/<pid>/stat where there is one (Linux; the node's worker threads are in the same
 * process). A server we did not start (--url) has no figure.
 */
import { readFileSync } from 'node:fs';

export interface Cpu {
  /** The load generator, % of one core. */
  readonly client: number;
  /** The server, % of one core, when known. */
  readonly server?: number;
}

/** Linux's USER_HZ: 100 on every mainstream kernel configuration. */
const TICKS_PER_SECOND = 100;

function processSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may hold spaces: count fields after it.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/** Starts measuring now; the returned function gives the CPU since then. */
export function cpuMeter(serverPid?: number): () => Cpu {
  const wall = performance.now();
  const own = process.cpuUsage();
  const server = processSeconds(serverPid);
  return () => {
    const seconds = (performance.now() - wall) / 1000;
    const used = process.cpuUsage(own);
    const client = ((used.user + used.system) / 1e6 / seconds) * 100;
    const serverNow = processSeconds(serverPid);
    return server === undefined || serverNow === undefined ? { client } : { client, server: ((serverNow - server) / seconds) * 100 };
  };
}
