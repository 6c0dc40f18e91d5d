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
  const m = MONTHS[s.slice(start + 2, start + 5)];
  const y = twoDigits(s, start + 5);
  if (d < 1 || m === undefined || y < 0) return -1;
  const ms = Date.UTC(fullYear(y), m, d);
  // Date.UTC rolls 31FEB over into March; a date that rolled is not a date.
  if (new Date(ms).getUTCDate() !== d) return -1;
  return ms / DAY_MS;
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
