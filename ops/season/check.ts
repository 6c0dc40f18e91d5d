/**
 * CLI: imports an SSIM file and runs the four checks, printing progress as it reads.
 *
 *   node --import tsx ops/season/check.ts FILE.ssim [--rotations rotations.csv]
 *     [--airports airports.csv] [--airplanes airplanes.csv] [--on-error reject|valid-only] [--show N]
 *
 * The CSVs are the ones generate.ts writes (airports: iata,minimum_ground_time_min[,...];
 * airplanes: registration,aircraft_type,minimum_ground_time_min,rotation_id). Exit code: 0 when
 * the schedule imports and passes, 1 when it has violations or was rejected, 2 for bad usage.
 */
import { createReadStream, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { checkSchedule, parseSsim, planImport, type Schedule } from '../../src/domain/index.ts';

const USAGE =
  'usage: node --import tsx ops/season/check.ts FILE.ssim [--rotations CSV] [--airports CSV] [--airplanes CSV] [--on-error reject|valid-only] [--show N]';

function fail(message: string): never {
  console.error(`check: ${message}\n${USAGE}`);
  process.exit(2);
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    fail(`cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function csvRows(file: string, minCells: number): string[][] {
  const rows = readText(file)
    .split(/\r?\n/)
    .slice(1)
    .filter((l) => l.trim() !== '')
    .map((l) => l.split(',').map((c) => c.trim()));
  rows.forEach((r, i) => {
    if (r.length < minCells) fail(`${file} line ${i + 2}: expected at least ${minCells} cells, found ${r.length}`);
  });
  return rows;
}

let parsedArgs: ReturnType<typeof parseArgs>;
try {
  parsedArgs = parseArgs({
    options: {
      rotations: { type: 'string' },
      airports: { type: 'string' },
      airplanes: { type: 'string' },
      'on-error': { type: 'string' },
      show: { type: 'string' },
    },
    allowPositionals: true,
    strict: true,
  });
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}
const { values, positionals } = parsedArgs;
const opt = (k: string) => (typeof values[k] === 'string' ? (values[k] as string) : undefined);
const file = positionals[0];
if (!file || positionals.length > 1) fail('one SSIM file is required');
const onError = opt('on-error') ?? 'reject';
if (onError !== 'reject' && onError !== 'valid-only') fail(`--on-error must be reject or valid-only, got ${onError}`);
const show = Number(opt('show') ?? 5);
if (!Number.isInteger(show) || show < 0) fail(`--show must be a whole number, got ${opt('show')}`);

const rotationsFile = opt('rotations');
const rotationCsv = rotationsFile ? readText(rotationsFile) : undefined;
const airports = opt('airports')
  ? csvRows(opt('airports') as string, 2).map(([iata, mgt]) => ({ iata: iata as string, minimumGroundTimeMin: Number(mgt) }))
  : [];
const planes = opt('airplanes') ? csvRows(opt('airplanes') as string, 4) : [];

const started = performance.now();
const stream = createReadStream(file);
stream.on('error', (error) => fail(`cannot read ${file}: ${error.message}`));
const parsed = await parseSsim(stream, {
  progressEvery: 50_000,
  onProgress: (p) =>
    process.stderr.write(
      `\r${p.records.toLocaleString('en-US')} records, ${p.legs.toLocaleString('en-US')} legs, ${p.problems} problems${p.done ? '\n' : ''}`,
    ),
});
const plan = planImport(parsed, rotationCsv === undefined ? { onError } : { onError, rotationCsv });
if (plan._tag === 'ImportRejected') {
  console.log(`${plan.message}`);
  for (const p of plan.problems.slice(0, show)) console.log(`  ${p.message}`);
  process.exit(1);
}
for (const p of plan.skipped.slice(0, show)) console.log(`skipped: ${p.message}`);
const flownBy = new Map(planes.map((r) => [r[3] as string, r[0] as string]));
const schedule: Schedule = {
  airports,
  airplanes: planes.map(([registration, aircraftType, mgt]) => ({
    registration: registration as string,
    aircraftType: aircraftType as string,
    minimumGroundTimeMin: Number(mgt),
  })),
  rotations: plan.rotations.map((r) => ({ ...r, registration: flownBy.get(r.rotationId) ?? null })),
};
const report = checkSchedule(schedule);
console.log(
  `imported ${plan.legCount} legs in ${plan.rotations.length} rotations (${plan.problemCount} problems) in ${((performance.now() - started) / 1000).toFixed(1)} s`,
);
for (const [name, list] of [
  ['continuity', report.continuity],
  ['minimum ground time', report.groundTime],
  ['designator uniqueness', report.designators],
  ['equipment', report.equipment],
] as const) {
  console.log(`${name}: ${list.length} violation(s)`);
  for (const v of list.slice(0, show)) console.log(`  ${v.message}`);
}
process.exit(
  report.continuity.length + report.groundTime.length + report.designators.length + report.equipment.length + plan.problemCount > 0 ? 1 : 0,
);
