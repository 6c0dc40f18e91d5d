/**
 * A two-leg SSIM file: the first rotation of the test corpus's sample (XX 41 RUN-DZA and XX 42
 * back, on 9 June 2005), records of 200 characters in their 5-record blocks. The OpenAPI document
 * gives it as the import's example, so a client trying the API (and the API fuzzer) has an import
 * that applies commands.
 */

/** A record: each text at its 0-based column, blanks between, the serial number in columns 194-199. */
function record(serial: number, ...fields: readonly (readonly [column: number, text: string])[]): string {
  let line = '';
  for (const [column, text] of fields) line = line.padEnd(column) + text;
  return line.padEnd(194) + String(serial).padStart(6, '0');
}

const FILLER = '0'.repeat(200);

export const SSIM_EXAMPLE = [
  record(1, [0, '1AIRLINE STANDARD SCHEDULE DATA SET']),
  FILLER,
  FILLER,
  FILLER,
  FILLER,
  record(2, [0, '2LXX          09JUN0509JUN0511JAN24'], [71, 'P'], [190, '0914']),
  FILLER,
  FILLER,
  FILLER,
  FILLER,
  record(3, [0, '3 XX   410101F09JUN0509JUN05   4    RUN21302130+0400  DZA22402240+0300  733'], [137, 'XX   42'], [172, 'W18Y112VVCGO']),
  record(4, [0, '3 XX   420101F09JUN0509JUN05   4    DZA23302330+0300  RUN02300230+0400  733'], [172, 'W18Y112VVCGO']),
  record(5, [0, '5 XX'], [187, '000004E']),
  '',
].join('\n');
