/**
 * Supervision in the Erlang sense, as pure decisions. A supervisor (any actor with children) has
 * a strategy; when a child fails, `decideFailure` says what to do given the restart history.
 *
 * - one-for-one: only the failed child is restarted; all-for-one: every child of the supervisor.
 * - Directives: restart (state re-initialised, children stopped, mailbox kept), resume (keep the
 *   state, drop the failing message), stop, escalate (the supervisor itself fails with the error).
 * - Intensity: at most `maxRestarts` restarts within `withinMs`; one more and the failure
 *   escalates, as an OTP supervisor gives up and exits when its children keep crashing.
 * - Backoff: the n-th restart inside the window waits min(maxMs, minMs * factor^n), so a child
 *   that crashes on start does not spin a core.
 *
 * The runtime executes the decision; this module only does the arithmetic, tested with tables.
 */

/** What a supervisor does with a failed child (see the module comment). */
export type Directive = 'restart' | 'resume' | 'stop' | 'escalate';

/** The wait before the n-th restart within the window: min(maxMs, minMs * factor^n). */
export interface Backoff {
  readonly minMs: number;
  readonly maxMs: number;
  readonly factor: number;
}

/** How an actor supervises its children: `SpawnOptions.supervisor`; build one with `oneForOne` or `allForOne`. */
export interface SupervisorStrategy {
  readonly kind: 'one-for-one' | 'all-for-one';
  /** Maps a child's error to a directive. Defaults to restart. */
  readonly decide: (error: unknown) => Directive;
  readonly maxRestarts: number;
  readonly withinMs: number;
  readonly backoff: Backoff;
}

export const defaultBackoff: Backoff = { minMs: 10, maxMs: 5_000, factor: 2 };

/**
 * A strategy that handles a failed child alone. Defaults: restart on any error, at most 10
 * restarts in 10 s (then escalate), backoff from 10 ms doubling up to 5 s.
 */
export function oneForOne(options: Partial<Omit<SupervisorStrategy, 'kind'>> = {}): SupervisorStrategy {
  return {
    kind: 'one-for-one',
    decide: options.decide ?? (() => 'restart'),
    maxRestarts: options.maxRestarts ?? 10,
    withinMs: options.withinMs ?? 10_000,
    backoff: options.backoff ?? defaultBackoff,
  };
}

/** Like `oneForOne`, but a restart restarts every child of the supervisor, for children that only work together. */
export function allForOne(options: Partial<Omit<SupervisorStrategy, 'kind'>> = {}): SupervisorStrategy {
  return { ...oneForOne(options), kind: 'all-for-one' };
}

/** What the runtime must do about one failure. */
export type FailurePlan =
  | { readonly _tag: 'Restart'; readonly scope: 'one' | 'all'; readonly delayMs: number; readonly history: readonly number[] }
  | { readonly _tag: 'Resume' }
  | { readonly _tag: 'Stop' }
  | { readonly _tag: 'Escalate'; readonly reason: 'directive' | 'intensity' };

/**
 * `history` holds the times of the supervisor's earlier restarts (the intensity is counted per
 * supervisor, across its children, as in OTP). Returns the plan and, for a restart, the new history.
 */
export function decideFailure(strategy: SupervisorStrategy, error: unknown, history: readonly number[], now: number): FailurePlan {
  let directive: Directive;
  try {
    directive = strategy.decide(error);
  } catch {
    // A decider that throws must not take the supervisor down with a second, unrelated error.
    directive = 'escalate';
  }
  switch (directive) {
    case 'resume':
      return { _tag: 'Resume' };
    case 'stop':
      return { _tag: 'Stop' };
    case 'escalate':
      return { _tag: 'Escalate', reason: 'directive' };
    case 'restart': {
      const recent = history.filter((t) => now - t < strategy.withinMs);
      if (recent.length >= strategy.maxRestarts) return { _tag: 'Escalate', reason: 'intensity' };
      return {
        _tag: 'Restart',
        scope: strategy.kind === 'one-for-one' ? 'one' : 'all',
        delayMs: backoffDelay(strategy.backoff, recent.length),
        history: [...recent, now],
      };
    }
    default: {
      const unknown: never = directive;
      throw new Error(`unknown directive ${String(unknown)}`);
    }
  }
}

/** The wait before restart number `attempt` (0-based) within the intensity window. */
export function backoffDelay(backoff: Backoff, attempt: number): number {
  if (attempt <= 0) return backoff.minMs;
  return Math.min(backoff.maxMs, backoff.minMs * backoff.factor ** attempt);
}
