/**
 * SSIM import and schedule checks over the default season (~180,000 dated legs, the paper's
 * size), generated in this process: parse rate from memory and from a file on disk (target
 * >= 200,000 records/s, baseline: only finding the line ends of the same text; steady state,
 * median of 5 runs after a first, cold one reported on its own row), the import plan with the
 * rotation file and from onward flights, and the time of each of the three checks. `--scale`
 * shrinks the season.
 */
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  checkContinuity,
  checkDesignatorUniqueness,
  checkGroundTime,
  formatRotationCsv,
  parseSsim,
  planImport,
  type SsimParseResult,
} from '../../src/domain/index.ts';
import { generateSeason } from '../../src/domain/season/season.ts';
import { ssimChunks, writeSeason } from '../season/files.ts';
import type { Row, Suite } from './harness.ts';

const TARGET = 200_000;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

async function timed<T>(runs: number, f: () => Promise<T> | T): Promise<{ ms: number; result: T }> {
  const times: number[] = [];
  let result: T | undefined;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    result = await f();
    times.push(performance.now() - t0);
  }
  return { ms: median(times), result: result as T };
}

const suite: Suite = {
  name: 'ssim',
  description: 'SSIM parse rate and the three checks over the default season',
  async run({ scale, log }) {
    const days = Math.max(1, Math.round(183 * scale));
    log(`generating the default season over ${days} days…`);
    const gen = await timed(1, () => generateSeason({ days }));
    const season = gen.result;
    log(`  ${season.legCount} legs, ${season.injected.length} injected violations, ${(gen.ms / 1000).toFixed(1)} s`);
    const chunks = [...ssimChunks(season, 300)]; // ~60 KB each, like a file stream's chunks
    const runs = 5;

    const lineScan = await timed(runs, () => {
      let lines = 0;
      for (const c of chunks) for (let i = c.indexOf('\n'); i >= 0; i = c.indexOf('\n', i + 1)) lines++;
      return lines;
    });
    // The first parse also pays for JIT compilation and heap growth; it is reported on its own
    // row, and the rates below are the steady state (median of the runs after it).
    const cold = await timed(1, () => parseSsim(chunks));
    const fromMemory = await timed(runs, () => parseSsim(chunks));
    const parsed: SsimParseResult = fromMemory.result;
    if (parsed.problemCount > 0) throw new Error(`the generated season did not parse cleanly: ${parsed.problems[0]?.message}`);
    const records = parsed.records;
    log(`  ${records} records, ${parsed.legs.length} legs`);

    const dir = await mkdtemp(path.join(os.tmpdir(), 'aloft-ssim-'));
    let fromFileMs: number;
    try {
      const files = await writeSeason(season, dir);
      fromFileMs = (await timed(runs, () => parseSsim(createReadStream(files.ssim)))).ms;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }

    const csv = formatRotationCsv(season.rotations);
    const plan = await timed(3, () => planImport(parsed, { onError: 'reject', rotationCsv: csv }));
    if (plan.result._tag !== 'ImportReady') throw new Error(plan.result.message);
    const derived = await timed(3, () => planImport(parsed, { onError: 'valid-only' }));

    const s = season.schedule;
    const continuity = await timed(runs, () => checkContinuity(s));
    const ground = await timed(runs, () => checkGroundTime(s));
    const designators = await timed(runs, () => checkDesignatorUniqueness(s));
    const found = continuity.result.length + ground.result.length + designators.result.length;
    if (found !== season.injected.length) throw new Error(`checks found ${found} violations, ${season.injected.length} were injected`);
    const rate = (ms: number) => records / (ms / 1000);
    const scanRate = rate(lineScan.ms);
    const rows: Row[] = [
      {
        name: `parse from memory, ${records} records`,
        value: rate(fromMemory.ms),
        unit: 'records/s',
        baseline: { name: 'line scan only', value: scanRate },
        target: `>= ${TARGET.toLocaleString('en-US')}`,
        met: rate(fromMemory.ms) >= TARGET,
      },
      { name: 'parse from memory, first run (cold)', value: rate(cold.ms), unit: 'records/s' },
      {
        name: 'parse from a file (stream)',
        value: rate(fromFileMs),
        unit: 'records/s',
        baseline: { name: 'line scan only', value: scanRate },
        target: `>= ${TARGET.toLocaleString('en-US')}`,
        met: rate(fromFileMs) >= TARGET,
      },
      { name: 'import plan with rotation CSV', value: plan.ms, unit: 'ms' },
      { name: 'import plan from onward flights', value: derived.ms, unit: 'ms' },
      { name: `check continuity, ${season.legCount} legs`, value: continuity.ms, unit: 'ms' },
      { name: 'check minimum ground time', value: ground.ms, unit: 'ms' },
      { name: 'check designator uniqueness', value: designators.ms, unit: 'ms' },
      { name: 'all three checks', value: continuity.ms + ground.ms + designators.ms, unit: 'ms' },
      { name: 'generate the season', value: gen.ms, unit: 'ms' },
    ];
    return rows;
  },
};

export default suite;
