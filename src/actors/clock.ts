/**
 * Time, injected. Every timeout, backoff and idle timer in the runtime goes through a `Clock`, so
 * tests move time by hand with `ManualClock` instead of sleeping on the wall clock.
 */

/** A timer set on a `Clock`, to cancel it with. */
export interface TimerHandle {
  readonly _timer: unknown;
}

/** Time as the runtime sees it; pass one in `SystemOptions.clock` (default `systemClock`). */
export interface Clock {
  /** Milliseconds since the epoch (or since whatever a test chose). */
  now(): number;
  /** Calls `fn` once after `ms`. */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  /** Cancels a timer that has not fired yet (no effect on one that has). */
  clearTimeout(handle: TimerHandle): void;
}

/** The wall clock. Its timers are unref'd: they never keep a process alive on their own. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const t = setTimeout(fn, ms);
    // Runtime timers (idle checks, backoff, ask timeouts) must never keep a process alive on their own.
    t.unref();
    return { _timer: t };
  },
  clearTimeout(handle) {
    clearTimeout(handle._timer as NodeJS.Timeout);
  },
};

interface Pending {
  readonly id: number;
  readonly at: number;
  readonly fn: () => void;
}

/**
 * A clock that only moves when told to. `advance(ms)` fires due timers in time order (timers
 * scheduled by those callbacks fire too if they fall inside the window) and lets promise
 * continuations run between them, so actor code awaiting a timer behaves as it would in real time.
 */
export class ManualClock implements Clock {
  private current: number;
  private nextId = 1;
  private readonly timers = new Map<number, Pending>();

  constructor(start = 0) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = this.nextId++;
    this.timers.set(id, { id, at: this.current + Math.max(0, ms), fn });
    return { _timer: id };
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers.delete(handle._timer as number);
  }

  /** Number of timers not yet fired. */
  get pending(): number {
    return this.timers.size;
  }

  /** Moves time forward by `ms`, firing the timers that fall due on the way, in order. */
  async advance(ms: number): Promise<void> {
    const target = this.current + ms;
    await settle();
    for (;;) {
      let due: Pending | undefined;
      for (const t of this.timers.values()) {
        if (t.at <= target && (due === undefined || t.at < due.at || (t.at === due.at && t.id < due.id))) due = t;
      }
      if (due === undefined) break;
      this.timers.delete(due.id);
      this.current = Math.max(this.current, due.at);
      due.fn();
      await settle();
    }
    this.current = target;
    await settle();
  }
}

/** Let queued microtasks and immediates run (the kernel schedules actor turns with setImmediate). */
export async function settle(rounds = 3): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
