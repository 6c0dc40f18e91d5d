/**
 * Frame time of the planner page on a full season: starts a node with the generated demo season
 * (~180,000 legs; loading takes a minute or two), opens the page in headless Debian chromium,
 * waits until the page has folded the whole feed and the checks, then scrolls the chart diagonally
 * one step per animation frame (10 px down, 40 px right: 600 frames stay inside the chart) and reports the requestAnimationFrame deltas and the draw time of
 * each frame (p50/p95/max). Not part of CI: too slow for it.
 *
 *   node --import tsx ops/bench/_page-frames.ts [--frames 600] [--keep]
 */
import { mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { defineCli, EXIT_USAGE, type FlagValues, UsageError } from '../../src/cli/args.ts';
import { startService } from '../../src/service/service.ts';

interface Hooks {
  ready: boolean;
  legCount(): number;
  rowCount(): number;
  violationCount(): number;
  measureScroll(frames: number, dy: number, dx: number): Promise<{ deltas: number[]; draws: number[] }>;
}
// The page's test hooks, as the browser sees them (tsconfig has no DOM lib).
declare const window: { aloft: Hooks };

const cli = defineCli({
  name: '_page-frames',
  usage: 'usage: node --import tsx ops/bench/_page-frames.ts [--frames N] [--keep]',
  flags: {
    frames: { type: 'string', default: '600', help: 'animation frames to scroll and measure' },
    keep: { type: 'boolean', help: "keep the node's data directory" },
  },
});
let flags: FlagValues<typeof cli.spec.flags>;
try {
  const parsed = cli.parse(process.argv.slice(2));
  if (parsed.help) {
    console.log(cli.help());
    process.exit(0);
  }
  flags = parsed.values;
  if (!/^[1-9]\d*$/.test(flags.frames)) throw new UsageError(`--frames must be a positive integer, got "${flags.frames}"`);
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  console.error(cli.usageText(error));
  process.exit(EXIT_USAGE);
}
const frames = Number(flags.frames);
const dir = mkdtempSync(path.join(os.tmpdir(), 'aloft-page-bench-'));
const started = performance.now();
let loaded: () => void;
const seasonLoaded = new Promise<void>((r) => (loaded = r));
const service = await startService(
  { host: '127.0.0.1', port: 0, data: dir, workers: Math.max(1, os.availableParallelism() - 1), demoSeason: true, durability: 'commit' },
  (line) => {
    if (line.startsWith('demo season')) console.log(line);
    if (line.startsWith('demo season: loaded')) loaded();
  },
);
await seasonLoaded;
const url = `http://127.0.0.1:${service.port}`;
const browser = await chromium.launch({
  executablePath: process.env.ALOFT_CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  const opened = performance.now();
  await page.goto(url);
  await page.waitForFunction(() => window.aloft?.ready === true, null, { timeout: 300_000, polling: 500 });
  const loadMs = performance.now() - opened;
  const model = await page.evaluate(() => {
    const a = window.aloft;
    return { legs: a.legCount(), rows: a.rowCount(), violations: a.violationCount() };
  });
  const result = await page.evaluate((n) => window.aloft.measureScroll(n, 10, 40), frames);
  mkdirSync('.bench', { recursive: true });
  await page.screenshot({ path: '.bench/page-season.png' });
  const pct = (xs: number[], p: number) => {
    const s = [...xs].sort((a, b) => a - b);
    return (s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0).toFixed(1);
  };
  const describe = (xs: number[]) =>
    `p50 ${pct(xs, 50)} ms, p95 ${pct(xs, 95)} ms, p99 ${pct(xs, 99)} ms, max ${Math.max(...xs).toFixed(1)} ms`;
  console.log(
    `season: ${model.legs} legs, ${model.rows} rotations, ${model.violations} violations; node start + season load ${((opened - started) / 1000).toFixed(0)} s`,
  );
  console.log(`page load (feed folded + checks read): ${(loadMs / 1000).toFixed(1)} s`);
  console.log(`scrolling ${result.deltas.length} frames (10 px down, 40 px right per frame, 1600x1000 viewport):`);
  console.log(`  frame interval (rAF delta): ${describe(result.deltas)}`);
  console.log(`  chart draw time per frame:   ${describe(result.draws)}`);
  console.log('  screenshot: .bench/page-season.png');
} finally {
  await browser.close();
  await service.stop();
  if (!flags.keep) rmSync(dir, { recursive: true, force: true });
}
