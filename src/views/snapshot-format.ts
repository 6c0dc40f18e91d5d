/**
 * The embedded view's snapshot as plain data (msgpack-encodable): graph, offset, dedup filter and
 * counters in one value, so writing it once writes all of them together.
 */
import { legFromV1, type Leg } from '../domain/index.ts';
import type { ViewCounters } from './contract.ts';

/**
 * 2: legs carry `aircraftType` and `serviceType` (LegAdded v2). A format-1 snapshot (legs
 * without them) is lifted on read, its legs' two fields null, as the journal's upcaster does for
 * LegAdded v1; any other format is refused rather than misread (the replica then fails to start
 * with the file named; delete it to rebuild from the journal).
 */
export const VIEW_SNAPSHOT_FORMAT = 2;

export interface ViewSnapshot {
  readonly format: typeof VIEW_SNAPSHOT_FORMAT;
  readonly offset: number;
  readonly counters: ViewCounters;
  readonly dedup: readonly (readonly [string, number])[];
  readonly airports: readonly (readonly [string, number])[];
  /** [registration, active, aircraftType, mgt, assigned rotation], in order of first appearance. */
  readonly airplanes: readonly (readonly [string, boolean, string, number, string | null])[];
  /** [rotation id, active, legs in time order]. */
  readonly rotations: readonly (readonly [string, boolean, readonly Leg[]])[];
}

/** A decoded snapshot file of any known format, as the current format; undefined if unknown. */
export function upcastViewSnapshot(raw: unknown): ViewSnapshot | undefined {
  const s = raw as { format?: unknown; rotations?: unknown } | null;
  if (typeof s !== 'object' || s === null) return undefined;
  if (s.format === VIEW_SNAPSHOT_FORMAT) return s as ViewSnapshot;
  if (s.format !== 1 || !Array.isArray(s.rotations)) return undefined;
  const rotations = (s.rotations as [string, boolean, unknown[]][]).map(([id, active, legs]) => [id, active, legs.map(legFromV1)] as const);
  return { ...(s as unknown as ViewSnapshot), format: VIEW_SNAPSHOT_FORMAT, rotations };
}
