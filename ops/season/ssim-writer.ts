/**
 * Writes dated legs as SSIM chapter 7 records (time mode L), the inverse of
 * src/domain/ssim/parser.ts: one type-3 record per dated leg (period from = to, one day of
 * operation), explicit date variations, onward flights, and the zero padding real files carry.
 * Columns come from the parser's own layout table so the two cannot drift apart.
 */
import { SSIM_CARRIER_COLUMNS as C2, SSIM_LEG_COLUMNS as C3, type Leg, type SsimField } from '../../src/domain/index.ts';
import { formatDdMmmYy, isoWeekday, DAY_MS, MINUTE_MS } from '../../src/domain/ssim/dates.ts';

const WIDTH = 200;
export const ZERO_RECORD = '0'.repeat(WIDTH);

/** A 200-column record being filled in; fields are written at their manual columns. */
class Record {
  private readonly chars: string[];
  constructor(type: string) {
    this.chars = Array.from({ length: WIDTH }, () => ' ');
    this.chars[0] = type;
  }
  put(field: SsimField | number, text: string): this {
    const start = typeof field === 'number' ? field - 1 : field.column - 1;
    for (let i = 0; i < text.length; i++) this.chars[start + i] = text[i] as string;
    return this;
  }
  serial(n: number): string {
    return this.put(195, String(n % 1_000_000).padStart(6, '0')).chars.join('');
  }
}

function hhmm(minutes: number): string {
  const m = ((minutes % 1440) + 1440) % 1440;
  return `${String(Math.floor(m / 60)).padStart(2, '0')}${String(m % 60).padStart(2, '0')}`;
}

function utcVariation(offsetMin: number): string {
  const a = Math.abs(offsetMin);
  return `${offsetMin < 0 ? '-' : '+'}${String(Math.floor(a / 60)).padStart(2, '0')}${String(a % 60).padStart(2, '0')}`;
}

function dateVariation(days: number): string {
  if (days === -1) return 'A';
  if (days < 0 || days > 9) throw new RangeError(`date variation ${days} cannot be written in SSIM`);
  return String(days);
}

export function headerRecord(serial: number): string {
  return new Record('1').put(2, 'AIRLINE STANDARD SCHEDULE DATA SET').serial(serial);
}

export function carrierRecord(carrier: string, fromDay: number, toDay: number, createdDay: number, serial: number): string {
  return new Record('2')
    .put(C2.timeMode, 'L')
    .put(C2.airline, carrier.padEnd(3))
    .put(C2.validFrom, formatDdMmmYy(fromDay))
    .put(C2.validTo, formatDdMmmYy(toDay))
    .put(29, formatDdMmmYy(createdDay))
    .serial(serial);
}

export function trailerRecord(carrier: string, lastSerial: number, serial: number): string {
  return new Record('5').put(3, carrier.padEnd(3)).put(188, String(lastSerial).padStart(6, '0')).put(194, 'E').serial(serial);
}

export interface LegToWrite {
  readonly leg: Leg;
  readonly aircraftType: string;
  readonly departureOffsetMin: number;
  readonly arrivalOffsetMin: number;
  /** The leg the airplane flies next, if any. */
  readonly onward: Leg | null;
  readonly onwardOffsetMin: number;
}

const localDay = (utcMs: number, offsetMin: number) => Math.floor((utcMs + offsetMin * MINUTE_MS) / DAY_MS);
const localMinutes = (utcMs: number, offsetMin: number) => Math.floor((utcMs + offsetMin * MINUTE_MS) / MINUTE_MS);

export function legRecord(w: LegToWrite, serial: number): string {
  const { leg } = w;
  const origin = localDay(leg.departureUtc, w.departureOffsetMin);
  const arrivalDay = localDay(leg.arrivalUtc, w.arrivalOffsetMin);
  const date = formatDdMmmYy(origin);
  const weekday = isoWeekday(origin);
  const r = new Record('3')
    .put(C3.suffix, leg.suffix || ' ')
    .put(C3.airline, leg.carrier.padEnd(3))
    .put(C3.flightNumber, String(leg.flightNumber).padStart(4))
    .put(C3.itineraryVariation, '01')
    .put(C3.legSequence, '01')
    .put(C3.serviceType, 'J')
    .put(C3.periodFrom, date)
    .put(C3.periodTo, date)
    .put(C3.daysOfOperation.column + weekday - 1, String(weekday))
    .put(C3.departureStation, leg.departureAirport)
    .put(C3.passengerStd, hhmm(localMinutes(leg.departureUtc, w.departureOffsetMin)))
    .put(C3.aircraftStd, hhmm(localMinutes(leg.departureUtc, w.departureOffsetMin)))
    .put(C3.departureUtcVariation, utcVariation(w.departureOffsetMin))
    .put(C3.arrivalStation, leg.arrivalAirport)
    .put(C3.aircraftSta, hhmm(localMinutes(leg.arrivalUtc, w.arrivalOffsetMin)))
    .put(C3.passengerSta, hhmm(localMinutes(leg.arrivalUtc, w.arrivalOffsetMin)))
    .put(C3.arrivalUtcVariation, utcVariation(w.arrivalOffsetMin))
    .put(C3.aircraftType, w.aircraftType)
    .put(C3.departureDateVariation, '0')
    .put(C3.arrivalDateVariation, dateVariation(arrivalDay - origin));
  if (w.onward) {
    const layover = localDay(w.onward.departureUtc, w.onwardOffsetMin) - arrivalDay;
    if (layover >= 0 && layover <= 9) {
      r.put(C3.onwardAirline, w.onward.carrier.padEnd(3))
        .put(C3.onwardFlightNumber, String(w.onward.flightNumber).padStart(4))
        .put(C3.rotationLayover, layover === 0 ? ' ' : String(layover))
        .put(C3.onwardSuffix, w.onward.suffix || ' ');
    }
  }
  return r.serial(serial);
}
