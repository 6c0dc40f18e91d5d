/**
 * The time source the journal reads (append timestamps, Scylla polling, publisher batching
 * delays). Injected so tests move time by hand. Structurally a supertype of src/actors/clock.ts
 * (methods are bivariant in their parameters), so the runtime's clock can be passed as is.
 */
/** The journal's time source (`EventJournalOptions.clock`); the runtime's `systemClock` or a `ManualClock` fits. */
export interface Clock {
  /** Milliseconds since the epoch: append timestamps. */
  now(): number;
  /** Calls `fn` once after `ms`; returns a handle for `clearTimeout`. */
  setTimeout(fn: () => void, ms: number): unknown;
  /** Cancels a timer that has not fired yet. */
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};
