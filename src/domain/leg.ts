/**
 * A leg: one flight of one airplane between two airports, and its flight designator.
 *
 * Times are epoch milliseconds in UTC; the date of origin is the calendar date (YYYY-MM-DD) the
 * schedule gave for the flight, local to the departure airport when the source was in local time.
 * An absent operational suffix is the empty string, and "no suffix" is a value of its own:
 * XX 777 and XX 777A are different designators.
 *
 * A leg also says what it is planned to be flown with: the IATA aircraft type (subtype, e.g.
 * "333", "32N") and the SSIM service type (one letter, e.g. "J" scheduled passenger), each null
 * when the source did not say. Legs stored before LegAdded version 2 are read with both null.
 */

export interface Leg {
  readonly id: string;
  readonly carrier: string;
  readonly flightNumber: number;
  readonly suffix: string;
  readonly dateOfOrigin: string;
  readonly departureAirport: string;
  readonly arrivalAirport: string;
  readonly departureUtc: number;
  readonly arrivalUtc: number;
  /** IATA aircraft type the leg is scheduled for (3 letters/digits), null when unknown. */
  readonly aircraftType: string | null;
  /** SSIM service type (one capital letter), null when unknown. */
  readonly serviceType: string | null;
}

export interface Designator {
  readonly carrier: string;
  readonly flightNumber: number;
  readonly suffix: string;
  readonly departureAirport: string;
  readonly dateOfOrigin: string;
}

/** The uniqueness key of the paper: two legs with the same key are one flight planned twice. */
export function designatorKey(d: Designator): string {
  return `${d.carrier}-${d.flightNumber}${d.suffix}-${d.departureAirport}-${d.dateOfOrigin}`;
}

/**
 * A deterministic leg id: the designator key, plus `~n` for the n-th (n >= 2) leg of an import
 * that repeats a designator, so importing the same file twice yields the same ids.
 */
export function legId(d: Designator, occurrence = 1): string {
  const key = designatorKey(d);
  return occurrence <= 1 ? key : `${key}~${occurrence}`;
}

/** "XX 41 RUN 2005-06-09": how a planner reads a designator. */
export function formatDesignator(d: Designator): string {
  return `${d.carrier} ${d.flightNumber}${d.suffix} ${d.departureAirport} ${d.dateOfOrigin}`;
}

/** Half-open intervals: a leg arriving at 10:00 does not overlap one departing at 10:00. */
export function overlaps(a: Leg, b: Leg): boolean {
  return a.departureUtc < b.arrivalUtc && b.departureUtc < a.arrivalUtc;
}

const IATA_AIRPORT = /^[A-Z]{3}$/;
const CARRIER = /^[A-Z0-9]{2}[A-Z]?$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const AIRCRAFT_TYPE = /^[A-Z0-9]{3}$/;
const SERVICE_TYPE = /^[A-Z]$/;

/** An IATA aircraft type code: three capitals or digits, e.g. 333, 32N, AT7. */
export function isAircraftType(code: unknown): code is string {
  return typeof code === 'string' && AIRCRAFT_TYPE.test(code);
}

/** An SSIM service type: one capital letter (J scheduled passenger, F freight, ...). */
export function isServiceType(code: unknown): code is string {
  return typeof code === 'string' && SERVICE_TYPE.test(code);
}

export function isAirportCode(code: string): boolean {
  return IATA_AIRPORT.test(code);
}

/** What is wrong with a leg, as sentences; empty when nothing is. Used at every command boundary. */
export function legProblems(leg: Leg): string[] {
  const problems: string[] = [];
  if (typeof leg.id !== 'string' || leg.id.length === 0) problems.push('id must be a non-empty string');
  if (!CARRIER.test(leg.carrier)) problems.push(`carrier "${leg.carrier}" must be 2 or 3 letters or digits`);
  if (!Number.isInteger(leg.flightNumber) || leg.flightNumber < 1 || leg.flightNumber > 9999) {
    problems.push(`flight number ${leg.flightNumber} must be an integer from 1 to 9999`);
  }
  if (!/^[A-Z]?$/.test(leg.suffix)) problems.push(`suffix "${leg.suffix}" must be empty or one letter`);
  if (!DATE.test(leg.dateOfOrigin) || Number.isNaN(Date.parse(`${leg.dateOfOrigin}T00:00:00Z`))) {
    problems.push(`date of origin "${leg.dateOfOrigin}" must be a YYYY-MM-DD date`);
  }
  if (!isAirportCode(leg.departureAirport)) problems.push(`departure airport "${leg.departureAirport}" must be a 3-letter IATA code`);
  if (!isAirportCode(leg.arrivalAirport)) problems.push(`arrival airport "${leg.arrivalAirport}" must be a 3-letter IATA code`);
  if (!Number.isSafeInteger(leg.departureUtc) || !Number.isSafeInteger(leg.arrivalUtc)) {
    problems.push('departure and arrival must be epoch milliseconds');
  } else if (leg.arrivalUtc <= leg.departureUtc) {
    problems.push(`arrival ${iso(leg.arrivalUtc)} must be after departure ${iso(leg.departureUtc)}`);
  }
  if (leg.aircraftType !== null && !isAircraftType(leg.aircraftType))
    problems.push(`aircraft type "${String(leg.aircraftType)}" must be null or a 3-character IATA code`);
  if (leg.serviceType !== null && !isServiceType(leg.serviceType))
    problems.push(`service type "${String(leg.serviceType)}" must be null or one capital letter`);
  return problems;
}

export function iso(epochMs: number): string {
  return Number.isFinite(epochMs) ? new Date(epochMs).toISOString() : String(epochMs);
}

/** Order of legs in a rotation: by departure, then arrival, then id, so that ties are stable. */
export function compareLegs(a: Leg, b: Leg): number {
  return a.departureUtc - b.departureUtc || a.arrivalUtc - b.arrivalUtc || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}
