/**
 * The planner's windowed read model: what one screen of the chart shows, and nothing more. A
 * window is a page of rows (rotations, or airplanes with the rotation each flies and then the
 * rotations nobody flies) and a time range; each row carries only its legs inside that range and
 * the violations that touch them. Rows are filtered and sorted here, on the view's own maps, and
 * the answer says how many rows match in all (the page's scrollbar) and the schedule's extent (its
 * time axis), so a client never needs the whole schedule.
 *
 * Answered synchronously inside a replica (see MemoryScheduleView.windowSource): the cost is one
 * pass over the rotations and airplanes (first and last leg, violation counts) plus a binary search
 * per shown row, whatever the number of legs. Legs go out in a short form (WindowLeg).
 */
import type { Leg } from '../domain/index.ts';
import type { ViewContinuity, ViewDesignator, ViewEquipment, ViewGroundTime } from './view-violations.ts';
import { InvalidViewQuery } from './errors.ts';

export const CHECK_KINDS = ['continuity', 'ground-time', 'designators', 'equipment'] as const;
export type CheckKind = (typeof CHECK_KINDS)[number];
export const WINDOW_SORTS = ['start', 'id', 'violations'] as const;
export type WindowSort = (typeof WINDOW_SORTS)[number];

export const DAY_MS = 86_400_000;
export const DEFAULT_WINDOW_ROWS = 50;
export const MAX_WINDOW_ROWS = 500;
export const DEFAULT_WINDOW_DAYS = 14;
export const MAX_WINDOW_DAYS = 400;
/** More legs than this in one answer is refused: ask for fewer rows or a shorter range. */
export const MAX_WINDOW_LEGS = 25_000;

export interface WindowQuery {
  /** Rows are rotations, or airplanes (each with its assigned rotation's legs) followed by the unassigned rotations. */
  readonly by: 'rotation' | 'airplane';
  /** Epoch ms: legs still in the air at `from` or later (default: the day of the first departure). */
  readonly from?: number;
  /** Epoch ms, exclusive: legs departing before `to` (default: `from` + 14 days). */
  readonly to?: number;
  /** Index of the first row (default 0). */
  readonly start?: number;
  /** Rows (1..500, default 50). */
  readonly limit?: number;
  /** Rotation id contains (case-insensitive). */
  readonly rotation?: string;
  /** Airplane registration contains (case-insensitive); rows without an airplane drop out. */
  readonly airplane?: string;
  /** Only rows whose rotation has a violation (of `check`, when given) anywhere in the season. */
  readonly violations?: boolean;
  /** Count, filter and show only this check's violations. */
  readonly check?: CheckKind;
  /** start: by first departure (the staircase, default); id; violations: most first. */
  readonly sort?: WindowSort;
  /** A rotation id or registration: the page of rows is the one centred on its row, wherever it is. */
  readonly focus?: string;
}

/** A leg as the chart draws it. */
export interface WindowLeg {
  readonly id: string;
  /** Carrier, number and suffix: "AL 12", "AL 12A". */
  readonly flight: string;
  readonly from: string;
  readonly to: string;
  /** Departure and arrival, epoch ms UTC. */
  readonly dep: number;
  readonly arr: number;
  /** Date of origin. */
  readonly date: string;
  /** The aircraft type the leg is scheduled for, or null. */
  readonly type: string | null;
}

export type WindowViolation = { readonly check: CheckKind } & (ViewContinuity | ViewGroundTime | ViewDesignator | ViewEquipment);

export interface WindowRow {
  readonly kind: 'rotation' | 'airplane' | 'unassigned';
  /** The row's key: the rotation id, or the registration for an airplane row. */
  readonly id: string;
  readonly rotationId: string | null;
  readonly registration: string | null;
  /** The airplane's type (airplane rows, and rotations that have an airplane). */
  readonly aircraftType: string | null;
  /** The whole rotation: legs, first departure, last arrival, violations (of `check` when given). */
  readonly legCount: number;
  readonly first: number | null;
  readonly last: number | null;
  readonly violationCount: number;
  /** Legs inside the window's time range, in time order. */
  readonly legs: readonly WindowLeg[];
  /** Violations with a leg of this row among `legs`. */
  readonly violations: readonly WindowViolation[];
}

export interface WindowAnswer {
  readonly by: 'rotation' | 'airplane';
  readonly from: number;
  readonly to: number;
  readonly start: number;
  /** Rows matching the filters, all pages. */
  readonly total: number;
  /** Airplane view: rows [0, airplaneRows) are airplanes, the rest unassigned rotations. Rotation view: 0. */
  readonly airplaneRows: number;
  /** Index of the `focus` row, null when no row matches it (or none was asked for). */
  readonly focus: number | null;
  readonly rows: readonly WindowRow[];
  /** First departure and last arrival of the whole schedule, null without legs. */
  readonly extent: { readonly from: number; readonly to: number } | null;
  readonly counts: { readonly rotations: number; readonly airplanes: number; readonly legs: number; readonly unassigned: number };
  /** Violations of each check in the whole schedule. */
  readonly totals: { readonly continuity: number; readonly groundTime: number; readonly designators: number; readonly equipment: number };
  /** The feed offset the answer reflects. */
  readonly offset: number;
}

export interface WindowRotation {
  readonly id: string;
  readonly active: boolean;
  /** Sorted by departure; they never overlap, so also by arrival. */
  readonly legs: readonly Leg[];
  readonly registration: string | null;
}

export interface WindowAirplane {
  readonly registration: string;
  readonly active: boolean;
  readonly aircraftType: string;
  readonly assignment: string | null;
}

/** What a view lends the windowed query: its maps as they are, and its violations by rotation. */
export interface WindowSource {
  readonly rotations: ReadonlyMap<string, WindowRotation>;
  readonly airplanes: ReadonlyMap<string, WindowAirplane>;
  violationsOf(rotationId: string, check: CheckKind): readonly (ViewContinuity | ViewGroundTime | ViewDesignator | ViewEquipment)[];
  totals(): WindowAnswer['totals'];
}

interface Candidate {
  readonly kind: WindowRow['kind'];
  readonly id: string;
  readonly rotation: WindowRotation | undefined;
  readonly plane: WindowAirplane | undefined;
  readonly start: number;
  violations: number;
}

function intIn(v: number | undefined, name: string, min: number, max: number): void {
  if (v !== undefined && (!Number.isInteger(v) || v < min || v > max))
    throw new InvalidViewQuery(`${name} must be an integer from ${min} to ${max}, got ${v}`);
}

/** Checks a query's shape (the HTTP layer names the field first; this guards other callers). */
export function checkWindowQuery(q: WindowQuery): void {
  if (q.by !== 'rotation' && q.by !== 'airplane') throw new InvalidViewQuery(`by must be "rotation" or "airplane", got ${String(q.by)}`);
  if (q.from !== undefined && !Number.isFinite(q.from)) throw new InvalidViewQuery(`from must be epoch milliseconds, got ${q.from}`);
  if (q.to !== undefined && !Number.isFinite(q.to)) throw new InvalidViewQuery(`to must be epoch milliseconds, got ${q.to}`);
  intIn(q.start, 'start', 0, Number.MAX_SAFE_INTEGER);
  intIn(q.limit, 'limit', 1, MAX_WINDOW_ROWS);
  if (q.check !== undefined && !CHECK_KINDS.includes(q.check))
    throw new InvalidViewQuery(`check must be one of ${CHECK_KINDS.join(', ')}, got ${String(q.check)}`);
  if (q.sort !== undefined && !WINDOW_SORTS.includes(q.sort))
    throw new InvalidViewQuery(`sort must be one of ${WINDOW_SORTS.join(', ')}, got ${String(q.sort)}`);
}

const floorDay = (t: number) => Math.floor(t / DAY_MS) * DAY_MS;
const byId = (a: Candidate, b: Candidate) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
const GROUP = { rotation: 0, airplane: 0, unassigned: 1 } as const;

/** The legs of `r` (of this rotation) that a violation names. */
function legIdsIn(
  v: WindowViolation | ViewContinuity | ViewGroundTime | ViewDesignator | ViewEquipment,
  rotationId: string,
): readonly string[] {
  if ('legs' in v) return v.legs.filter((x) => x.rotationId === rotationId).map((x) => x.leg.id);
  return v.legIds;
}

/** Index of the first leg still in the air at `t` (arrival after it). */
function firstArrivingAfter(legs: readonly Leg[], t: number): number {
  let lo = 0;
  let hi = legs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((legs[mid] as Leg).arrivalUtc <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function windowLeg(l: Leg): WindowLeg {
  return {
    id: l.id,
    flight: `${l.carrier} ${l.flightNumber}${l.suffix}`,
    from: l.departureAirport,
    to: l.arrivalAirport,
    dep: l.departureUtc,
    arr: l.arrivalUtc,
    date: l.dateOfOrigin,
    type: l.aircraftType ?? null,
  };
}

export function windowNow(src: WindowSource, q: WindowQuery, offset: number): WindowAnswer {
  checkWindowQuery(q);
  const checks: readonly CheckKind[] = q.check === undefined ? CHECK_KINDS : [q.check];
  const countOf = (rotationId: string) => {
    let n = 0;
    for (const c of checks) n += src.violationsOf(rotationId, c).length;
    return n;
  };
  const rotText = q.rotation ? q.rotation.toUpperCase() : undefined;
  const planeText = q.airplane ? q.airplane.toUpperCase() : undefined;
  const needCounts = q.violations === true || q.sort === 'violations';

  let rotations = 0;
  let legs = 0;
  let unassigned = 0;
  let lo = Infinity;
  let hi = -Infinity;
  const cands: Candidate[] = [];
  const add = (kind: Candidate['kind'], id: string, rotation: WindowRotation | undefined, plane: WindowAirplane | undefined) => {
    const c: Candidate = { kind, id, rotation, plane, start: rotation?.legs[0]?.departureUtc ?? Infinity, violations: -1 };
    if (needCounts) {
      c.violations = rotation === undefined ? 0 : countOf(rotation.id);
      if (q.violations === true && c.violations === 0) return;
    }
    cands.push(c);
  };

  for (const r of src.rotations.values()) {
    if (!r.active) continue;
    rotations++;
    legs += r.legs.length;
    const first = r.legs[0];
    const last = r.legs[r.legs.length - 1];
    if (first !== undefined && first.departureUtc < lo) lo = first.departureUtc;
    if (last !== undefined && last.arrivalUtc > hi) hi = last.arrivalUtc;
    if (r.registration === null) unassigned++;
    if (rotText !== undefined && !r.id.toUpperCase().includes(rotText)) continue;
    if (q.by === 'rotation') {
      if (planeText !== undefined && !(r.registration ?? '').toUpperCase().includes(planeText)) continue;
      add('rotation', r.id, r, r.registration === null ? undefined : src.airplanes.get(r.registration));
    } else if (r.registration === null && planeText === undefined) add('unassigned', r.id, r, undefined);
  }
  let airplanes = 0;
  for (const a of src.airplanes.values()) {
    if (!a.active) continue;
    airplanes++;
    if (q.by !== 'airplane') continue;
    if (planeText !== undefined && !a.registration.toUpperCase().includes(planeText)) continue;
    const assigned = a.assignment === null ? undefined : src.rotations.get(a.assignment);
    const r = assigned?.active ? assigned : undefined;
    if (rotText !== undefined && !(r?.id ?? '').toUpperCase().includes(rotText)) continue;
    add('airplane', a.registration, r, a);
  }

  const sort = q.sort ?? 'start';
  cands.sort(
    (a, b) =>
      GROUP[a.kind] - GROUP[b.kind] ||
      (sort === 'violations' ? b.violations - a.violations : 0) ||
      (sort !== 'id' ? (a.start === b.start ? 0 : a.start < b.start ? -1 : 1) : 0) ||
      byId(a, b),
  );

  const limit = q.limit ?? DEFAULT_WINDOW_ROWS;
  let start = q.start ?? 0;
  let focus: number | null = null;
  if (q.focus !== undefined) {
    const i = cands.findIndex((c) => c.id === q.focus || c.rotation?.id === q.focus);
    if (i >= 0) {
      focus = i;
      start = Math.max(0, Math.min(i - Math.floor(limit / 2), cands.length - limit));
    }
  }
  const extent = lo <= hi ? { from: lo, to: hi } : null;
  const from = q.from ?? (extent ? floorDay(extent.from) : 0);
  const to = q.to ?? from + DEFAULT_WINDOW_DAYS * DAY_MS;
  if (to <= from) throw new InvalidViewQuery(`to (${to}) must be after from (${from})`);
  if (to - from > MAX_WINDOW_DAYS * DAY_MS) throw new InvalidViewQuery(`a window spans at most ${MAX_WINDOW_DAYS} days`);

  let shownLegs = 0;
  const rows = cands.slice(start, start + limit).map((c): WindowRow => {
    const r = c.rotation;
    const inWindow: WindowLeg[] = [];
    const violations: WindowViolation[] = [];
    if (r !== undefined) {
      const all = r.legs;
      const ids = new Set<string>();
      for (let k = firstArrivingAfter(all, from); k < all.length && (all[k] as Leg).departureUtc < to; k++) {
        const l = all[k] as Leg;
        inWindow.push(windowLeg(l));
        ids.add(l.id);
      }
      shownLegs += inWindow.length;
      if (shownLegs > MAX_WINDOW_LEGS)
        throw new InvalidViewQuery(`the window holds more than ${MAX_WINDOW_LEGS} legs; ask for fewer rows or a shorter time range`);
      if (ids.size > 0) {
        for (const check of checks) {
          for (const v of src.violationsOf(r.id, check)) if (legIdsIn(v, r.id).some((id) => ids.has(id))) violations.push({ check, ...v });
        }
      }
      if (c.violations < 0) c.violations = countOf(r.id);
    } else c.violations = 0;
    const first = r?.legs[0];
    const last = r === undefined ? undefined : r.legs[r.legs.length - 1];
    return {
      kind: c.kind,
      id: c.id,
      rotationId: r?.id ?? null,
      registration: c.plane?.registration ?? r?.registration ?? null,
      aircraftType: c.plane?.aircraftType ?? null,
      legCount: r?.legs.length ?? 0,
      first: first?.departureUtc ?? null,
      last: last?.arrivalUtc ?? null,
      violationCount: c.violations,
      legs: inWindow,
      violations,
    };
  });

  return {
    by: q.by,
    from,
    to,
    start,
    total: cands.length,
    airplaneRows: q.by === 'airplane' ? cands.filter((c) => c.kind === 'airplane').length : 0,
    focus,
    rows,
    extent,
    counts: { rotations, airplanes, legs, unassigned },
    totals: src.totals(),
    offset,
  };
}
