/**
 * A season as files: the SSIM schedule (streamed in chunks, never one 36 MB string unless asked),
 * the rotation assignment CSV, airports and airplanes CSVs (SSIM carries no ground times), and
 * the list of injected violations as JSON.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { once } from 'node:events';
import { formatRotationCsv } from '../../src/domain/index.ts';
import { epochDayOfIso } from '../../src/domain/ssim/dates.ts';
import { carrierRecord, headerRecord, legRecord, trailerRecord, ZERO_RECORD } from './ssim-writer.ts';
import type { Season } from '../../src/domain/season/season.ts';

const BLOCK = 5;

/** The SSIM file in chunks of about `recordsPerChunk` records, each record ending in a newline. */
export function* ssimChunks(season: Season, recordsPerChunk = 2000): Generator<string> {
  const offset = new Map(season.airports.map((a) => [a.iata, a.utcOffsetMin]));
  const startDay = epochDayOfIso(season.options.startDate);
  const endDay = startDay + season.options.days;
  let serial = 0;
  let lines = 0;
  let batch: string[] = [];
  const emit = (record: string) => {
    batch.push(record);
    lines++;
    if (record !== ZERO_RECORD) serial++;
  };
  const pad = () => {
    while (lines % BLOCK !== 0) emit(ZERO_RECORD);
  };
  emit(headerRecord(1));
  pad();
  let current: string | null = null;
  for (const { rotation, position } of season.fileOrder) {
    const r = season.rotations[rotation];
    const leg = r?.legs[position];
    if (!r || !leg) continue;
    if (leg.carrier !== current) {
      if (current !== null) {
        pad();
        emit(trailerRecord(current, serial, serial + 1));
        pad();
      }
      current = leg.carrier;
      emit(carrierRecord(leg.carrier, startDay, endDay, startDay - 30, serial + 1));
      pad();
    }
    const onward = r.legs[position + 1] ?? null;
    emit(
      legRecord(
        {
          leg,
          aircraftType: leg.aircraftType ?? season.airplanes[rotation]?.aircraftType ?? '320',
          departureOffsetMin: offset.get(leg.departureAirport) ?? 0,
          arrivalOffsetMin: offset.get(leg.arrivalAirport) ?? 0,
          onward,
          onwardOffsetMin: onward ? (offset.get(onward.departureAirport) ?? 0) : 0,
        },
        serial + 1,
      ),
    );
    if (batch.length >= recordsPerChunk) {
      yield `${batch.join('\n')}\n`;
      batch = [];
    }
  }
  if (current !== null) {
    pad();
    emit(trailerRecord(current, serial, serial + 1));
    pad();
  }
  if (batch.length > 0) yield `${batch.join('\n')}\n`;
}

export function ssimText(season: Season): string {
  return [...ssimChunks(season)].join('');
}

/** A CSV file: the header line, then one line per row, every line ending in a newline. */
function csv(header: string, rows: readonly string[]): string {
  return [header, ...rows].map((line) => `${line}\n`).join('');
}

export function airportsCsv(season: Season): string {
  return csv(
    'iata,minimum_ground_time_min,utc_offset_min',
    season.airports.map((a) => `${a.iata},${a.minimumGroundTimeMin},${a.utcOffsetMin}`),
  );
}

export function airplanesCsv(season: Season): string {
  return csv(
    'registration,aircraft_type,minimum_ground_time_min,rotation_id',
    season.airplanes.map((a) => `${a.registration},${a.aircraftType},${a.minimumGroundTimeMin},${a.rotationId}`),
  );
}

export interface SeasonFiles {
  readonly ssim: string;
  readonly rotations: string;
  readonly airports: string;
  readonly airplanes: string;
  readonly violations: string;
}

/** Writes season.ssim, rotations.csv, airports.csv, airplanes.csv and violations.json into `dir`. */
export async function writeSeason(season: Season, dir: string): Promise<SeasonFiles> {
  await mkdir(dir, { recursive: true });
  const files: SeasonFiles = {
    ssim: path.join(dir, 'season.ssim'),
    rotations: path.join(dir, 'rotations.csv'),
    airports: path.join(dir, 'airports.csv'),
    airplanes: path.join(dir, 'airplanes.csv'),
    violations: path.join(dir, 'violations.json'),
  };
  const out = createWriteStream(files.ssim);
  for (const chunk of ssimChunks(season)) if (!out.write(chunk)) await once(out, 'drain');
  out.end();
  await once(out, 'finish');
  await writeFile(files.rotations, formatRotationCsv(season.rotations));
  await writeFile(files.airports, airportsCsv(season));
  await writeFile(files.airplanes, airplanesCsv(season));
  await writeFile(
    files.violations,
    `${JSON.stringify({ options: season.options, legCount: season.legCount, injected: season.injected }, null, 2)}\n`,
  );
  return files;
}
