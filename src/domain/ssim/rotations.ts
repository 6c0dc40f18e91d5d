/**
 * Where rotations come from on import: a rotation assignment file (CSV), as the paper had, or,
 * without one, the onward-flight fields of the SSIM legs themselves.
 *
 * Both produce the same thing, a list of (rotation id, leg ids in order), and report problems
 * with line and column for the CSV. Overlaps are not judged here; the import plan does that with
 * the same rule as the Rotation aggregate.
 */
import { compareLegs, legId, type Leg } from '../leg.ts';
import { isIsoDate, isoDate } from './dates.ts';
import type { SsimLeg } from './parser.ts';
import { problem, type SsimProblem } from './problem.ts';

export interface RotationAssignment {
  readonly rotationId: string;
  readonly legIds: readonly string[];
  /** For a CSV, the line each leg id came from (same order); null when derived. */
  readonly lines: readonly number[] | null;
}

/**
 * An onward flight the file names that cannot be followed. The leg is still imported; it ends
 * its rotation (the rotation the file declared is split there, so the planner is told).
 * - missing: no leg of that flight (carrier, number, suffix) departs on the onward day, from
 *   any airport;
 * - ambiguous: several do, and none is preferred over the others (see deriveRotations);
 * - taken: the one it names already continues an earlier leg (a leg is continued into once).
 */
export type OnwardProblem =
  | {
      readonly _tag: 'OnwardFlightMissing';
      readonly legId: string;
      readonly line: number;
      readonly onward: string;
      readonly message: string;
    }
  | {
      readonly _tag: 'OnwardFlightAmbiguous';
      readonly legId: string;
      readonly line: number;
      readonly onward: string;
      readonly candidates: readonly string[];
      readonly message: string;
    }
  | {
      readonly _tag: 'OnwardFlightTaken';
      readonly legId: string;
      readonly line: number;
      readonly onward: string;
      readonly onwardLegId: string;
      readonly takenBy: string;
      readonly message: string;
    };

export interface DerivedRotations {
  readonly assignments: RotationAssignment[];
  readonly problems: OnwardProblem[];
}

function flightDayKey(carrier: string, flightNumber: number, day: number): string {
  return `${carrier} ${flightNumber} ${day}`;
}

/**
 * Chains legs into rotations as the file declares them.
 *
 * A leg with onward-flight fields continues with the flight they name: same carrier and number,
 * departing on the leg's arrival day (in the file's time mode) plus the rotation layover. The
 * onward suffix must match, except that a blank onward suffix also names a suffixed flight when
 * no unsuffixed one departs that day (files write XX 777 for XX 777B). Among those flights, one
 * that departs from where the leg lands is preferred; if none does, the flight is followed
 * wherever it departs, and the continuity check reports the break. Exactly one candidate in the
 * preferred group is linked; none, several, or one an earlier leg already continues into is an
 * `OnwardProblem` with the leg's SSIM line, and the leg ends its rotation: never a silent guess.
 *
 * A leg without onward fields continues with the next leg sequence of its own multi-leg flight
 * (same designator, date of origin and itinerary variation). A leg that nothing continues into
 * starts a rotation, named `R-<first leg id>`. Legs are linked in time order (compareLegs), so
 * when two legs name the same onward flight the earlier one keeps it.
 */
export function deriveRotationsWithProblems(legs: readonly SsimLeg[]): DerivedRotations {
  // Indices and typed arrays rather than legs as Map/Set keys: this runs over whole seasons.
  const n = legs.length;
  const byFlightDay = new Map<string, number[]>();
  const bySequence = new Map<string, number[]>();
  const sequenceKey = (l: SsimLeg, legSequence: number) =>
    `${l.leg.carrier} ${l.leg.flightNumber}${l.leg.suffix} ${l.leg.dateOfOrigin} ${l.itineraryVariation} ${legSequence}`;
  for (let i = 0; i < n; i++) {
    const l = legs[i] as SsimLeg;
    push(byFlightDay, flightDayKey(l.leg.carrier, l.leg.flightNumber, l.departureDay), i);
    // Only later legs of multi-leg flights are ever looked up by sequence.
    if (l.legSequence > 1) push(bySequence, sequenceKey(l, l.legSequence), i);
  }
  const next = new Int32Array(n).fill(-1);
  const takenBy = new Int32Array(n).fill(-1);
  const problems: OnwardProblem[] = [];
  const ordered = Array.from({ length: n }, (_, i) => i).sort((a, b) => compareLegs((legs[a] as SsimLeg).leg, (legs[b] as SsimLeg).leg));
  for (const i of ordered) {
    const l = legs[i] as SsimLeg;
    if (l.onward) {
      const o = l.onward;
      const day = l.arrivalDay + o.layoverDays;
      const named = `${o.carrier} ${o.flightNumber}${o.suffix} on ${isoDate(day)}`;
      const sameFlight = (byFlightDay.get(flightDayKey(o.carrier, o.flightNumber, day)) ?? []).filter((c) => c !== i);
      const exact = sameFlight.filter((c) => (legs[c] as SsimLeg).leg.suffix === o.suffix);
      const flights = exact.length > 0 || o.suffix !== '' ? exact : sameFlight;
      const here = flights.filter((c) => (legs[c] as SsimLeg).leg.departureAirport === l.leg.arrivalAirport);
      const candidates = here.length > 0 ? here : flights;
      const where = here.length > 0 ? ` from ${l.leg.arrivalAirport}` : '';
      const id = l.leg.id;
      if (candidates.length === 0) {
        problems.push({
          _tag: 'OnwardFlightMissing',
          legId: id,
          line: l.line,
          onward: named,
          message: `line ${l.line}: leg ${id} names onward flight ${named}, but no leg of the file is that flight on that day`,
        });
        continue;
      }
      if (candidates.length > 1) {
        const ids = candidates.map((c) => (legs[c] as SsimLeg).leg.id);
        problems.push({
          _tag: 'OnwardFlightAmbiguous',
          legId: id,
          line: l.line,
          onward: named,
          candidates: ids,
          message: `line ${l.line}: leg ${id} names onward flight ${named}, and ${ids.length} legs are that flight${where}: ${ids.join(', ')}`,
        });
        continue;
      }
      const c = candidates[0] as number;
      const holder = takenBy[c] as number;
      if (holder >= 0) {
        const onwardLegId = (legs[c] as SsimLeg).leg.id;
        const other = (legs[holder] as SsimLeg).leg.id;
        problems.push({
          _tag: 'OnwardFlightTaken',
          legId: id,
          line: l.line,
          onward: named,
          onwardLegId,
          takenBy: other,
          message: `line ${l.line}: leg ${id} names onward flight ${named} (${onwardLegId}), which already continues leg ${other}`,
        });
        continue;
      }
      next[i] = c;
      takenBy[c] = i;
    } else if (bySequence.size > 0) {
      const successor = bySequence.get(sequenceKey(l, l.legSequence + 1))?.find((c) => c !== i && takenBy[c] === -1);
      if (successor !== undefined) {
        next[i] = successor;
        takenBy[successor] = i;
      }
    }
  }
  const out: RotationAssignment[] = [];
  const seen = new Uint8Array(n);
  for (const head of ordered) {
    if (takenBy[head] !== -1 || seen[head] === 1) continue;
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
  return { assignments: out, problems: problems.sort((a, b) => a.line - b.line || (a.legId < b.legId ? -1 : a.legId > b.legId ? 1 : 0)) };
}

/** The rotations of `deriveRotationsWithProblems`, without its problems. */
export function deriveRotations(legs: readonly SsimLeg[]): RotationAssignment[] {
  return deriveRotationsWithProblems(legs).assignments;
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
      if (
        raw
          .split(',')
          .map((c) => c.trim())
          .slice(0, 6)
          .join(',') !== COLUMNS.slice(0, 6).join(',')
      ) {
        problems.push(problem(line, 1, 'header', ROTATION_CSV_HEADER, raw));
      }
      continue;
    }
    // Fast path for a well-formed row (one regex); anything else goes cell by cell for the problems.
    const m = ROW.exec(raw);
    if (m && validDate(m[6] as string) && Number(m[3]) > 0 && (m[7] === undefined || m[7] === '' || Number(m[7]) >= 1)) {
      const designator = {
        carrier: m[2] as string,
        flightNumber: Number(m[3]),
        suffix: m[4] as string,
        departureAirport: m[5] as string,
        dateOfOrigin: m[6] as string,
      };
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
function slowRow(
  raw: string,
  line: number,
  validDate: (d: string) => boolean,
  problems: SsimProblem[],
): { rotationId: string; legId: string } | null {
  const cells = raw.split(',').map((c) => c.trim());
  if (cells.length < 6 || cells.length > 7) {
    problems.push(problem(line, 1, 'row', `6 or 7 comma-separated cells (${ROTATION_CSV_HEADER})`, raw));
    return null;
  }
  const [rotationId, carrier, flightNumberText, suffix, departureAirport, dateOfOrigin, occurrenceText] = cells as [
    string,
    string,
    string,
    string,
    string,
    string,
    string | undefined,
  ];
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
    const column = raw
      .split(',')
      .slice(0, i)
      .reduce((n, c) => n + c.length + 1, 1);
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
