/**
 * Calendar arithmetic for SSIM: dates as "epoch days" (days since 1970-01-01), the DDMMMYY form
 * of the files, and ISO weekdays. Integers rather than Date objects because the parser expands
 * hundreds of thousands of dated legs and only ever adds days.
 */

export const MINUTE_MS = 60_000;
export const DAY_MIN = 1440;
export const DAY_MS = 86_400_000;

const MONTHS: Record<string, number> = { JAN: 0, FEB: 1, MAR: 2, APR: 3, MAY: 4, JUN: 5, JUL: 6, AUG: 7, SEP: 8, OCT: 9, NOV: 10, DEC: 11 };
const MONTH_NAMES = Object.keys(MONTHS);

/** Two-digit years: 70-99 are 19xx, 00-69 are 20xx (SSIM carries no century). */
export function fullYear(yy: number): number {
  return yy >= 70 ? 1900 + yy : 2000 + yy;
}

/** Epoch day of a DDMMMYY date at `start` in `s`, or -1 when it is not a real date. */
export function parseDdMmmYy(s: string, start: number): number {
  const d = twoDigits(s, start);
  const m = monthIndex(s.charCodeAt(start + 2), s.charCodeAt(start + 3), s.charCodeAt(start + 4));
  const y = twoDigits(s, start + 5);
  if (d < 1 || m < 0 || y < 0) return -1;
  const year = fullYear(y);
  if (d > daysInMonth(year, m)) return -1;
  return daysFromCivil(year, m + 1, d);
}

/** Month 0-11 from its three upper-case letters, without building a string (hot path). */
function monthIndex(a: number, b: number, c: number): number {
  const key = (a << 16) | (b << 8) | c;
  return MONTH_CODES.get(key) ?? -1;
}

const MONTH_CODES = new Map(
  Object.entries(MONTHS).map(([name, i]) => [(name.charCodeAt(0) << 16) | (name.charCodeAt(1) << 8) | name.charCodeAt(2), i]),
);

function daysInMonth(year: number, month0: number): number {
  if (month0 === 1) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month0 === 3 || month0 === 5 || month0 === 8 || month0 === 10 ? 30 : 31;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

export function formatDdMmmYy(epochDay: number): string {
  const date = new Date(epochDay * DAY_MS);
  const dd = String(date.getUTCDate()).padStart(2, '0');
  const yy = String(date.getUTCFullYear() % 100).padStart(2, '0');
  return `${dd}${MONTH_NAMES[date.getUTCMonth()]}${yy}`;
}

function twoDigits(s: string, i: number): number {
  const a = s.charCodeAt(i) - 48;
  const b = s.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/** ISO weekday, Monday = 1 ... Sunday = 7; 1970-01-01 was a Thursday. */
export function isoWeekday(epochDay: number): number {
  return ((((epochDay + 3) % 7) + 7) % 7) + 1;
}

const isoCache = new Map<number, string>();

/** YYYY-MM-DD of an epoch day; cached because a season has only a few hundred distinct days. */
export function isoDate(epochDay: number): string {
  let s = isoCache.get(epochDay);
  if (s === undefined) {
    s = new Date(epochDay * DAY_MS).toISOString().slice(0, 10);
    isoCache.set(epochDay, s);
  }
  return s;
}

/** A real YYYY-MM-DD date (2005-02-31 is not). */
export function isIsoDate(date: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return false;
  const day = epochDayOfIso(date);
  return Number.isInteger(day) && isoDate(day) === date;
}

export function epochDayOfIso(date: string): number {
  return Date.parse(`${date}T00:00:00Z`) / DAY_MS;
}
