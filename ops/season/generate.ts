/**
 * CLI: writes a synthetic season into a folder.
 *
 *   node --import tsx ops/season/generate.ts --out DIR [--airplanes 300] [--airports 150]
 *     [--days 183] [--legs-per-day 3.3] [--start 2026-03-29] [--seed 1] [--carriers AL,FT,SK]
 *     [--continuity-rate 0.0005] [--ground-time-rate 0.0005] [--duplicate-rate 0.0005] [--equipment-rate 0.0005]
 *     [--scale 1]
 *
 * Bad flags print what is wrong and exit 2; nothing is written then.
 */
import { parseArgs } from 'node:util';
import { DEFAULT_SEASON, generateSeason, seasonOfSize, seasonOptionProblems, type SeasonOptions } from '../../src/domain/season/season.ts';
import { writeSeason } from './files.ts';

const USAGE = `usage: node --import tsx ops/season/generate.ts --out DIR [options]
  --airplanes N          airplanes, one rotation each (default ${DEFAULT_SEASON.airplanes})
  --airports N           airports (default ${DEFAULT_SEASON.airports})
  --days N               days in the season (default ${DEFAULT_SEASON.days})
  --legs-per-day X       average legs per airplane per day, up to 5 (default ${DEFAULT_SEASON.legsPerDay})
  --start YYYY-MM-DD     first day (default ${DEFAULT_SEASON.startDate})
  --seed N               random seed; the same seed gives the same files (default ${DEFAULT_SEASON.seed})
  --carriers A,B         2-character airline codes (default ${DEFAULT_SEASON.carriers.join(',')})
  --continuity-rate R    fraction of legs with an injected continuity break (default ${DEFAULT_SEASON.violations.continuity})
  --ground-time-rate R   fraction with a too-short ground time (default ${DEFAULT_SEASON.violations.groundTime})
  --duplicate-rate R     fraction with a duplicated flight designator (default ${DEFAULT_SEASON.violations.duplicates})
  --equipment-rate R     fraction planned for another aircraft type than their airplane's (default ${DEFAULT_SEASON.violations.equipment ?? 0})
  --scale X              X times the airplanes, same density per airplane (10: ~1.8 M legs; default 1)`;

function fail(message: string): never {
  console.error(`generate: ${message}\n\n${USAGE}`);
  process.exit(2);
}

function numberFlag(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n)) fail(`--${name} must be a number, got "${text}"`);
  return n;
}

let values: Record<string, string | boolean | undefined>;
try {
  ({ values } = parseArgs({
    options: {
      out: { type: 'string' },
      airplanes: { type: 'string' },
      airports: { type: 'string' },
      days: { type: 'string' },
      'legs-per-day': { type: 'string' },
      start: { type: 'string' },
      seed: { type: 'string' },
      carriers: { type: 'string' },
      'continuity-rate': { type: 'string' },
      'ground-time-rate': { type: 'string' },
      'duplicate-rate': { type: 'string' },
      'equipment-rate': { type: 'string' },
      scale: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  }));
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const str = (k: string) => (typeof values[k] === 'string' ? (values[k] as string) : undefined);
const out = str('out');
if (!out) fail('--out DIR is required');
const d = DEFAULT_SEASON;
const given: SeasonOptions = {
  airplanes: numberFlag('airplanes', str('airplanes'), d.airplanes),
  airports: numberFlag('airports', str('airports'), d.airports),
  days: numberFlag('days', str('days'), d.days),
  legsPerDay: numberFlag('legs-per-day', str('legs-per-day'), d.legsPerDay),
  startDate: str('start') ?? d.startDate,
  seed: numberFlag('seed', str('seed'), d.seed),
  carriers:
    str('carriers')
      ?.split(',')
      .map((c) => c.trim()) ?? d.carriers,
  violations: {
    continuity: numberFlag('continuity-rate', str('continuity-rate'), d.violations.continuity),
    groundTime: numberFlag('ground-time-rate', str('ground-time-rate'), d.violations.groundTime),
    duplicates: numberFlag('duplicate-rate', str('duplicate-rate'), d.violations.duplicates),
    equipment: numberFlag('equipment-rate', str('equipment-rate'), d.violations.equipment ?? 0),
  },
};
const scale = numberFlag('scale', str('scale'), 1);
const problems = seasonOptionProblems(given);
if (problems.length > 0) fail(problems.join('\n  '));
let options: SeasonOptions;
try {
  options = seasonOfSize(scale, given);
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}

const started = performance.now();
const season = generateSeason(options);
const files = await writeSeason(season, out);
const counts = { continuity: 0, groundTime: 0, duplicate: 0, equipment: 0 };
for (const v of season.injected) counts[v.kind]++;
console.log(
  `generated ${season.legCount} legs in ${season.rotations.length} rotations over ${options.days} days, ${options.airports} airports`,
);
console.log(
  `injected: ${counts.continuity} continuity, ${counts.groundTime} ground time, ${counts.duplicate} duplicate designators, ${counts.equipment} equipment`,
);
console.log(`wrote ${Object.values(files).join(', ')} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
