/**
 * The SSIM chapter 7 reader: newline-separated 200-column records (LF or CRLF) in, dated legs and
 * located problems out, chunk by chunk so a large file is never one string.
 *
 * Record types: 1 (header) and 4 (segment data) and 5 (trailer) are read past; 2 (carrier) sets
 * the time mode (U = UTC, L = local) for the type-3 records after it; 3 (flight leg) expands its
 * period and days of operation into dated legs; all-zero lines are block padding. A line shorter
 * than 200 columns is read as if blank-padded (editors strip trailing blanks); a longer one is a
 * problem. Nothing here throws on bad input: every problem is collected with its line and column.
 */
import type { Leg } from '../leg.ts';
import { DAY_MIN, isoDate, isoWeekday, MINUTE_MS, parseDdMmmYy } from './dates.ts';
import { createDesignatorCounter, type DesignatorCounter } from './designator-counter.ts';
import { decodeLegRecord, type LegRecord, type OnwardFlight } from './leg-record.ts';
import { at, CARRIER, LEG, RECORD_LENGTH } from './layout.ts';
import { problem, fieldProblem, type SsimProblem } from './problem.ts';

/** A dated leg as read from SSIM, with what rotation building needs beyond the Leg itself. */
export interface SsimLeg {
  /** The leg, with the record's aircraft type and service type (null when blank). */
  readonly leg: Leg;
  readonly itineraryVariation: string;
  readonly legSequence: number;
  /** Epoch days of the departure and arrival dates in the file's time mode (local for L). */
  readonly departureDay: number;
  readonly arrivalDay: number;
  readonly onward: OnwardFlight | null;
  /** Line of the type-3 record the leg came from. */
  readonly line: number;
}

export interface SsimProgress {
  /** Records read so far, padding included. */
  readonly records: number;
  readonly legs: number;
  readonly problems: number;
  /** Bytes (characters, for strings) received so far: with a known file size, a percentage. */
  readonly bytes: number;
  readonly done: boolean;
}

export interface SsimParseOptions {
  readonly onProgress?: (progress: SsimProgress) => void;
  /** Report progress every this many records (default 10,000) and once at the end. */
  readonly progressEvery?: number;
  /** Keep at most this many problems (default 1,000); `problemCount` counts them all. */
  readonly maxProblems?: number;
}

export interface SsimParseResult {
  readonly legs: SsimLeg[];
  readonly problems: SsimProblem[];
  readonly problemCount: number;
  readonly records: number;
  readonly flightLegRecords: number;
  readonly lines: number;
}

export interface SsimParser {
  push(chunk: string | Uint8Array): void;
  end(): SsimParseResult;
}

const ZEROS = '0'.repeat(RECORD_LENGTH);
const BLANKS = ' '.repeat(RECORD_LENGTH);
const MAX_LINE = 4096;
/** Present on Node, absent in a browser; looked up, not imported, so this folder stays portable. */
const nodeBuffer = (globalThis as { Buffer?: { isBuffer(value: unknown): boolean } }).Buffer;

export function createSsimParser(options: SsimParseOptions = {}): SsimParser {
  const progressEvery = options.progressEvery ?? 10_000;
  const maxProblems = options.maxProblems ?? 1000;
  const onProgress = options.onProgress;
  const decoder = new TextDecoder('latin1');
  // Node's Buffers decode latin1 natively, several times faster than TextDecoder; latin1 maps one
  // byte to one character, so no multi-byte sequence can straddle two chunks either way.
  const decode = (chunk: Uint8Array): string =>
    nodeBuffer?.isBuffer(chunk)
      ? (chunk as unknown as { toString(encoding: 'latin1'): string }).toString('latin1')
      : decoder.decode(chunk, { stream: true });
  const legs: SsimLeg[] = [];
  const problems: SsimProblem[] = [];
  const scratch: SsimProblem[] = [];
  // Occurrences of each designator, for the "~n" of repeated ones: one counter per carrier+suffix,
  // keyed by a number (station, flight number, day); a string-keyed Map per leg halved the rate.
  const occurrences = new Map<string, DesignatorCounter>();
  let problemCount = 0;
  let records = 0;
  let flightLegRecords = 0;
  let lineNo = 0;
  let rest = '';
  let bytes = 0;
  let discarding = false;
  let timeMode: 'U' | 'L' | null = null;
  let validTo = -1;

  const report = (p: SsimProblem) => {
    problemCount++;
    if (problems.length < maxProblems) problems.push(p);
  };

  function carrierRecord(s: string): void {
    const mode = s[at(CARRIER.timeMode)];
    if (mode === 'U' || mode === 'L') timeMode = mode;
    else {
      report(fieldProblem(lineNo, s, CARRIER.timeMode, 'U (UTC) or L (local time)'));
      timeMode = null;
    }
    validTo = parseDdMmmYy(s, at(CARRIER.validTo));
  }

  function expand(r: LegRecord): void {
    const local = timeMode === 'L';
    const depOffset = local ? r.departureVariationMinutes : 0;
    const arrOffset = local ? r.arrivalVariationMinutes : 0;
    const firstMonday = r.fromDay - (isoWeekday(r.fromDay) - 1);
    const carrierKey = `${r.carrier}/${r.suffix}`; // 'XX'+'A' must not meet carrier 'XXA'
    let seen = occurrences.get(carrierKey);
    if (!seen) occurrences.set(carrierKey, (seen = createDesignatorCounter()));
    const st = r.departureStation;
    const stationFlight =
      ((st.charCodeAt(0) - 65) * 676 + (st.charCodeAt(1) - 65) * 26 + (st.charCodeAt(2) - 65)) * 10_000 + r.flightNumber;
    for (let day = r.fromDay; day <= r.toDay; day++) {
      if ((r.daysMask & (1 << isoWeekday(day))) === 0) continue;
      if (r.frequency === 2 && Math.floor((day - firstMonday) / 7) % 2 === 1) continue;
      const departureDay = day + r.departureDateVariation;
      const departureMin = departureDay * DAY_MIN + r.stdMinutes - depOffset;
      let arrivalDay = day + (r.arrivalDateVariation ?? r.departureDateVariation);
      let arrivalMin = arrivalDay * DAY_MIN + r.staMinutes - arrOffset;
      if (r.arrivalDateVariation === null) {
        // Blank date variation: real files (the corpus among them) leave it blank for legs that
        // land after midnight, so take the first arrival day that lands after the departure.
        while (arrivalMin <= departureMin && arrivalDay - departureDay < 2) {
          arrivalDay++;
          arrivalMin += DAY_MIN;
        }
      }
      if (arrivalMin <= departureMin) {
        // The same arithmetic holds for every day of the period: one problem, no legs.
        const sta = `${String(Math.floor(r.staMinutes / 60)).padStart(2, '0')}${String(r.staMinutes % 60).padStart(2, '0')}`;
        report(
          problem(
            lineNo,
            LEG.aircraftSta.column,
            LEG.aircraftSta.name,
            `an arrival after the departure (with the date variation in column ${LEG.arrivalDateVariation.column})`,
            sta,
          ),
        );
        return;
      }
      const dateOfOrigin = isoDate(day);
      const key = `${r.carrier}-${r.flightNumber}${r.suffix}-${r.departureStation}-${dateOfOrigin}`; // legId(), inlined for speed
      const designatorNumber = stationFlight * 65_536 + (day & 0xffff);
      const n = seen.next(designatorNumber);
      legs.push({
        leg: {
          id: n === 1 ? key : `${key}~${n}`,
          carrier: r.carrier,
          flightNumber: r.flightNumber,
          suffix: r.suffix,
          dateOfOrigin,
          departureAirport: r.departureStation,
          arrivalAirport: r.arrivalStation,
          departureUtc: departureMin * MINUTE_MS,
          arrivalUtc: arrivalMin * MINUTE_MS,
          aircraftType: r.aircraftType,
          serviceType: r.serviceType,
        },
        itineraryVariation: r.itineraryVariation,
        legSequence: r.legSequence,
        departureDay,
        arrivalDay,
        onward: r.onward,
        line: lineNo,
      });
    }
  }

  function record(raw: string): void {
    lineNo++;
    const s0 = raw.charCodeAt(raw.length - 1) === 13 ? raw.slice(0, -1) : raw;
    if (s0.length === 0) return;
    records++;
    handle(s0);
    if (onProgress && records % progressEvery === 0) onProgress({ records, legs: legs.length, problems: problemCount, bytes, done: false });
  }

  function handle(s0: string): void {
    if (s0.length > RECORD_LENGTH) {
      // Its first 200 columns may look fine, but a record that is not one is not trusted.
      report(problem(lineNo, RECORD_LENGTH + 1, 'record length', `${RECORD_LENGTH} columns`, `${s0.length} columns`));
      return;
    }
    const s = s0.length < RECORD_LENGTH ? s0 + BLANKS.slice(s0.length) : s0;
    switch (s.charCodeAt(0)) {
      case 51: {
        flightLegRecords++;
        if (timeMode === null) {
          report(
            problem(lineNo, 1, 'record type', 'a carrier record (type 2) with a time mode before the first flight leg', s.slice(0, 2)),
          );
          return;
        }
        const r = decodeLegRecord(s, lineNo, validTo, scratch);
        if (r) expand(r);
        else {
          for (const p of scratch) report(p);
          scratch.length = 0;
        }
        break;
      }
      case 48:
        if (s !== ZEROS) report(problem(lineNo, s.search(/[^0]/) + 1, 'padding record', 'zeros in all 200 columns', s.slice(0, 20)));
        break;
      case 50:
        carrierRecord(s);
        break;
      case 49:
      case 52:
      case 53:
        break;
      default:
        report(problem(lineNo, 1, 'record type', '1, 2, 3, 4, 5 or a zero padding record', s[0] ?? ''));
    }
  }

  return {
    push(chunk) {
      bytes += chunk.length;
      const text = rest + (typeof chunk === 'string' ? chunk : decode(chunk));
      let start = 0;
      let nl = text.indexOf('\n');
      while (nl >= 0) {
        if (discarding)
          discarding = false; // the tail of an over-long line, already reported
        else record(text.slice(start, nl));
        start = nl + 1;
        nl = text.indexOf('\n', start);
      }
      rest = text.slice(start);
      // A file with no line breaks (or not SSIM at all) must not grow `rest` without bound.
      if (rest.length > MAX_LINE && !discarding) {
        record(rest);
        discarding = true;
      }
      if (discarding) rest = '';
    },
    end() {
      if (rest.length > 0 && !discarding) record(rest);
      rest = '';
      onProgress?.({ records, legs: legs.length, problems: problemCount, bytes, done: true });
      return { legs, problems, problemCount, records, flightLegRecords, lines: lineNo };
    },
  };
}

/** Streams a file (a Node Readable, a web stream, any iterable or async iterable of chunks) through the parser. */
export async function parseSsim(
  source: AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>,
  options: SsimParseOptions = {},
): Promise<SsimParseResult> {
  const parser = createSsimParser(options);
  for await (const chunk of source) parser.push(chunk);
  return parser.end();
}

/** For small inputs already in memory (tests, a pasted file). */
export function parseSsimText(text: string, options: SsimParseOptions = {}): SsimParseResult {
  const parser = createSsimParser(options);
  parser.push(text);
  return parser.end();
}
