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
  const byDeparture = new Map<string, SsimLeg[]>();
  for (const l of legs) {
    const k = linkKey(l.leg.carrier, l.leg.flightNumber, l.leg.departureAirport, l.departureDay);
    const list = byDeparture.get(k);
    if (list) list.push(l);
    else byDeparture.set(k, [l]);
  }
  const seqIndex = new Map<string, SsimLeg[]>();
  for (const l of legs) {
    const k = `${l.leg.carrier} ${l.leg.flightNumber}${l.leg.suffix} ${l.leg.dateOfOrigin} ${l.itineraryVariation} ${l.legSequence}`;
    const list = seqIndex.get(k);
    if (list) list.push(l);
    else seqIndex.set(k, [l]);
  }
  const next = new Map<SsimLeg, SsimLeg>();
  const taken = new Set<SsimLeg>();
  const ordered = [...legs].sort((a, b) => compareLegs(a.leg, b.leg));
  for (const l of ordered) {
    let candidates: SsimLeg[] | undefined;
    if (l.onward) {
      const o = l.onward;
      const found = byDeparture.get(linkKey(o.carrier, o.flightNumber, l.leg.arrivalAirport, l.arrivalDay + o.layoverDays)) ?? [];
      const exact = found.filter((c) => c.leg.suffix === o.suffix);
      candidates = exact.length > 0 ? exact : found;
    } else {
      const k = `${l.leg.carrier} ${l.leg.flightNumber}${l.leg.suffix} ${l.leg.dateOfOrigin} ${l.itineraryVariation} ${l.legSequence + 1}`;
      candidates = seqIndex.get(k);
    }
    const successor = candidates?.find((c) => c !== l && !taken.has(c));
    if (successor) {
      next.set(l, successor);
      taken.add(successor);
    }
  }
  const out: RotationAssignment[] = [];
  const seen = new Set<SsimLeg>();
  for (const head of ordered) {
    if (taken.has(head) || seen.has(head)) continue;
    const legIds: string[] = [];
    for (let l: SsimLeg | undefined = head; l && !seen.has(l); l = next.get(l)) {
      seen.add(l);
      legIds.push(l.leg.id);
    }
    out.push({ rotationId: `R-${head.leg.id}`, legIds, lines: null });
  }
  // A cycle (possible only in contradictory data) has no head; each becomes its own rotation.
  for (const l of ordered) if (!seen.has(l)) out.push({ rotationId: `R-${l.leg.id}`, legIds: [l.leg.id], lines: null });
  return out;
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
  const lines = text.split(/\r?\n/);
  let header = true;
  lines.forEach((raw, index) => {
    const line = index + 1;
    if (raw.trim() === '' || raw.startsWith('#')) return;
    const cells = raw.split(',').map((c) => c.trim());
    if (header) {
      header = false;
      if (cells.slice(0, 6).join(',') !== COLUMNS.slice(0, 6).join(',')) {
        problems.push(problem(line, 1, 'header', ROTATION_CSV_HEADER, raw));
      }
      return;
    }
    const column = (i: number) => cells.slice(0, i).reduce((n, c) => n + c.length + 1, 1);
    if (cells.length < 6 || cells.length > 7) {
      problems.push(problem(line, 1, 'row', `6 or 7 comma-separated cells (${ROTATION_CSV_HEADER})`, raw));
      return;
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
      [isIsoDate(dateOfOrigin), 5, 'date_of_origin', 'a date YYYY-MM-DD'],
      [Number.isInteger(occurrence) && occurrence >= 1, 6, 'occurrence', 'empty or a whole number >= 1'],
    ];
    let ok = true;
    for (const [good, i, field, expected] of checks) {
      if (good) continue;
      ok = false;
      problems.push(problem(line, column(i), field, expected, cells[i] ?? ''));
    }
    if (!ok) return;
    const id = legId({ carrier, flightNumber, suffix, departureAirport, dateOfOrigin }, occurrence);
    const entry = rotations.get(rotationId) ?? { legIds: [], lines: [] };
    entry.legIds.push(id);
    entry.lines.push(line);
    rotations.set(rotationId, entry);
  });
  if (header) problems.push(problem(1, 1, 'header', ROTATION_CSV_HEADER, ''));
  return { assignments: [...rotations].map(([rotationId, e]) => ({ rotationId, legIds: e.legIds, lines: e.lines })), problems };
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
