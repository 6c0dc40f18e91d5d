/**
 * A synthetic but realistic season: airports with minimum ground times and UTC offsets, airplanes
 * each flying one rotation through the season, and a chosen rate of injected violations of each
 * kind, listed exactly so tests can hold the checks to them.
 *
 * Clean legs never violate anything by construction: each leg leaves from where the previous one
 * landed, ground times are at least 65 minutes (above any airport's or airplane's minimum, even
 * at an airport an injection swaps in), and flight numbers are unique per carrier and local date.
 * Injections touch disjoint legs so each produces exactly one violation:
 * - continuity: a leg's arrival airport is changed, breaking that leg and the next;
 * - ground time: a leg's arrival is moved later so the ground time before the next leg is 1 min
 *   to (required - 1) min;
 * - duplicate: a leg takes the carrier, number and suffix of another leg leaving the same airport
 *   on the same local date.
 */
import { legId, type Leg, type Schedule, type ScheduleAirplane, type ScheduleRotation } from '../index.ts';
import { DAY_MS, MINUTE_MS, epochDayOfIso, isIsoDate } from '../ssim/dates.ts';
import { seeded, type Random } from './random.ts';

export interface ViolationRates {
  /** Fraction of legs (0 to 0.2) that get a violation of each kind. */
  readonly continuity: number;
  readonly groundTime: number;
  readonly duplicates: number;
  /** Legs scheduled for another aircraft type than their rotation's airplane (default 0.0005). */
  readonly equipment?: number;
}

export interface SeasonOptions {
  readonly airplanes: number;
  readonly airports: number;
  readonly days: number;
  /** Average legs per airplane per day. */
  readonly legsPerDay: number;
  readonly startDate: string;
  readonly seed: number;
  readonly carriers: readonly string[];
  readonly violations: ViolationRates;
}

/** About the paper's size: six months, ~300 airplanes, ~150 airports, ~180,000 dated legs. */
export const DEFAULT_SEASON: SeasonOptions = {
  airplanes: 300,
  airports: 150,
  days: 183,
  legsPerDay: 3.3,
  startDate: '2026-03-29',
  seed: 1,
  carriers: ['AL', 'FT', 'SK'],
  violations: { continuity: 0.0005, groundTime: 0.0005, duplicates: 0.0005, equipment: 0.0005 },
};

/** Flight numbers run from 1 to this per carrier and local date (SSIM's four digits). */
const MAX_FLIGHT_NUMBER = 9999;

/**
 * The season `multiplier` times the size of `base` (the demo season by default): that many times
 * the airplanes, each with its own rotation at the same legs per day, over the same days and the
 * same airports (the network stays, the traffic on it grows). `seasonOfSize(1)` is `base` itself.
 * Past about 12x three carriers run out of flight numbers per local date, so carriers Q0, Q1, …
 * are added, only then (the carrier of each airplane decides its flight numbers, so adding one
 * reshuffles them).
 */
export function seasonOfSize(multiplier: number, base: SeasonOptions = DEFAULT_SEASON): SeasonOptions {
  if (!(Number.isFinite(multiplier) && multiplier > 0))
    throw new RangeError(`season multiplier must be a number above 0, got ${multiplier}`);
  const airplanes = Math.max(1, Math.round(base.airplanes * multiplier));
  // Registrations are D-A plus three letters.
  if (airplanes > 17_576)
    throw new RangeError(`season multiplier ${multiplier} gives ${airplanes} airplanes; at most 17,576 have registrations`);
  if (airplanes === base.airplanes) return base;
  const needed = Math.ceil((airplanes * Math.ceil(base.legsPerDay) * 2) / MAX_FLIGHT_NUMBER);
  const carriers = [...base.carriers];
  for (let i = 0; carriers.length < needed; i++) {
    const code = `${String.fromCharCode(81 + Math.floor(i / 10))}${i % 10}`;
    if (!carriers.includes(code)) carriers.push(code);
  }
  return { ...base, airplanes, carriers };
}

export interface SeasonAirport {
  readonly iata: string;
  readonly minimumGroundTimeMin: number;
  readonly utcOffsetMin: number;
}

export type InjectedViolation =
  | { readonly kind: 'continuity'; readonly rotationId: string; readonly previousLegId: string; readonly nextLegId: string }
  | { readonly kind: 'groundTime'; readonly rotationId: string; readonly previousLegId: string; readonly nextLegId: string }
  | { readonly kind: 'duplicate'; readonly legIds: readonly string[] }
  | { readonly kind: 'equipment'; readonly rotationId: string; readonly legId: string; readonly aircraftType: string };

export interface Season {
  readonly options: SeasonOptions;
  readonly airports: readonly SeasonAirport[];
  readonly airplanes: readonly (ScheduleAirplane & { readonly rotationId: string })[];
  readonly rotations: readonly ScheduleRotation[];
  /** Airports, airplanes and rotations as the checks read them. */
  readonly schedule: Schedule;
  readonly injected: readonly InjectedViolation[];
  readonly legCount: number;
  /** Every leg as the SSIM file lists it: by carrier, flight number, departure; with its place in its rotation. */
  readonly fileOrder: readonly { readonly rotation: number; readonly position: number }[];
}

export function seasonOptionProblems(o: SeasonOptions): string[] {
  const p: string[] = [];
  const int = (name: string, v: number, min: number, max: number) => {
    if (!Number.isInteger(v) || v < min || v > max) p.push(`${name} must be a whole number from ${min} to ${max}, got ${v}`);
  };
  int('airplanes', o.airplanes, 1, 17_576);
  int('airports', o.airports, 2, 17_576);
  int('days', o.days, 1, 3660);
  int('seed', o.seed, 0, 2 ** 32 - 1);
  if (!(o.legsPerDay > 0 && o.legsPerDay <= 5)) p.push(`legsPerDay must be more than 0 and at most 5, got ${o.legsPerDay}`);
  if (!isIsoDate(o.startDate)) p.push(`startDate must be a date YYYY-MM-DD, got ${o.startDate}`);
  if (o.carriers.length === 0 || o.carriers.some((c) => !/^[A-Z0-9]{2}$/.test(c)))
    p.push(`carriers must be 2-character airline codes, got ${o.carriers.join(',')}`);
  else if ((o.airplanes * Math.ceil(o.legsPerDay) * 2) / o.carriers.length > MAX_FLIGHT_NUMBER)
    p.push('too few carriers: flight numbers per carrier and day would pass 9999');
  for (const [k, v] of Object.entries(o.violations))
    if (!(v >= 0 && v <= 0.2)) p.push(`violation rate ${k} must be from 0 to 0.2, got ${v}`);
  return p;
}

const OFFSETS = [-480, -420, -360, -300, -240, -180, 0, 0, 60, 60, 60, 120, 120, 180, 240, 300, 330, 420, 480, 540, 600];
const TYPES = ['320', '321', '319', '738', '73H', 'E90'];
const MIN_GROUND = 65;

function letters(n: number, k: number): string {
  let s = '';
  for (let i = 0; i < k; i++, n = Math.floor(n / 26)) s = String.fromCharCode(65 + (n % 26)) + s;
  return s;
}

interface Draft {
  carrier: string;
  flightNumber: number;
  suffix: string;
  departureAirport: string;
  arrivalAirport: string;
  departureMin: number;
  arrivalMin: number;
  localDay: number;
  rotation: number;
  /** Set by an equipment injection; otherwise the leg is planned for its airplane's type. */
  aircraftType?: string;
}

export function generateSeason(partial: Partial<SeasonOptions> = {}): Season {
  const options: SeasonOptions = { ...DEFAULT_SEASON, ...partial, violations: { ...DEFAULT_SEASON.violations, ...partial.violations } };
  const problems = seasonOptionProblems(options);
  if (problems.length > 0) throw new RangeError(`invalid season options: ${problems.join('; ')}`);
  const rnd = seeded(options.seed);

  // 7919 is coprime with 26^3, so i -> code is a permutation: unique codes that look scattered.
  const airports: SeasonAirport[] = Array.from({ length: options.airports }, (_, i) => ({
    iata: letters((i * 7919 + 1234) % 17_576, 3),
    minimumGroundTimeMin: rnd.int(4, 12) * 5,
    utcOffsetMin: rnd.pick(OFFSETS),
  }));
  const offset = new Map(airports.map((a) => [a.iata, a.utcOffsetMin]));
  const airportMgt = new Map(airports.map((a) => [a.iata, a.minimumGroundTimeMin]));
  const airplanes = Array.from({ length: options.airplanes }, (_, i) => ({
    registration: `D-A${letters(i, 3)}`,
    aircraftType: rnd.pick(TYPES),
    minimumGroundTimeMin: rnd.int(5, 9) * 5,
    rotationId: `ROT-${String(i + 1).padStart(4, '0')}`,
  }));

  const drafts = flyRotations(options, airports, rnd, offset);
  const injected = inject(options, drafts, airplanes, airportMgt, rnd);

  // Ids follow the parser's rule: the n-th record of a designator in file order gets "~n".
  const order = fileOrder(drafts);
  const seen = new Map<string, number>();
  const legs: Leg[] = new Array(drafts.length);
  for (const i of order) {
    const d = drafts[i] as Draft;
    const designator = {
      carrier: d.carrier,
      flightNumber: d.flightNumber,
      suffix: d.suffix,
      departureAirport: d.departureAirport,
      dateOfOrigin: new Date(d.localDay * DAY_MS).toISOString().slice(0, 10),
    };
    const n = (seen.get(legId(designator)) ?? 0) + 1;
    seen.set(legId(designator), n);
    legs[i] = {
      id: legId(designator, n),
      ...designator,
      arrivalAirport: d.arrivalAirport,
      departureUtc: d.departureMin * MINUTE_MS,
      arrivalUtc: d.arrivalMin * MINUTE_MS,
      aircraftType: d.aircraftType ?? airplanes[d.rotation]?.aircraftType ?? null,
      serviceType: 'J',
    };
  }
  const byRotation: Leg[][] = airplanes.map(() => []);
  for (const [i, d] of drafts.entries()) byRotation[d.rotation]?.push(legs[i] as Leg);
  const rotations = airplanes.map((a, i) => ({ rotationId: a.rotationId, legs: byRotation[i] as Leg[], registration: a.registration }));
  const idOf = (i: number) => (legs[i] as Leg).id;
  const rotationOf = (i: number) => rotations[(drafts[i] as Draft).rotation]?.rotationId as string;
  const named: InjectedViolation[] = injected.map((v) =>
    v.kind === 'duplicate'
      ? { kind: 'duplicate', legIds: v.legs.map(idOf).sort() }
      : v.kind === 'equipment'
        ? {
            kind: 'equipment',
            rotationId: rotationOf(v.legs[0] as number),
            legId: idOf(v.legs[0] as number),
            aircraftType: (drafts[v.legs[0] as number] as Draft).aircraftType as string,
          }
        : {
            kind: v.kind,
            rotationId: rotationOf(v.legs[0] as number),
            previousLegId: idOf(v.legs[0] as number),
            nextLegId: idOf(v.legs[1] as number),
          },
  );
  const schedule: Schedule = {
    airports: airports.map(({ iata, minimumGroundTimeMin }) => ({ iata, minimumGroundTimeMin })),
    airplanes,
    rotations,
  };
  const firstOf: number[] = [];
  drafts.forEach((d, i) => {
    if (firstOf[d.rotation] === undefined) firstOf[d.rotation] = i;
  });
  const placed = order.map((i) => {
    const rotation = (drafts[i] as Draft).rotation;
    return { rotation, position: i - (firstOf[rotation] as number) };
  });
  return { options, airports, airplanes, rotations, schedule, injected: named, legCount: legs.length, fileOrder: placed };
}

/** Each airplane's legs, day by day, chained from where it last landed. Drafts of one rotation are contiguous and in time order. */
function flyRotations(o: SeasonOptions, airports: readonly SeasonAirport[], rnd: Random, offset: Map<string, number>): Draft[] {
  const startDay = epochDayOfIso(o.startDate);
  const numbers = new Map<string, number>();
  const drafts: Draft[] = [];
  const whole = Math.floor(o.legsPerDay);
  for (let p = 0; p < o.airplanes; p++) {
    const carrier = o.carriers[p % o.carriers.length] as string;
    let at = rnd.pick(airports).iata;
    let ready = -Infinity;
    for (let d = 0; d < o.days; d++) {
      const k = whole + (rnd.next() < o.legsPerDay - whole ? 1 : 0);
      let t = Math.max((startDay + d) * 1440 + 300 + rnd.int(0, 24) * 5, ready + MIN_GROUND + rnd.int(0, 12) * 5);
      for (let i = 0; i < k; i++) {
        let to = rnd.pick(airports).iata;
        while (to === at) to = rnd.pick(airports).iata;
        const arrival = t + 60 + rnd.int(0, 36) * 5;
        const localDay = Math.floor((t + (offset.get(at) ?? 0)) / 1440);
        const key = `${carrier}${localDay}`;
        const flightNumber = (numbers.get(key) ?? 0) + 1;
        numbers.set(key, flightNumber);
        drafts.push({
          carrier,
          flightNumber,
          suffix: '',
          departureAirport: at,
          arrivalAirport: to,
          departureMin: t,
          arrivalMin: arrival,
          localDay,
          rotation: p,
        });
        at = to;
        ready = arrival;
        t = arrival + MIN_GROUND + rnd.int(0, 12) * 5;
      }
    }
  }
  return drafts;
}

interface Injection {
  readonly kind: InjectedViolation['kind'];
  readonly legs: readonly number[];
}

function inject(
  o: SeasonOptions,
  drafts: Draft[],
  airplanes: readonly ScheduleAirplane[],
  airportMgt: Map<string, number>,
  rnd: Random,
): Injection[] {
  const used = new Set<number>();
  const out: Injection[] = [];
  const free = (...xs: number[]) => xs.every((x) => !used.has(x));
  // A pair (i, i + 1) of consecutive legs of one rotation, neither touched before.
  const pair = (): number | null => {
    for (let tries = 0; tries < 50; tries++) {
      const i = rnd.int(0, drafts.length - 2);
      if (drafts[i]?.rotation === drafts[i + 1]?.rotation && free(i, i + 1)) return i;
    }
    return null;
  };
  const count = (rate: number) => Math.round(rate * drafts.length);
  for (let n = count(o.violations.continuity); n > 0; n--) {
    const i = pair();
    if (i === null) continue;
    const d = drafts[i] as Draft;
    const choices = [...airportMgt.keys()].filter((a) => a !== d.arrivalAirport && a !== d.departureAirport);
    if (choices.length === 0) continue;
    d.arrivalAirport = rnd.pick(choices);
    used.add(i).add(i + 1);
    out.push({ kind: 'continuity', legs: [i, i + 1] });
  }
  for (let n = count(o.violations.groundTime); n > 0; n--) {
    const i = pair();
    if (i === null) continue;
    const d = drafts[i] as Draft;
    const next = drafts[i + 1] as Draft;
    const required = Math.max(airportMgt.get(d.arrivalAirport) ?? 0, airplanes[d.rotation]?.minimumGroundTimeMin ?? 0);
    d.arrivalMin = next.departureMin - rnd.int(1, required - 1);
    used.add(i).add(i + 1);
    out.push({ kind: 'groundTime', legs: [i, i + 1] });
  }
  const byDeparture = new Map<string, number[]>();
  drafts.forEach((d, i) => {
    const k = `${d.departureAirport}${d.localDay}`;
    const list = byDeparture.get(k);
    if (list) list.push(i);
    else byDeparture.set(k, [i]);
  });
  for (let n = count(o.violations.duplicates); n > 0; n--) {
    for (let tries = 0; tries < 50; tries++) {
      const i = rnd.int(0, drafts.length - 1);
      const d = drafts[i] as Draft;
      const j = byDeparture.get(`${d.departureAirport}${d.localDay}`)?.find((j) => j !== i && free(j));
      if (j === undefined || !free(i)) continue;
      const target = drafts[j] as Draft;
      d.carrier = target.carrier;
      d.flightNumber = target.flightNumber;
      d.suffix = target.suffix;
      used.add(i).add(j);
      out.push({ kind: 'duplicate', legs: [i, j] });
      break;
    }
  }
  // Last, so that seasons generated before this kind existed keep their other injections.
  for (let n = count(o.violations.equipment ?? 0); n > 0; n--) {
    for (let tries = 0; tries < 50; tries++) {
      const i = rnd.int(0, drafts.length - 1);
      if (!free(i)) continue;
      const d = drafts[i] as Draft;
      const own = airplanes[d.rotation]?.aircraftType;
      d.aircraftType = rnd.pick(TYPES.filter((x) => x !== own));
      used.add(i);
      out.push({ kind: 'equipment', legs: [i] });
      break;
    }
  }
  return out;
}

/** SSIM files list legs by carrier, then flight number, then date; the writer follows this order. */
function fileOrder(drafts: readonly Draft[]): number[] {
  return drafts
    .map((_, i) => i)
    .sort((a, b) => {
      const x = drafts[a] as Draft;
      const y = drafts[b] as Draft;
      return (
        (x.carrier < y.carrier ? -1 : x.carrier > y.carrier ? 1 : 0) ||
        x.flightNumber - y.flightNumber ||
        x.departureMin - y.departureMin ||
        a - b
      );
    });
}
