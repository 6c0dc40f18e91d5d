/**
 * The embedded view's snapshot as plain data (msgpack-encodable): graph, offset, dedup filter and
 * counters in one value, so writing it once writes all of them together.
 */
import type { Leg } from '../domain/index.ts';
import type { ViewCounters } from './contract.ts';

export interface ViewSnapshot {
  readonly format: 1;
  readonly offset: number;
  readonly counters: ViewCounters;
  readonly dedup: readonly (readonly [string, number])[];
  readonly airports: readonly (readonly [string, number])[];
  /** [registration, active, aircraftType, mgt, assigned rotation], in order of first appearance. */
  readonly airplanes: readonly (readonly [string, boolean, string, number, string | null])[];
  /** [rotation id, active, legs in time order]. */
  readonly rotations: readonly (readonly [string, boolean, readonly Leg[]])[];
}
