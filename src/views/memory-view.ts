/**
 * The embedded schedule view: an in-memory graph of airports, airplanes, rotations and legs that
 * keeps the four sets of violations up to date as events arrive, so a check query reads a
 * maintained answer instead of scanning 180,000 legs.
 *
 * Indexes: each rotation's legs in time order (binary-searched), legs by designator key
 * (buckets), rotations by the airports their legs land at, rotations by assigned airplane.
 * What a change touches, and only that is recomputed:
 * - leg added / removed: the rotation's pairs next to it (at most two), its designator bucket;
 * - airport MGT changed: the pairs of rotations landing there whose first leg lands there;
 * - airplane MGT or assignment changed: the pairs of the rotation(s) it flies;
 * - the equipment check is per leg: a leg added is judged against its rotation's airplane, and
 *   a rotation whose airplane changes (assignment, or the airplane created) has its legs rejudged.
 *
 * The dedup filter and the offset change in the same synchronous `apply` as the graph, so no
 * query or snapshot can see one without the other (the paper's section 5.6).
 */
import { compareLegs, designatorKey, type DomainEvent, type Leg, type ScheduleRotation } from '../domain/index.ts';
import { DedupFilter, type EventEnvelope } from '../persistence/index.ts';
import type {
  AirplaneView,
  AnswerOf,
  ApplyResult,
  CheckFilters,
  Page,
  ScheduleView,
  ViewContinuity,
  ViewCounters,
  ViewDesignator,
  ViewEquipment,
  ViewGroundTime,
  ViewQuery,
} from './contract.ts';
import { PairIndex, ViolationIndex } from './violation-index.ts';
import {
  compareLegViolations,
  comparePairs,
  continuityViolation,
  designatorSortKey,
  designatorViolation,
  equipmentMismatch,
  equipmentViolation,
  groundTimeViolation,
  legKey,
  page,
  pairKey,
  type BucketEntry,
} from './violations.ts';
import { VIEW_SNAPSHOT_FORMAT, type ViewSnapshot } from './snapshot-format.ts';
import { rotationJson } from './answer-json.ts';
import { windowNow, type CheckKind, type WindowAnswer, type WindowQuery, type WindowSource } from './window.ts';

interface Rotation {
  readonly id: string;
  active: boolean;
  legs: Leg[];
  registration: string | null;
  /** The rotation's answer as JSON, built on demand, dropped whenever legs or airplane change. */
  json: string | null;
}

interface Airplane {
  readonly registration: string;
  /** Order of first appearance on the feed: the oracle picks the last-created of two airplanes claiming one rotation. */
  readonly ordinal: number;
  active: boolean;
  aircraftType: string;
  mgt: number;
  assignment: string | null;
}

const MINUTE = 60_000;

export class MemoryScheduleView implements ScheduleView {
  private readonly rotations = new Map<string, Rotation>();
  private readonly airplanes = new Map<string, Airplane>();
  private readonly airportMgt = new Map<string, number>();
  /** rotation id -> registrations whose assignment names it. */
  private readonly assignedBy = new Map<string, Set<string>>();
  /** Designator key -> the one leg with it, or all of them once there are two (a violation). */
  private readonly buckets = new Map<string, BucketEntry | BucketEntry[]>();
  private readonly cont = new PairIndex<ViewContinuity>(comparePairs);
  private readonly ground = new PairIndex<ViewGroundTime>(comparePairs);
  private readonly dups = new ViolationIndex<ViewDesignator>(designatorSortKey);
  /** Equipment violations by rotation, then leg id. */
  private readonly equip = new PairIndex<ViewEquipment>(compareLegViolations);
  private dedup = new DedupFilter();
  private at = 0;
  private applied = 0;
  private duplicates = 0;
  private gaps = 0;
  private source: WindowSource | undefined;

  // ---- the write side -------------------------------------------------------------------------

  /** Synchronous core of `apply`: the projection actor and the benchmarks call it directly. */
  applyNow(batch: readonly EventEnvelope[]): ApplyResult {
    let applied = 0;
    let duplicates = 0;
    let gaps = 0;
    for (const env of batch) {
      if (env.offset > this.at) this.at = env.offset;
      const verdict = this.dedup.check(env.persistenceId, env.seq);
      if (verdict === 'duplicate') {
        duplicates++;
        continue;
      }
      // A gap means this view started mid-stream or lost events upstream; it is counted (and
      // visible through counters()) rather than refused, since refusing would stop the view for good.
      if (verdict === 'gap') gaps++;
      applied++;
      this.evolve(env.event as unknown as DomainEvent);
    }
    this.applied += applied;
    this.duplicates += duplicates;
    this.gaps += gaps;
    return { applied, duplicates, gaps, offset: this.at };
  }

  apply(batch: readonly EventEnvelope[]): Promise<ApplyResult> {
    return Promise.resolve(this.applyNow(batch));
  }

  private evolve(e: DomainEvent): void {
    switch (e._tag) {
      case 'RotationCreated': {
        const r = this.rotations.get(e.rotationId);
        if (r?.active) this.clearRotation(r);
        const fresh: Rotation = { id: e.rotationId, active: true, legs: [], registration: null, json: null };
        fresh.registration = this.effectiveRegistration(e.rotationId);
        this.rotations.set(e.rotationId, fresh);
        return;
      }
      case 'LegAdded': {
        const r = this.rotations.get(e.rotationId);
        if (r?.active) this.addLeg(r, e.leg);
        return;
      }
      case 'LegRemoved': {
        const r = this.rotations.get(e.rotationId);
        if (r?.active) this.removeLeg(r, e.legId);
        return;
      }
      case 'RotationRemoved': {
        const r = this.rotations.get(e.rotationId);
        if (r?.active) this.clearRotation(r);
        if (r) r.active = false;
        return;
      }
      case 'RotationClaimed':
      case 'RotationReleased':
        // The claim is the saga's first step; the schedule follows the airplane side (see scheduleFromEvents).
        return;
      case 'AirplaneCreated': {
        const a = this.plane(e.registration);
        a.active = true;
        a.aircraftType = e.aircraftType;
        a.mgt = e.minimumGroundTimeMin;
        if (a.assignment !== null) {
          this.refreshRegistration(a.assignment);
          // Its type decides the equipment check of the rotation it flies, even if the flyer did not change.
          const r = this.rotations.get(a.assignment);
          if (r?.active && r.registration === a.registration) this.refreshEquipment(r);
        }
        return;
      }
      case 'AirplaneMinimumGroundTimeSet': {
        const a = this.plane(e.registration);
        a.mgt = e.minimumGroundTimeMin;
        const r = a.assignment === null ? undefined : this.rotations.get(a.assignment);
        if (r?.active && r.registration === a.registration) this.refreshAllPairs(r);
        return;
      }
      case 'RotationAssigned':
      case 'RotationUnassigned': {
        const a = this.plane(e.registration);
        const before = a.assignment;
        a.assignment = e._tag === 'RotationAssigned' ? e.rotationId : null;
        if (before !== null) {
          this.assignedBy.get(before)?.delete(a.registration);
          this.refreshRegistration(before);
        }
        if (a.assignment !== null) {
          let s = this.assignedBy.get(a.assignment);
          if (!s) this.assignedBy.set(a.assignment, (s = new Set()));
          s.add(a.registration);
          this.refreshRegistration(a.assignment);
        }
        return;
      }
      case 'AirportMinimumGroundTimeSet': {
        this.airportMgt.set(e.iata, e.minimumGroundTimeMin);
        // A scan of every leg (about a millisecond for a full season): airport MGTs change rarely,
        // and an index of arrivals by airport would cost every leg added two map updates.
        for (const r of this.rotations.values()) {
          if (!r.active) continue;
          const legs = r.legs;
          for (let i = 1; i < legs.length; i++)
            if ((legs[i - 1] as Leg).arrivalAirport === e.iata) this.evalPair(r, legs[i - 1] as Leg, legs[i]);
        }
        return;
      }
      default:
        // Events of other aggregates share the feed; they do not concern the schedule.
        return;
    }
  }

  private plane(registration: string): Airplane {
    let a = this.airplanes.get(registration);
    if (!a)
      this.airplanes.set(
        registration,
        (a = { registration, ordinal: this.airplanes.size, active: false, aircraftType: '', mgt: 0, assignment: null }),
      );
    return a;
  }

  /** As scheduleFromEvents decides it: of the active airplanes assigned the rotation, the one seen first last. */
  private effectiveRegistration(rotationId: string): string | null {
    let best: Airplane | undefined;
    for (const reg of this.assignedBy.get(rotationId) ?? []) {
      const a = this.airplanes.get(reg);
      if (a?.active && (best === undefined || a.ordinal > best.ordinal)) best = a;
    }
    return best?.registration ?? null;
  }

  private refreshRegistration(rotationId: string): void {
    const r = this.rotations.get(rotationId);
    if (!r) return;
    const reg = this.effectiveRegistration(rotationId);
    // The airplane's MGT enters every pair, and the registration is part of every violation.
    if (reg !== r.registration) {
      r.registration = reg;
      r.json = null;
      if (r.active) {
        this.refreshAllPairs(r);
        this.refreshEquipment(r);
      }
    }
  }

  private addLeg(r: Rotation, leg: Leg): void {
    const legs = r.legs;
    r.json = null;
    const lo = lowerBound(legs, leg);
    if (lo === legs.length) legs.push(leg);
    else legs.splice(lo, 0, leg);
    if (lo > 0) this.evalPair(r, legs[lo - 1] as Leg, leg);
    this.evalPair(r, leg, legs[lo + 1]);
    this.evalEquipment(r, leg);
    const key = designatorKey(leg);
    const entry: BucketEntry = { rotationId: r.id, leg };
    const bucket = this.buckets.get(key);
    if (bucket === undefined) this.buckets.set(key, entry);
    else {
      const all = Array.isArray(bucket) ? bucket : [bucket];
      all.push(entry);
      if (all !== bucket) this.buckets.set(key, all);
      this.dups.set(
        key,
        all.map((b) => b.rotationId),
        designatorViolation(all),
      );
    }
  }

  private removeLeg(r: Rotation, legId: string): void {
    // A linear scan: removals are rare, and an id index would cost every added leg a map entry.
    const legs = r.legs;
    const lo = legs.findIndex((l) => l.id === legId);
    const leg = legs[lo];
    if (leg === undefined) return;
    r.json = null;
    legs.splice(lo, 1);
    this.evalPair(r, leg, undefined);
    if (lo > 0) this.evalPair(r, legs[lo - 1] as Leg, legs[lo]);
    this.equip.delete(r.id, leg.id);
    this.dropFromBucket(r.id, leg);
  }

  private dropFromBucket(rotationId: string, leg: Leg): void {
    const key = designatorKey(leg);
    const bucket = this.buckets.get(key);
    if (bucket === undefined) return;
    if (!Array.isArray(bucket)) {
      if (bucket.rotationId === rotationId && bucket.leg.id === leg.id) this.buckets.delete(key);
      return;
    }
    const i = bucket.findIndex((b) => b.rotationId === rotationId && b.leg.id === leg.id);
    if (i >= 0) bucket.splice(i, 1);
    if (bucket.length >= 2)
      return this.dups.set(
        key,
        bucket.map((b) => b.rotationId),
        designatorViolation(bucket),
      );
    this.dups.delete(key);
    if (bucket.length === 1) this.buckets.set(key, bucket[0] as BucketEntry);
    else this.buckets.delete(key);
  }

  private clearRotation(r: Rotation): void {
    for (const leg of r.legs) {
      this.evalPair(r, leg, undefined);
      this.equip.delete(r.id, leg.id);
      this.dropFromBucket(r.id, leg);
    }
    r.legs = [];
    r.json = null;
  }

  private refreshAllPairs(r: Rotation): void {
    const legs = r.legs;
    for (let i = 0; i < legs.length; i++) this.evalPair(r, legs[i] as Leg, legs[i + 1]);
  }

  /** The aircraft type of the rotation's airplane, or null without one. */
  private airplaneType(r: Rotation): string | null {
    const plane = r.registration === null ? undefined : this.airplanes.get(r.registration);
    return plane?.active ? plane.aircraftType : null;
  }

  /** (Re)decides the equipment check of one leg. */
  private evalEquipment(r: Rotation, leg: Leg): void {
    const type = this.airplaneType(r);
    if (equipmentMismatch(leg, type)) this.equip.set(r.id, leg.id, equipmentViolation(r.id, r.registration as string, leg, type as string));
    else this.equip.delete(r.id, leg.id);
  }

  private refreshEquipment(r: Rotation): void {
    for (const leg of r.legs) this.evalEquipment(r, leg);
  }

  /** (Re)decides the pair starting at `prev`; `next` undefined means `prev` is last (or gone). */
  private evalPair(r: Rotation, prev: Leg, next: Leg | undefined): void {
    if (next === undefined) {
      this.cont.delete(r.id, prev.id);
      this.ground.delete(r.id, prev.id);
      return;
    }
    if (prev.arrivalAirport !== next.departureAirport) this.cont.set(r.id, prev.id, continuityViolation(r.id, r.registration, prev, next));
    else this.cont.delete(r.id, prev.id);
    const airportMgt = this.airportMgt.get(prev.arrivalAirport);
    const plane = r.registration === null ? undefined : this.airplanes.get(r.registration);
    const planeMgt = plane ? plane.mgt : null;
    const required = Math.max(airportMgt ?? 0, planeMgt ?? 0);
    if ((next.departureUtc - prev.arrivalUtc) / MINUTE < required) {
      this.ground.set(r.id, prev.id, groundTimeViolation(r.id, r.registration, prev, next, airportMgt, planeMgt));
    } else this.ground.delete(r.id, prev.id);
  }

  // ---- the read side --------------------------------------------------------------------------

  continuityNow(f: CheckFilters = {}): Page<ViewContinuity> {
    return page(f.rotationId === undefined ? this.cont.sorted() : this.cont.ofRotation(f.rotationId), pairKey, f, this.at);
  }
  groundTimeNow(f: CheckFilters = {}): Page<ViewGroundTime> {
    return page(f.rotationId === undefined ? this.ground.sorted() : this.ground.ofRotation(f.rotationId), pairKey, f, this.at);
  }
  designatorsNow(f: CheckFilters = {}): Page<ViewDesignator> {
    return page(f.rotationId === undefined ? this.dups.sorted() : this.dups.ofRotation(f.rotationId), designatorSortKey, f, this.at);
  }
  equipmentNow(f: CheckFilters = {}): Page<ViewEquipment> {
    return page(f.rotationId === undefined ? this.equip.sorted() : this.equip.ofRotation(f.rotationId), legKey, f, this.at);
  }
  rotationNow(rotationId: string): ScheduleRotation | null {
    const r = this.rotations.get(rotationId);
    return r?.active ? { rotationId, legs: r.legs.slice(), registration: r.registration } : null;
  }
  /** `JSON.stringify(rotationNow(id))`, cached per rotation until it changes (see answer-json.ts). */
  rotationJsonNow(rotationId: string): string {
    const r = this.rotations.get(rotationId);
    if (!r?.active) return 'null';
    return (r.json ??= rotationJson({ rotationId, legs: r.legs, registration: r.registration }));
  }
  airplaneNow(registration: string): AirplaneView | null {
    const a = this.airplanes.get(registration);
    return a?.active ? { registration, aircraftType: a.aircraftType, minimumGroundTimeMin: a.mgt, rotationId: a.assignment } : null;
  }

  /** Changes whenever any violation set changes (not with the offset alone): a cached check
   * answer taken at the same version is still right, only its `offset` moves on. */
  violationsVersion(): number {
    return this.cont.version + this.ground.version + this.dups.version + this.equip.version;
  }

  /** A tagged query answered synchronously (the replica actor's path). */
  queryNow<Q extends ViewQuery>(q: Q): AnswerOf[Q['_tag']] {
    switch (q._tag) {
      case 'Continuity':
        return this.continuityNow(q.filters) as AnswerOf[Q['_tag']];
      case 'GroundTime':
        return this.groundTimeNow(q.filters) as AnswerOf[Q['_tag']];
      case 'Designators':
        return this.designatorsNow(q.filters) as AnswerOf[Q['_tag']];
      case 'Equipment':
        return this.equipmentNow(q.filters) as AnswerOf[Q['_tag']];
      case 'Rotation':
        return this.rotationNow(q.rotationId) as AnswerOf[Q['_tag']];
      case 'Airplane':
        return this.airplaneNow(q.registration) as AnswerOf[Q['_tag']];
      case 'Window':
        return windowNow(this.windowSource(), q.window, this.at) as AnswerOf[Q['_tag']];
    }
  }

  continuity(f?: CheckFilters): Promise<Page<ViewContinuity>> {
    return settle(() => this.continuityNow(f));
  }
  groundTime(f?: CheckFilters): Promise<Page<ViewGroundTime>> {
    return settle(() => this.groundTimeNow(f));
  }
  designators(f?: CheckFilters): Promise<Page<ViewDesignator>> {
    return settle(() => this.designatorsNow(f));
  }
  equipment(f?: CheckFilters): Promise<Page<ViewEquipment>> {
    return settle(() => this.equipmentNow(f));
  }
  rotation(rotationId: string): Promise<ScheduleRotation | null> {
    return settle(() => this.rotationNow(rotationId));
  }
  airplane(registration: string): Promise<AirplaneView | null> {
    return settle(() => this.airplaneNow(registration));
  }
  window(q: WindowQuery): Promise<WindowAnswer> {
    return settle(() => windowNow(this.windowSource(), q, this.at));
  }
  /** The maps as they are and the violations by rotation, for the planner's windows (window.ts). */
  windowSource(): WindowSource {
    const of = { continuity: this.cont, 'ground-time': this.ground, designators: this.dups, equipment: this.equip } as const;
    return (this.source ??= {
      rotations: this.rotations,
      airplanes: this.airplanes,
      violationsOf: (rotationId: string, check: CheckKind) => of[check].ofRotation(rotationId),
      totals: () => ({ continuity: this.cont.size, groundTime: this.ground.size, designators: this.dups.size, equipment: this.equip.size }),
    });
  }
  offsetNow(): number {
    return this.at;
  }
  offset(): Promise<number> {
    return Promise.resolve(this.at);
  }
  countersNow(): ViewCounters {
    return { applied: this.applied, duplicates: this.duplicates, gaps: this.gaps };
  }
  counters(): Promise<ViewCounters> {
    return Promise.resolve(this.countersNow());
  }
  close(): Promise<void> {
    return Promise.resolve();
  }

  // ---- snapshots ------------------------------------------------------------------------------

  /** The whole view as plain data: state, offset, dedup filter and counters, taken together. */
  snapshot(): ViewSnapshot {
    return {
      format: VIEW_SNAPSHOT_FORMAT,
      offset: this.at,
      counters: this.countersNow(),
      dedup: this.dedup.entries(),
      airports: [...this.airportMgt],
      airplanes: [...this.airplanes.values()].map((a) => [a.registration, a.active, a.aircraftType, a.mgt, a.assignment]),
      // Copies of the leg arrays (legs are immutable, their arrays are not): the file is written
      // in slices while the view goes on applying events.
      rotations: [...this.rotations.values()].map((r) => [r.id, r.active, r.legs.slice()]),
    };
  }

  static fromSnapshot(s: ViewSnapshot): MemoryScheduleView {
    const v = new MemoryScheduleView();
    for (const [iata, mgt] of s.airports) v.airportMgt.set(iata, mgt);
    // Airplanes in their original order, so ordinals (and the oracle's tie-break) survive.
    for (const [registration, active, aircraftType, mgt, assignment] of s.airplanes) {
      const a = v.plane(registration);
      Object.assign(a, { active, aircraftType, mgt, assignment });
      if (assignment !== null) {
        let set = v.assignedBy.get(assignment);
        if (!set) v.assignedBy.set(assignment, (set = new Set()));
        set.add(registration);
      }
    }
    for (const [id, active] of s.rotations) v.rotations.set(id, { id, active, legs: [], registration: null, json: null });
    for (const r of v.rotations.values()) r.registration = v.effectiveRegistration(r.id);
    for (const [id, active, legs] of s.rotations) {
      const r = v.rotations.get(id) as Rotation;
      if (active) for (const leg of legs) v.addLeg(r, leg);
    }
    v.dedup = new DedupFilter(s.dedup);
    v.at = s.offset;
    v.applied = s.counters.applied;
    v.duplicates = s.counters.duplicates;
    v.gaps = s.counters.gaps;
    return v;
  }
}

/** Index of the first leg not before `leg`; appends (a season loads in time order) skip the search. */
function lowerBound(legs: readonly Leg[], leg: Leg): number {
  let hi = legs.length;
  if (hi === 0 || compareLegs(legs[hi - 1] as Leg, leg) < 0) return hi;
  let lo = 0;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareLegs(legs[mid] as Leg, leg) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A query's throw (a bad cursor) becomes a rejection, as the async contract promises. */
function settle<T>(f: () => T): Promise<T> {
  try {
    return Promise.resolve(f());
  } catch (e) {
    return Promise.reject(e);
  }
}
