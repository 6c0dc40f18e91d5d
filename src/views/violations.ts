/**
 * Building, ordering and paging violations, shared by every view backend and by the tests that
 * hold views to the oracle.
 *
 * The violation objects are built by the domain's own check functions over a one-pair (or
 * one-bucket) schedule, so shape and message text can never drift from the oracle's. Views call
 * these only once a cheap inline test has found a violation; a clean pair allocates nothing.
 *
 * Order (stable, documented in docs/views.md): by the violation's time (first leg's departure),
 * then rotation id, then first leg id; designators by time, then designator key. The cursor is the
 * sort key of the last item handed out, so paging stays correct while the view changes underneath.
 */
import { checkContinuity, checkDesignatorUniqueness, checkEquipment, checkGroundTime, compareLegs, type Leg } from '../domain/index.ts';
import {
  DEFAULT_LIMIT,
  MAX_LIMIT,
  type CheckFilters,
  type Page,
  type ViewContinuity,
  type ViewDesignator,
  type ViewEquipment,
  type ViewGroundTime,
} from './contract.ts';
import { InvalidViewQuery } from './errors.ts';

/** [time, rotationId or designator key, first leg id]. */
export type SortKey = readonly [number, string, string];

export function compareKeys(a: SortKey, b: SortKey): number {
  return a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0) || (a[2] < b[2] ? -1 : a[2] > b[2] ? 1 : 0);
}

export function continuityViolation(rotationId: string, registration: string | null, previous: Leg, next: Leg): ViewContinuity {
  const [v] = checkContinuity({ airports: [], airplanes: [], rotations: [{ rotationId, registration, legs: [previous, next] }] });
  if (!v) throw new Error(`continuityViolation called for a continuous pair ${previous.id} -> ${next.id}`);
  return { ...v, legIds: [previous.id, next.id] };
}

export function groundTimeViolation(
  rotationId: string,
  registration: string | null,
  previous: Leg,
  next: Leg,
  airportMgt: number | undefined,
  airplaneMgt: number | null,
): ViewGroundTime {
  const [v] = checkGroundTime({
    airports: airportMgt === undefined ? [] : [{ iata: previous.arrivalAirport, minimumGroundTimeMin: airportMgt }],
    airplanes: registration === null || airplaneMgt === null ? [] : [{ registration, aircraftType: '', minimumGroundTimeMin: airplaneMgt }],
    rotations: [{ rotationId, registration, legs: [previous, next] }],
  });
  if (!v) throw new Error(`groundTimeViolation called for a pair with enough ground time ${previous.id} -> ${next.id}`);
  return { ...v, legIds: [previous.id, next.id] };
}

/** Whether a leg violates the equipment check for an airplane of `airplaneType` (null: no airplane). */
export function equipmentMismatch(leg: Leg, airplaneType: string | null): boolean {
  const t = leg.aircraftType ?? null;
  return t !== null && airplaneType !== null && t !== airplaneType;
}

export function equipmentViolation(rotationId: string, registration: string, leg: Leg, airplaneType: string): ViewEquipment {
  const [v] = checkEquipment({
    airports: [],
    airplanes: [{ registration, aircraftType: airplaneType, minimumGroundTimeMin: 0 }],
    rotations: [{ rotationId, registration, legs: [leg] }],
  });
  if (!v) throw new Error(`equipmentViolation called for leg ${leg.id}, which fits a ${airplaneType}`);
  return { ...v, legIds: [leg.id] };
}

/** Equipment violations in time order: the leg's departure, then rotation id, then leg id. */
export function legKey(v: ViewEquipment): SortKey {
  return [v.leg.departureUtc, v.rotationId, v.leg.id];
}

export function compareLegViolations(a: ViewEquipment, b: ViewEquipment): number {
  return (
    a.leg.departureUtc - b.leg.departureUtc ||
    (a.rotationId < b.rotationId ? -1 : a.rotationId > b.rotationId ? 1 : 0) ||
    (a.leg.id < b.leg.id ? -1 : a.leg.id > b.leg.id ? 1 : 0)
  );
}

export interface BucketEntry {
  readonly rotationId: string;
  readonly leg: Leg;
}

export function compareEntries(a: BucketEntry, b: BucketEntry): number {
  return (a.rotationId < b.rotationId ? -1 : a.rotationId > b.rotationId ? 1 : 0) || compareLegs(a.leg, b.leg);
}

/** A duplicate-designator violation with its legs ordered by (rotation id, leg order). */
export function designatorViolation(entries: readonly BucketEntry[]): ViewDesignator {
  const sorted = [...entries].sort(compareEntries);
  const [v] = checkDesignatorUniqueness({
    airports: [],
    airplanes: [],
    rotations: sorted.map((e) => ({ rotationId: e.rotationId, registration: null, legs: [e.leg] })),
  });
  if (!v) throw new Error('designatorViolation called for a bucket of fewer than two legs');
  return { ...v, legIds: sorted.map((e) => e.leg.id) };
}

export function pairKey(v: ViewContinuity | ViewGroundTime): SortKey {
  return [v.previous.departureUtc, v.rotationId, v.previous.id];
}

/** pairKey order without building the keys: sorting runs this for every comparison. */
export function comparePairs(a: ViewContinuity | ViewGroundTime, b: ViewContinuity | ViewGroundTime): number {
  return (
    a.previous.departureUtc - b.previous.departureUtc ||
    (a.rotationId < b.rotationId ? -1 : a.rotationId > b.rotationId ? 1 : 0) ||
    (a.previous.id < b.previous.id ? -1 : a.previous.id > b.previous.id ? 1 : 0)
  );
}

export function designatorSortKey(v: ViewDesignator): SortKey {
  let t = Infinity;
  for (const l of v.legs) if (l.leg.departureUtc < t) t = l.leg.departureUtc;
  return [t, v.key, ''];
}

export function encodeCursor(k: SortKey): string {
  return Buffer.from(JSON.stringify(k)).toString('base64url');
}

export function decodeCursor(cursor: string): SortKey {
  try {
    const k: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(k) && k.length === 3 && typeof k[0] === 'number' && typeof k[1] === 'string' && typeof k[2] === 'string')
      return [k[0], k[1], k[2]];
  } catch {
    // fall through to the tagged error: a cursor is opaque, so any parse failure means "not ours"
  }
  throw new InvalidViewQuery(`cursor "${cursor}" was not issued by this view`);
}

export function checkFilters(f: CheckFilters): number {
  const limit = f.limit ?? DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT)
    throw new InvalidViewQuery(`limit must be an integer from 1 to ${MAX_LIMIT}, got ${limit}`);
  if (f.from !== undefined && !Number.isFinite(f.from)) throw new InvalidViewQuery(`from must be epoch milliseconds, got ${f.from}`);
  if (f.to !== undefined && !Number.isFinite(f.to)) throw new InvalidViewQuery(`to must be epoch milliseconds, got ${f.to}`);
  return limit;
}

/** First index whose key is > k (after = true) or >= k. */
function bound<V>(items: readonly V[], keyOf: (v: V) => SortKey, k: SortKey, after: boolean): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const c = compareKeys(keyOf(items[mid] as V), k);
    if (c < 0 || (after && c === 0)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** One page of `sorted` (already in key order, already filtered by rotation) under the filters. */
export function page<V>(sorted: readonly V[], keyOf: (v: V) => SortKey, filters: CheckFilters, offset: number): Page<V> {
  const limit = checkFilters(filters);
  const lo = filters.from === undefined ? 0 : bound(sorted, keyOf, [filters.from, '', ''], false);
  const hi = filters.to === undefined ? sorted.length : bound(sorted, keyOf, [filters.to, '', ''], false);
  const start = filters.cursor === undefined ? lo : Math.max(lo, bound(sorted, keyOf, decodeCursor(filters.cursor), true));
  const end = Math.min(hi, start + limit);
  const violations = sorted.slice(start, end);
  const last = violations[violations.length - 1];
  return { violations, total: Math.max(0, hi - lo), offset, next: end < hi && last !== undefined ? encodeCursor(keyOf(last)) : null };
}
