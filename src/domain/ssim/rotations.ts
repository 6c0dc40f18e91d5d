/**
 * Where rotations come from on import: a rotation assignment file (CSV), as the paper had, or,
 * without one, the onward-flight fields of the SSIM legs themselves.
 *
 * Both produce the same thing, a list of (rotation id, leg ids in order), and report problems
 * with line and column for the CSV. Overlaps are not judged here; the import plan does that with
 * the same rule as the Rotation aggregate.
 */
import { compareLegs, legId, type Leg } from '../leg.ts';
import { isIsoDate } from './dates.ts';
import type { SsimLeg } from './parser.ts';
import { problem, type SsimProblem } from './problem.ts';

export interface RotationAssignment {
  readonly rotationId: string;
  readonly legIds: readonly string[];
  /** For a CSV, the line each leg id came from (same order); null when derived. */
  readonly lines: readonly number[] | null;
}

function linkKey(carrier: string, flightNumber: number, departureAirport: string, day: number): string {
  return `${carrier} ${flightNumber} ${departureAirport} ${day}`;
}

/**
 * Chains legs into rotations: a leg continues with its onward flight (same carrier and number,
 * leaving from where the leg lands, on the arrival day plus the rotation layover; the onward
 * suffix is preferred but not required, since files leave it blank for suffixed continuations),
 * or, without one, with the next leg of its own multi-leg flight. A leg that nothing continues
 * into starts a rotation, named `R-<first leg id>`.
 */
export function deriveRotations(legs: readonly SsimLeg[]): RotationAssignment[] {
  // Indices and typed arrays rather than legs as Map/Set keys: this runs over whole seasons.
  const n = legs.length;
  const byDeparture = new Map<string, number[]>();
  const bySequence = new Map<string, number[]>();
  const sequenceKey = (l: SsimLeg, legSequence: number) => `${l.leg.carrier} ${l.leg.flightNumber}${l.leg.suffix} ${l.leg.dateOfOrigin} ${l.itineraryVariation} ${legSequence}`;
  for (let i = 0; i < n; i++) {
    const l = legs[i] as SsimLeg;
    push(byDeparture, linkKey(l.leg.carrier, l.leg.flightNumber, l.leg.departureAirport, l.departureDay), i);
    // Only later legs of multi-leg flights are ever looked up by sequence.
    if (l.legSequence > 1) push(bySequence, sequenceKey(l, l.legSequence), i);
  }
  const next = new Int32Array(n).fill(-1);
  const taken = new Uint8Array(n);
  const ordered = Array.from({ length: n }, (_, i) => i).sort((a, b) => compareLegs((legs[a] as SsimLeg).leg, (legs[b] as SsimLeg).leg));
  for (const i of ordered) {
    const l = legs[i] as SsimLeg;
    let candidates: number[] | undefined;
    if (l.onward) {
      const o = l.onward;
      const found = byDeparture.get(linkKey(o.carrier, o.flightNumber, l.leg.arrivalAirport, l.arrivalDay + o.layoverDays));
      const exact = found?.filter((c) => (legs[c] as SsimLeg).leg.suffix === o.suffix);
      candidates = exact && exact.length > 0 ? exact : found;
    } else if (bySequence.size > 0) {
      candidates = bySequence.get(sequenceKey(l, l.legSequence + 1));
    }
    const successor = candidates?.find((c) => c !== i && taken[c] === 0);
    if (successor !== undefined) {
      next[i] = successor;
      taken[successor] = 1;
    }
  }
  const out: RotationAssignment[] = [];
  const seen = new Uint8Array(n);
  for (const head of ordered) {
    if (taken[head] === 1 || seen[head] === 1) continue;
    const legIds: string[] = [];
    for (let i = head; i >= 0 && seen[i] === 0; i = next[i] as number) {
      seen[i] = 1;
      legIds.push((legs[i] as SsimLeg).leg.id);
    }
    out.push({ rotationId: `R-${(legs[head] as SsimLeg).leg.id}`, legIds, lines: null });
  }
  // A cycle (possible only in contradictory data) has no head; each of its legs becomes a rotation.
  for (const i of ordered) {
    if (seen[i] === 0) out.push({ rotationId: `R-${(legs[i] as SsimLeg).leg.id}`, legIds: [(legs[i] as SsimLeg).leg.id], lines: null });
  }
  return out;
}

function push<K>(map: Map<K, number[]>, key: K, value: number): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

export const ROTATION_CSV_HEADER = 'rotation_id,carrier,flight_number,suffix,departure_airport,date_of_origin,occurrence';

const COLUMNS = ROTATION_CSV_HEADER.split(',');

/**
 * Reads a rotation assignment file: one leg per row, rows of a rotation in any order. Columns as in
 * ROTATION_CSV_HEADER; `suffix` may be empty, `occurrence` may be empty or absent (1) and picks
 * the n-th leg of a designator the SSIM file repeats. A header row is required; blank lines and
 * lines starting with # are skipped.
 */
export function parseRotationCsv(text: string): { assignments: RotationAssignment[]; problems: SsimProblem[] } {
  const problems: SsimProblem[] = [];
  const rotations = new Map<string, { legIds: string[]; lines: number[] }>();
  const dates = new Map<string, boolean>();
  const validDate = (d: string) => {
    let ok = dates.get(d);
    if (ok === undefined) dates.set(d, (ok = isIsoDate(d)));
    return ok;
  };
  const lines = text.split(/\r?\n/);
  let header = true;
  for (let index = 0; index < lines.length; index++) {
    const raw = lines[index] as string;
    const line = index + 1;
    if (raw.trim() === '' || raw.startsWith('#')) continue;
    if (header) {
      header = false;
      if (raw.split(',').map((c) => c.trim()).slice(0, 6).join(',') !== COLUMNS.slice(0, 6).join(',')) {
        problems.push(problem(line, 1, 'header', ROTATION_CSV_HEADER, raw));
      }
      continue;
    }
    // Fast path for a well-formed row (one regex); anything else goes cell by cell for the problems.
    const m = ROW.exec(raw);
    if (m && validDate(m[6] as string) && Number(m[3]) > 0 && (m[7] === undefined || m[7] === '' || Number(m[7]) >= 1)) {
      const designator = { carrier: m[2] as string, flightNumber: Number(m[3]), suffix: m[4] as string, departureAirport: m[5] as string, dateOfOrigin: m[6] as string };
      add(rotations, m[1] as string, legId(designator, m[7] ? Number(m[7]) : 1), line);
      continue;
    }
    const row = slowRow(raw, line, validDate, problems);
    if (row) add(rotations, row.rotationId, row.legId, line);
  }
  if (header) problems.push(problem(1, 1, 'header', ROTATION_CSV_HEADER, ''));
  return { assignments: [...rotations].map(([rotationId, e]) => ({ rotationId, legIds: e.legIds, lines: e.lines })), problems };
}

const ROW = /^([^,\s][^,]*),([A-Z0-9]{2}[A-Z]?),(\d{1,4}),([A-Z]?),([A-Z]{3}),(\d{4}-\d{2}-\d{2})(?:,(\d*))?$/;

function add(rotations: Map<string, { legIds: string[]; lines: number[] }>, rotationId: string, id: string, line: number): void {
  const entry = rotations.get(rotationId);
  if (entry) {
    entry.legIds.push(id);
    entry.lines.push(line);
  } else rotations.set(rotationId, { legIds: [id], lines: [line] });
}

/** A row the fast path refused: check each cell and report every bad one with its column. */
function slowRow(raw: string, line: number, validDate: (d: string) => boolean, problems: SsimProblem[]): { rotationId: string; legId: string } | null {
  const cells = raw.split(',').map((c) => c.trim());
  if (cells.length < 6 || cells.length > 7) {
    problems.push(problem(line, 1, 'row', `6 or 7 comma-separated cells (${ROTATION_CSV_HEADER})`, raw));
    return null;
  }
  const [rotationId, carrier, flightNumberText, suffix, departureAirport, dateOfOrigin, occurrenceText] = cells as [string, string, string, string, string, string, string | undefined];
  const flightNumber = Number(flightNumberText);
  const occurrence = occurrenceText ? Number(occurrenceText) : 1;
  const checks: [boolean, number, string, string][] = [
    [rotationId.length > 0, 0, 'rotation_id', 'a non-empty rotation id'],
    [/^[A-Z0-9]{2}[A-Z]?$/.test(carrier), 1, 'carrier', '2 or 3 letters or digits'],
    [/^\d{1,4}$/.test(flightNumberText) && flightNumber > 0, 2, 'flight_number', 'a flight number 1-9999'],
    [/^[A-Z]?$/.test(suffix), 3, 'suffix', 'empty or one letter'],
    [/^[A-Z]{3}$/.test(departureAirport), 4, 'departure_airport', 'a 3-letter IATA code'],
    [validDate(dateOfOrigin), 5, 'date_of_origin', 'a date YYYY-MM-DD'],
    [Number.isInteger(occurrence) && occurrence >= 1, 6, 'occurrence', 'empty or a whole number >= 1'],
  ];
  let ok = true;
  for (const [good, i, field, expected] of checks) {
    if (good) continue;
    ok = false;
    // Column of cell i in the raw line (cells were trimmed; good enough to find it).
    const column = raw.split(',').slice(0, i).reduce((n, c) => n + c.length + 1, 1);
    problems.push(problem(line, column, field, expected, cells[i] ?? ''));
  }
  return ok ? { rotationId, legId: legId({ carrier, flightNumber, suffix, departureAirport, dateOfOrigin }, occurrence) } : null;
}

/** The CSV for a set of rotations (the generator writes it; the parser reads it back). */
export function formatRotationCsv(rotations: readonly { readonly rotationId: string; readonly legs: readonly Leg[] }[]): string {
  const out = [ROTATION_CSV_HEADER];
  for (const r of rotations) {
    for (const l of r.legs) {
      const occurrence = l.id.includes('~') ? l.id.slice(l.id.indexOf('~') + 1) : '';
      out.push(`${r.rotationId},${l.carrier},${l.flightNumber},${l.suffix},${l.departureAirport},${l.dateOfOrigin},${occurrence}`);
    }
  }
  return `${out.join('\n')}\n`;
}
