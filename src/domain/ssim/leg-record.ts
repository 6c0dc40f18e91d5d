/**
 * Decoding one type-3 (flight leg) record into its fields, checking each against its layout.
 *
 * Hot path of the import: fields are read with charCodeAt and slice at fixed columns, no regexes
 * and no splitting. A record with any bad field yields its problems and no fields, so one
 * malformed line never turns into a half-right leg.
 */
import { parseDdMmmYy } from './dates.ts';
import { at, LEG, type Field } from './layout.ts';
import { fieldProblem, type SsimProblem } from './problem.ts';

export interface OnwardFlight {
  readonly carrier: string;
  readonly flightNumber: number;
  readonly suffix: string;
  readonly layoverDays: number;
}

export interface LegRecord {
  readonly suffix: string;
  readonly carrier: string;
  readonly flightNumber: number;
  readonly itineraryVariation: string;
  readonly legSequence: number;
  /** One capital letter, null when blank. */
  readonly serviceType: string | null;
  readonly fromDay: number;
  readonly toDay: number;
  /** Bit n set when the leg operates on ISO weekday n (Monday = 1). */
  readonly daysMask: number;
  /** 1 = every week, 2 = every other week from the first week of the period. */
  readonly frequency: number;
  readonly departureStation: string;
  readonly stdMinutes: number;
  readonly departureVariationMinutes: number;
  readonly arrivalStation: string;
  readonly staMinutes: number;
  readonly arrivalVariationMinutes: number;
  /** IATA aircraft type (3 letters/digits), null when blank. */
  readonly aircraftType: string | null;
  readonly onward: OnwardFlight | null;
  readonly departureDateVariation: number;
  /** Null when the column is blank: the arrival day is then inferred (see docs/domain.md). */
  readonly arrivalDateVariation: number | null;
}

const SPACE = 32;

function isUpper(c: number): boolean {
  return c >= 65 && c <= 90;
}
function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
function isAlnum(c: number): boolean {
  return isUpper(c) || isDigit(c);
}

/** Right-aligned number with leading blanks or zeros; -1 when not one. */
function number(s: string, field: Field): number {
  let n = 0;
  let seen = false;
  const start = at(field);
  for (let i = start; i < start + field.length; i++) {
    const c = s.charCodeAt(i);
    if (c === SPACE && !seen) continue;
    if (!isDigit(c)) return -1;
    seen = true;
    n = n * 10 + (c - 48);
  }
  return seen ? n : -1;
}

/** HHMM, 0000-2359; -1 otherwise. */
function hhmm(s: string, field: Field): number {
  const i = at(field);
  const h = (s.charCodeAt(i) - 48) * 10 + (s.charCodeAt(i + 1) - 48);
  const m = (s.charCodeAt(i + 2) - 48) * 10 + (s.charCodeAt(i + 3) - 48);
  for (let k = i; k < i + 4; k++) if (!isDigit(s.charCodeAt(k))) return -1;
  return h < 24 && m < 60 ? h * 60 + m : -1;
}

/** +HHMM / -HHMM in minutes; NaN otherwise. */
function variation(s: string, field: Field): number {
  const i = at(field);
  const sign = s.charCodeAt(i);
  if (sign !== 43 && sign !== 45) return NaN;
  for (let k = i + 1; k < i + 5; k++) if (!isDigit(s.charCodeAt(k))) return NaN;
  const h = (s.charCodeAt(i + 1) - 48) * 10 + (s.charCodeAt(i + 2) - 48);
  const m = (s.charCodeAt(i + 3) - 48) * 10 + (s.charCodeAt(i + 4) - 48);
  if (h > 14 || m > 59) return NaN;
  return (sign === 45 ? -1 : 1) * (h * 60 + m);
}

// Interned short codes: a season repeats ~150 stations and a few carriers and types 180,000
// times; one shared string each spares the allocations and the garbage collector's marking.
const stations: (string | undefined)[] = [];
const codes = new Map<number, string>();

function interned(s: string, i: number, length: number): string {
  let key = length;
  for (let k = i; k < i + length; k++) key = key * 128 + (s.charCodeAt(k) & 127);
  let code = codes.get(key);
  if (code === undefined) codes.set(key, (code = s.slice(i, i + length)));
  return code;
}

function station(s: string, field: Field): string | null {
  const i = at(field);
  const a = s.charCodeAt(i);
  const b = s.charCodeAt(i + 1);
  const c = s.charCodeAt(i + 2);
  if (!isUpper(a) || !isUpper(b) || !isUpper(c)) return null;
  const n = (a - 65) * 676 + (b - 65) * 26 + (c - 65);
  return stations[n] ?? (stations[n] = s.slice(i, i + 3));
}

/** Airline designator: 2 or 3 letters/digits, left-aligned, a 2-character one followed by a blank. */
function airline(s: string, field: Field): string | null {
  const i = at(field);
  if (!isAlnum(s.charCodeAt(i)) || !isAlnum(s.charCodeAt(i + 1))) return null;
  const third = s.charCodeAt(i + 2);
  if (third === SPACE) return interned(s, i, 2);
  return isAlnum(third) ? interned(s, i, 3) : null;
}

/** IATA aircraft type: null when all blank, undefined when not 3 letters/digits. */
function aircraftTypeAt(s: string, field: Field): string | null | undefined {
  const i = at(field);
  const a = s.charCodeAt(i);
  const b = s.charCodeAt(i + 1);
  const c = s.charCodeAt(i + 2);
  if (a === SPACE && b === SPACE && c === SPACE) return null;
  return isAlnum(a) && isAlnum(b) && isAlnum(c) ? interned(s, i, 3) : undefined;
}

/** Blank or a letter; '' for blank. */
function suffix(s: string, field: Field): string | null {
  const c = s.charCodeAt(at(field));
  if (c === SPACE) return '';
  return isUpper(c) ? (s[at(field)] as string) : null;
}

/** Date variation: blank (null), 0-9 days, or A for the day before. */
function dateVariation(s: string, field: Field): number | null | undefined {
  const c = s.charCodeAt(at(field));
  if (c === SPACE) return null;
  if (isDigit(c)) return c - 48;
  if (c === 65) return -1;
  return undefined;
}

// Module level, not a closure: a function allocated per record costs measurably at 200,000/s.
function bad(problems: SsimProblem[], line: number, s: string, field: Field, expected: string): void {
  problems.push(fieldProblem(line, s, field, expected));
}

/**
 * Decodes a type-3 record (already padded to 200 columns). Problems go to `problems`; the result
 * is null when there was any. `indefiniteTo` is the schedule's end, used for a period "to" of
 * 00XXX00 (indefinite), or -1 when no carrier record gave one.
 */
export function decodeLegRecord(s: string, line: number, indefiniteTo: number, problems: SsimProblem[]): LegRecord | null {
  const before = problems.length;

  const sfx = suffix(s, LEG.suffix);
  if (sfx === null) bad(problems, line, s, LEG.suffix, 'blank or a letter A-Z');
  const carrier = airline(s, LEG.airline);
  if (carrier === null) bad(problems, line, s, LEG.airline, '2 or 3 letters or digits, left-aligned');
  const flightNumber = number(s, LEG.flightNumber);
  if (flightNumber < 1) bad(problems, line, s, LEG.flightNumber, 'a flight number 1-9999, right-aligned');
  const ivi = interned(s, at(LEG.itineraryVariation), 2);
  if (!isDigit(ivi.charCodeAt(0)) || !isDigit(ivi.charCodeAt(1))) bad(problems, line, s, LEG.itineraryVariation, 'two digits');
  const legSequence = number(s, LEG.legSequence);
  if (legSequence < 1) bad(problems, line, s, LEG.legSequence, 'two digits, 01-99');
  const serviceChar = s.charCodeAt(at(LEG.serviceType));
  const serviceType = serviceChar === SPACE ? null : isUpper(serviceChar) ? interned(s, at(LEG.serviceType), 1) : undefined;
  if (serviceType === undefined) bad(problems, line, s, LEG.serviceType, 'blank or a letter A-Z');
  const fromDay = parseDdMmmYy(s, at(LEG.periodFrom));
  if (fromDay < 0) bad(problems, line, s, LEG.periodFrom, 'a date DDMMMYY');
  let toDay = parseDdMmmYy(s, at(LEG.periodTo));
  if (toDay < 0 && s.startsWith('00XXX00', at(LEG.periodTo)) && indefiniteTo >= 0) toDay = indefiniteTo;
  if (toDay < 0) bad(problems, line, s, LEG.periodTo, 'a date DDMMMYY (00XXX00 only after a carrier record with a validity period)');
  else if (fromDay >= 0 && toDay < fromDay) bad(problems, line, s, LEG.periodTo, 'a date not before the period start');

  let daysMask = 0;
  let daysOk = true;
  const d0 = at(LEG.daysOfOperation);
  for (let k = 0; k < 7; k++) {
    const c = s.charCodeAt(d0 + k);
    if (c === SPACE) continue;
    if (c !== 49 + k) daysOk = false;
    else daysMask |= 1 << (k + 1);
  }
  if (!daysOk || daysMask === 0)
    bad(problems, line, s, LEG.daysOfOperation, 'digits 1-7 in their own columns (Monday = column 29), blanks elsewhere, at least one day');
  const freqChar = s.charCodeAt(at(LEG.frequencyRate));
  const frequency = freqChar === SPACE || freqChar === 49 ? 1 : freqChar === 50 ? 2 : 0;
  if (frequency === 0) bad(problems, line, s, LEG.frequencyRate, 'blank, 1 (weekly) or 2 (fortnightly)');

  const departureStation = station(s, LEG.departureStation);
  if (departureStation === null) bad(problems, line, s, LEG.departureStation, 'a 3-letter IATA airport code');
  const stdMinutes = hhmm(s, LEG.aircraftStd);
  if (stdMinutes < 0) bad(problems, line, s, LEG.aircraftStd, 'a time HHMM, 0000-2359');
  const departureVariationMinutes = variation(s, LEG.departureUtcVariation);
  if (Number.isNaN(departureVariationMinutes)) bad(problems, line, s, LEG.departureUtcVariation, '+HHMM or -HHMM');
  const arrivalStation = station(s, LEG.arrivalStation);
  if (arrivalStation === null) bad(problems, line, s, LEG.arrivalStation, 'a 3-letter IATA airport code');
  const staMinutes = hhmm(s, LEG.aircraftSta);
  if (staMinutes < 0) bad(problems, line, s, LEG.aircraftSta, 'a time HHMM, 0000-2359');
  const arrivalVariationMinutes = variation(s, LEG.arrivalUtcVariation);
  if (Number.isNaN(arrivalVariationMinutes)) bad(problems, line, s, LEG.arrivalUtcVariation, '+HHMM or -HHMM');
  const aircraftType = aircraftTypeAt(s, LEG.aircraftType);
  if (aircraftType === undefined)
    bad(problems, line, s, LEG.aircraftType, 'blank, or a 3-character IATA aircraft type (letters and digits)');

  let onward: OnwardFlight | null = null;
  if (s.charCodeAt(at(LEG.onwardAirline)) !== SPACE) {
    const onwardCarrier = airline(s, LEG.onwardAirline);
    if (onwardCarrier === null) bad(problems, line, s, LEG.onwardAirline, 'blank, or 2 or 3 letters or digits');
    const onwardNumber = number(s, LEG.onwardFlightNumber);
    if (onwardNumber < 1) bad(problems, line, s, LEG.onwardFlightNumber, 'a flight number 1-9999 when an onward airline is given');
    const layoverChar = s.charCodeAt(at(LEG.rotationLayover));
    const layoverDays = layoverChar === SPACE ? 0 : isDigit(layoverChar) ? layoverChar - 48 : -1;
    if (layoverDays < 0) bad(problems, line, s, LEG.rotationLayover, 'blank or a digit 0-9');
    const onwardSuffix = suffix(s, LEG.onwardSuffix);
    if (onwardSuffix === null) bad(problems, line, s, LEG.onwardSuffix, 'blank or a letter A-Z');
    if (onwardCarrier !== null && onwardNumber > 0 && layoverDays >= 0 && onwardSuffix !== null) {
      onward = { carrier: onwardCarrier, flightNumber: onwardNumber, suffix: onwardSuffix, layoverDays };
    }
  }

  const departureDateVariation = dateVariation(s, LEG.departureDateVariation);
  if (departureDateVariation === undefined) bad(problems, line, s, LEG.departureDateVariation, 'blank, a digit 0-9 or A (day before)');
  const arrivalDateVariation = dateVariation(s, LEG.arrivalDateVariation);
  if (arrivalDateVariation === undefined) bad(problems, line, s, LEG.arrivalDateVariation, 'blank, a digit 0-9 or A (day before)');

  if (problems.length > before) return null;
  return {
    suffix: sfx as string,
    carrier: carrier as string,
    flightNumber,
    itineraryVariation: ivi,
    legSequence,
    serviceType: serviceType ?? null,
    fromDay,
    toDay,
    daysMask,
    frequency,
    departureStation: departureStation as string,
    stdMinutes,
    departureVariationMinutes,
    arrivalStation: arrivalStation as string,
    staMinutes,
    arrivalVariationMinutes,
    aircraftType: aircraftType ?? null,
    onward,
    departureDateVariation: departureDateVariation ?? 0,
    arrivalDateVariation: arrivalDateVariation ?? null,
  };
}
