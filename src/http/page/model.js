// The page's copy of what the chart shows: the loaded window (a page of rows, each with its legs
// in a time range and the violations touching them, from GET /api/window), patched by the live
// window messages, and the schedule's summary (counts, totals, extent). Nothing here touches the
// DOM, so the chart, the lists and the test hooks read one model.

/** @typedef {{id:string, flight:string, from:string, to:string, dep:number, arr:number, date:string, type:string|null}} Leg */
/** @typedef {{kind:'rotation'|'airplane'|'unassigned', id:string, rotationId:string|null, registration:string|null, aircraftType:string|null, legCount:number, first:number|null, last:number|null, violationCount:number, legs:Leg[], violations:any[], byLeg?: Map<string, any[]>}} Row */

export const CHECKS = /** @type {const} */ (['continuity', 'ground-time', 'designators', 'equipment']);
export const CHECK_LABEL = { continuity: 'Continuity', 'ground-time': 'Ground time', designators: 'Designators', equipment: 'Equipment' };
/** Bar colours per check (white text on each has a contrast of at least 4.5:1). */
export const CHECK_COLOUR = { continuity: '#c62828', 'ground-time': '#a14a00', designators: '#6d28d9', equipment: '#0f6b63' };
export const LEG_COLOUR = '#2f5f8a';
const TOTAL_KEY = { continuity: 'continuity', 'ground-time': 'groundTime', designators: 'designators', equipment: 'equipment' };

export const rowKey = (r) => `${r.kind}:${r.id}`;

/** Indexes a row's violations by its leg ids (only this row's legs: ids repeat across rotations). */
function indexRow(row) {
  const byLeg = new Map();
  for (const v of row.violations) {
    const ids = v.legs ? v.legs.filter((x) => x.rotationId === row.rotationId).map((x) => x.leg.id) : v.legIds;
    for (const id of ids) {
      let list = byLeg.get(id);
      if (!list) byLeg.set(id, (list = []));
      list.push(v);
    }
  }
  row.byLeg = byLeg;
  return row;
}

export class Model {
  constructor() {
    /** The loaded window: its spec key and answer, or null. */
    this.window = null;
    /** The latest summary: total rows of the current filters, counts, totals, extent, and the offset it reflects. */
    this.summary = {
      total: 0,
      airplaneRows: 0,
      counts: { rotations: 0, airplanes: 0, legs: 0, unassigned: 0 },
      totals: { continuity: 0, groundTime: 0, designators: 0, equipment: 0 },
      extent: null,
      offset: 0,
      key: '',
    };
    /** Bumped on every change, so views know to rebuild derived data. */
    this.version = 0;
  }

  /** A window answer for the spec with `key` (filters and view) replaces the loaded one. */
  setWindow(key, spec, answer) {
    answer.rows.forEach(indexRow);
    this.window = { key, spec, from: answer.from, to: answer.to, start: answer.start, rows: answer.rows, offset: answer.offset };
    this.setSummary(key, answer);
    this.version++;
  }

  setSummary(key, s) {
    if (s.offset < this.summary.offset && key === this.summary.key) return;
    this.summary = {
      total: s.total,
      airplaneRows: s.airplaneRows,
      counts: s.counts,
      totals: s.totals,
      extent: s.extent,
      offset: s.offset,
      key,
    };
    this.version++;
  }

  /**
   * A live window message (see src/http/window-live.ts): changed rows, the new order when rows
   * came, went or moved, and the totals.
   */
  applyLive(msg) {
    const w = this.window;
    if (!w) return;
    const changed = new Map(msg.rows.map((r) => [rowKey(indexRow(r)), r]));
    if (msg.full || msg.order) {
      const old = new Map(w.rows.map((r) => [rowKey(r), r]));
      w.rows = (msg.order ?? msg.rows.map(rowKey)).map((k) => changed.get(k) ?? old.get(k)).filter(Boolean);
    } else w.rows = w.rows.map((r) => changed.get(rowKey(r)) ?? r);
    w.start = msg.start;
    w.offset = msg.offset;
    this.setSummary(w.key, msg);
    this.version++;
  }

  /** The row at index `i` of the current filters, if loaded. */
  row(i, key) {
    const w = this.window;
    if (!w || w.key !== key) return undefined;
    return w.rows[i - w.start];
  }

  loadedRows(key) {
    return this.window && this.window.key === key ? this.window.rows : [];
  }

  violationTotal() {
    const t = this.summary.totals;
    return t.continuity + t.groundTime + t.designators + t.equipment;
  }

  total(check) {
    return this.summary.totals[TOTAL_KEY[check]] ?? 0;
  }
}

/** When a violation happens: its first leg's departure. */
export function violationTime(v) {
  if (v.previous) return v.previous.departureUtc;
  if (v.leg) return v.leg.departureUtc;
  if (v.legs) return Math.min(...v.legs.map((x) => x.leg.departureUtc));
  return 0;
}

/** Rotations a violation involves. */
export function rotationsOf(v) {
  return v.rotationId ? [v.rotationId] : v.legs ? [...new Set(v.legs.map((x) => x.rotationId))] : [];
}

/** The legs of a violation as full domain legs (from the check's answer), by id. */
export function legsOf(v) {
  if (v.previous) return [v.previous, v.next];
  if (v.leg) return [v.leg];
  return v.legs ? v.legs.map((x) => x.leg) : [];
}

/** Human explanation of a violation: which check, where, required and actual ground time. */
export function explain(v) {
  if (v.check === 'ground-time')
    return `Ground time at ${v.airport}: ${v.actualMinutes} min on the ground, ${v.requiredMinutes} min required`;
  if (v.check === 'continuity') return `Continuity: lands at ${v.arrivalAirport}, next leg leaves from ${v.departureAirport}`;
  if (v.check === 'equipment')
    return `Equipment: scheduled for aircraft type ${v.legAircraftType}, but ${v.registration} is a ${v.airplaneAircraftType}`;
  const d = v.designator;
  const name = d ? `${d.carrier} ${d.flightNumber}${d.suffix ?? ''} ${d.departureAirport} ${d.dateOfOrigin}` : '';
  return `Designators: ${name} is planned ${v.legIds.length} times (${rotationsOf(v).join(', ')})`;
}

/** "XX 201" or "XX 201A" of a domain leg. */
export function designator(leg) {
  return `${leg.carrier} ${leg.flightNumber}${leg.suffix ?? ''}`;
}

export const fmtTime = (t) => new Date(t).toISOString().slice(0, 16).replace('T', ' ');
