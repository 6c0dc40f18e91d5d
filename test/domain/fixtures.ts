/** Small builders for legs in tests: times in minutes from a fixed day, so intervals read easily. */
import { legId, type Leg } from '../../src/domain/leg.ts';

export const DAY0 = Date.UTC(2026, 3, 1);
export const MIN = 60_000;

export function leg(from: string, to: string, depMin: number, arrMin: number, flightNumber = 100 + depMin, extra: Partial<Leg> = {}): Leg {
  const base = {
    carrier: 'LH', flightNumber, suffix: '', dateOfOrigin: '2026-04-01',
    departureAirport: from, arrivalAirport: to, departureUtc: DAY0 + depMin * MIN, arrivalUtc: DAY0 + arrMin * MIN, ...extra,
  };
  return { id: legId(base), ...base };
}
