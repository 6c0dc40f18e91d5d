// The page's own projection of the schedule: it folds the global feed (GET /api/feed) into
// rotations, legs, airplanes and airports, and keeps the four checks' violations indexed by leg
// and by rotation. Nothing here touches the DOM, so the chart and the lists read one model.

/** @typedef {{id:string, carrier:string, flightNumber:number, suffix:string, dateOfOrigin:string, departureAirport:string, arrivalAirport:string, departureUtc:number, arrivalUtc:number, aircraftType:string|null, serviceType:string|null}} Leg */
/** @typedef {{id:string, legs:Leg[], registration:string|null}} Rotation */

export const CHECKS = /** @type {const} */ (['continuity', 'ground-time', 'designators', 'equipment']);
export const CHECK_LABEL = { continuity: 'Continuity', 'ground-time': 'Ground time', designators: 'Designators', equipment: 'Equipment' };

export class Model {
  constructor() {
    /** @type {Map<string, Rotation>} */ this.rotations = new Map();
    /** @type {Map<string, {registration:string, aircraftType:string, mgt:number, rotationId:string|null}>} */ this.airplanes = new Map();
    /** @type {Map<string, number>} */ this.airports = new Map();
    /** Next feed offset to read. */ this.next = 1;
    this.legCount = 0;
    this.minTime = Infinity;
    this.maxTime = -Infinity;
    /** check -> key -> violation (with `check`, `key`, `legIds`, `rotationIds` added) */
    this.violations = new Map(CHECKS.map((c) => [c, new Map()]));
    /** legId -> Set of violation keys */ this.byLeg = new Map();
    /** Bumped on every change so views know to rebuild derived data. */ this.version = 0;
  }

  /** @param {{offset:number, event:any}[]} events */
  apply(events) {
    for (const { offset, event: e } of events) {
      this.next = offset + 1;
      switch (e._tag) {
        case 'RotationCreated':
          if (!this.rotations.has(e.rotationId)) this.rotations.set(e.rotationId, { id: e.rotationId, legs: [], registration: null });
          break;
        case 'LegAdded': {
          const r = this.rotation(e.rotationId);
          const legs = r.legs;
          // Legs arrive mostly in time order: insert from the end.
          let i = legs.length;
          while (i > 0 && legs[i - 1].departureUtc > e.leg.departureUtc) i--;
          legs.splice(i, 0, e.leg);
          this.legCount++;
          if (e.leg.departureUtc < this.minTime) this.minTime = e.leg.departureUtc;
          if (e.leg.arrivalUtc > this.maxTime) this.maxTime = e.leg.arrivalUtc;
          break;
        }
        case 'LegRemoved': {
          const r = this.rotations.get(e.rotationId);
          const i = r ? r.legs.findIndex((l) => l.id === e.legId) : -1;
          if (r && i >= 0) {
            r.legs.splice(i, 1);
            this.legCount--;
          }
          break;
        }
        case 'RotationRemoved': {
          const r = this.rotations.get(e.rotationId);
          if (r) this.legCount -= r.legs.length;
          this.rotations.delete(e.rotationId);
          break;
        }
        case 'RotationClaimed':
          this.rotation(e.rotationId).registration = e.registration;
          break;
        case 'RotationReleased':
          if (this.rotations.get(e.rotationId)?.registration === e.registration) this.rotation(e.rotationId).registration = null;
          break;
        case 'AirplaneCreated':
          this.airplanes.set(e.registration, { registration: e.registration, aircraftType: e.aircraftType, mgt: e.minimumGroundTimeMin, rotationId: null });
          break;
        case 'AirplaneMinimumGroundTimeSet': {
          const a = this.airplanes.get(e.registration);
          if (a) a.mgt = e.minimumGroundTimeMin;
          break;
        }
        case 'RotationAssigned': {
          const a = this.airplanes.get(e.registration);
          if (a) a.rotationId = e.rotationId;
          break;
        }
        case 'RotationUnassigned': {
          const a = this.airplanes.get(e.registration);
          if (a && a.rotationId === e.rotationId) a.rotationId = null;
          break;
        }
        case 'AirportMinimumGroundTimeSet':
          this.airports.set(e.iata, e.minimumGroundTimeMin);
          break;
        default:
          break; // events the page does not draw
      }
    }
    if (events.length > 0) this.version++;
  }

  /** @param {string} id */
  rotation(id) {
    let r = this.rotations.get(id);
    if (!r) this.rotations.set(id, (r = { id, legs: [], registration: null }));
    return r;
  }

  /** Replaces every violation of `check` (a full reload). */
  setViolations(check, list) {
    const map = this.violations.get(check);
    for (const v of map.values()) this.unindex(v);
    map.clear();
    for (const raw of list) this.addViolation(check, raw);
    this.version++;
  }

  /** Replaces the violations of `check` that concern `rotationId` with `list`. */
  setRotationViolations(check, rotationId, list) {
    const map = this.violations.get(check);
    for (const [key, v] of map) {
      if (v.rotationIds.includes(rotationId)) {
        this.unindex(v);
        map.delete(key);
      }
    }
    for (const raw of list) this.addViolation(check, raw);
    this.version++;
  }

  addViolation(check, raw) {
    const legIds = raw.legIds ?? (raw.legs ? raw.legs.map((x) => x.leg.id) : []);
    const rotationIds = raw.rotationId ? [raw.rotationId] : raw.legs ? [...new Set(raw.legs.map((x) => x.rotationId))] : [];
    const key = raw.key ?? `${rotationIds.join(',')}|${legIds.join(',')}`;
    const map = this.violations.get(check);
    const old = map.get(key);
    if (old) this.unindex(old);
    const v = { ...raw, check, key: `${check}:${key}`, legIds, rotationIds };
    map.set(key, v);
    for (const id of legIds) {
      let set = this.byLeg.get(id);
      if (!set) this.byLeg.set(id, (set = new Set()));
      set.add(v);
    }
  }

  unindex(v) {
    for (const id of v.legIds) {
      const set = this.byLeg.get(id);
      if (!set) continue;
      set.delete(v);
      if (set.size === 0) this.byLeg.delete(id);
    }
  }

  violationCount() {
    let n = 0;
    for (const m of this.violations.values()) n += m.size;
    return n;
  }

  /** @param {string} rotationId */
  rotationHasViolation(rotationId) {
    const r = this.rotations.get(rotationId);
    return r ? r.legs.some((l) => this.byLeg.has(l.id)) : false;
  }
}

/** Human explanation of a violation: which check, where, required and actual ground time. */
export function explain(v) {
  if (v.check === 'ground-time') return `Ground time at ${v.airport}: ${v.actualMinutes} min on the ground, ${v.requiredMinutes} min required`;
  if (v.check === 'continuity') return `Continuity: lands at ${v.arrivalAirport}, next leg leaves from ${v.departureAirport}`;
  if (v.check === 'equipment') return `Equipment: scheduled for aircraft type ${v.legAircraftType}, but ${v.registration} is a ${v.airplaneAircraftType}`;
  const d = v.designator;
  const name = d ? `${d.carrier} ${d.flightNumber}${d.suffix ?? ''} ${d.departureAirport} ${d.dateOfOrigin}` : '';
  return `Designators: ${name} is planned ${v.legIds.length} times (${v.rotationIds.join(', ')})`;
}

/** "XX 201" or "XX 201A". */
export function designator(leg) {
  return `${leg.carrier} ${leg.flightNumber}${leg.suffix ?? ''}`;
}
