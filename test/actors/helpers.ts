/**
 * Test helpers: a system on a manual clock, and waiting on a condition with a deadline (for the
 * multi-thread tests, where real time cannot be avoided) instead of fixed sleeps.
 */
import { ActorSystem, ManualClock, settle, stateful, type ActorRef, type SystemOptions } from '../../src/actors/index.ts';

export function manualSystem(options: Omit<SystemOptions, 'clock'> = {}): { system: ActorSystem; clock: ManualClock; logs: string[] } {
  const clock = new ManualClock(1_000_000);
  const logs: string[] = [];
  const system = new ActorSystem({ ...options, clock, log: (level, line) => logs.push(`${level}: ${line}`) });
  return { system, clock, logs };
}

export async function eventually<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 5_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export { settle };

/** A probe actor that records everything it receives. */
export function recorder<M>(system: ActorSystem, name?: string): { ref: ActorRef<M>; seen: M[] } {
  const seen: M[] = [];
  const ref = system.spawn(
    stateful<null, M>({
      initial: null,
      receive(_s, m) {
        seen.push(m);
        return null;
      },
    }),
    name ? { name } : {},
  );
  return { ref, seen };
}
