/**
 * The phi-accrual failure detector (Hayashibara et al.), as Akka uses it: pure math over a window
 * of heartbeat inter-arrival times. phi = -log10(P(a heartbeat arrives later than now)), with the
 * intervals modelled as a normal distribution. phi 8 means about one false suspicion in 10^8
 * heartbeats if the model holds; the acceptable pause widens the mean so that a GC pause or a
 * busy event loop is not a failure.
 *
 * The detector only reports suspicion; whether a member is downed is the resolver's business.
 */

export interface PhiOptions {
  readonly threshold: number;
  readonly maxSamples: number;
  /** Floor for the standard deviation, so a perfectly regular sender is not suspected at once. */
  readonly minStdDevMs: number;
  /** Added to the mean: pauses up to this long are expected. */
  readonly acceptablePauseMs: number;
  /** Assumed interval before any sample exists (the heartbeat interval). */
  readonly firstIntervalMs: number;
}

export interface PhiState {
  readonly intervals: readonly number[];
  readonly last: number | undefined;
}

export const emptyPhi: PhiState = { intervals: [], last: undefined };

/** Records a heartbeat arriving at `now`. */
export function heartbeat(state: PhiState, now: number, options: PhiOptions): PhiState {
  if (state.last === undefined) {
    // Seed with the expected interval (and a spread around it) as Akka does, so the first
    // missing heartbeats are judged against a sane distribution.
    const f = options.firstIntervalMs;
    return { intervals: [f - f / 4, f + f / 4], last: now };
  }
  const interval = now - state.last;
  const intervals = state.intervals.length >= options.maxSamples ? [...state.intervals.slice(1), interval] : [...state.intervals, interval];
  return { intervals, last: now };
}

export function phi(state: PhiState, now: number, options: PhiOptions): number {
  if (state.last === undefined || state.intervals.length === 0) return 0;
  const n = state.intervals.length;
  let sum = 0;
  for (const x of state.intervals) sum += x;
  const mean = sum / n;
  let sq = 0;
  for (const x of state.intervals) sq += (x - mean) * (x - mean);
  const std = Math.max(Math.sqrt(sq / n), options.minStdDevMs);
  return phiOf(now - state.last, mean + options.acceptablePauseMs, std);
}

/** phi for an elapsed time given the distribution; the logistic approximation of the normal CDF Akka uses. */
export function phiOf(elapsed: number, mean: number, std: number): number {
  const y = (elapsed - mean) / std;
  const e = Math.exp(-y * (1.5976 + 0.070566 * y * y));
  if (elapsed > mean) return -Math.log10(e / (1 + e));
  return -Math.log10(1 - 1 / (1 + e));
}

export function isAvailable(state: PhiState, now: number, options: PhiOptions): boolean {
  return phi(state, now, options) < options.threshold;
}
