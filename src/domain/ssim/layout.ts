/**
 * Column map of the SSIM chapter 7 records this parser reads (1-based, inclusive, as the
 * manual prints them). Checked against test/fixtures/ssim: e.g. in sample.ssim
 * "3 XX   410101F09JUN0509JUN05   4    RUN21302130+0400  DZA22402240+0300  733 ... XX   42"
 * puts the flight number at 6-9, the departure station at 37-39 and the onward flight at 138-144.
 * docs/domain.md carries the same table.
 */

export interface Field {
  readonly name: string;
  /** 1-based first column. */
  readonly column: number;
  readonly length: number;
}

const f = (name: string, column: number, length: number): Field => ({ name, column, length });

export const RECORD_LENGTH = 200;

/** Record type 2, carrier record. */
export const CARRIER = {
  timeMode: f('time mode (U or L)', 2, 1),
  airline: f('airline designator', 3, 3),
  season: f('season', 11, 3),
  validFrom: f('period of schedule validity from', 15, 7),
  validTo: f('period of schedule validity to', 22, 7),
} as const;

/** Record type 3, flight leg record. */
export const LEG = {
  suffix: f('operational suffix', 2, 1),
  airline: f('airline designator', 3, 3),
  flightNumber: f('flight number', 6, 4),
  itineraryVariation: f('itinerary variation identifier', 10, 2),
  legSequence: f('leg sequence number', 12, 2),
  serviceType: f('service type', 14, 1),
  periodFrom: f('period of operation from', 15, 7),
  periodTo: f('period of operation to', 22, 7),
  daysOfOperation: f('days of operation', 29, 7),
  frequencyRate: f('frequency rate', 36, 1),
  departureStation: f('departure station', 37, 3),
  passengerStd: f('passenger STD', 40, 4),
  aircraftStd: f('aircraft STD', 44, 4),
  departureUtcVariation: f('departure UTC/local time variation', 48, 5),
  arrivalStation: f('arrival station', 55, 3),
  aircraftSta: f('aircraft STA', 58, 4),
  passengerSta: f('passenger STA', 62, 4),
  arrivalUtcVariation: f('arrival UTC/local time variation', 66, 5),
  aircraftType: f('aircraft type', 73, 3),
  onwardAirline: f('onward flight airline designator', 138, 3),
  onwardFlightNumber: f('onward flight number', 141, 4),
  rotationLayover: f('aircraft rotation layover', 145, 1),
  onwardSuffix: f('onward flight operational suffix', 146, 1),
  departureDateVariation: f('date variation, departure', 193, 1),
  arrivalDateVariation: f('date variation, arrival', 194, 1),
  serialNumber: f('record serial number', 195, 6),
} as const;

/** 0-based start index of a field, for slicing. */
export function at(field: Field): number {
  return field.column - 1;
}
