/**
 * The time source the journal reads (append timestamps, Scylla polling, publisher batching
 * delays). Injected so tests move time by hand. Structurally a supertype of src/actors/clock.ts
 * (methods are bivariant in their parameters), so the runtime's clock can be passed as is.
 */
/** The journal's time source (`EventJournalOptions.clock`); the runtime's `systemClock` or a `ManualClock` fits. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};
