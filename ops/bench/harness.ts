/**
 * The shared shape of every benchmark suite under ops/bench/.
 *
 * A suite is a module `ops/bench/<name>.ts` whose default export is a `Suite`. `run.ts` loads it
 * by name (`npm run bench -- <name> [--json]`), runs it, and prints its rows as a table, or as
 * JSON with `--json`, so later work can compare runs. Each row that has a baseline carries it in
 * the same row, measured in the same process run: on a noisy 2-core machine only ratios taken in
 * one run are stable.
 */
import os from 'node:os';

export interface Row {
  /** What was measured, e.g. "local tell, 1 actor". */
  readonly name: string;
  readonly value: number;
  /** e.g. "msg/s", "µs", "bytes/actor". */
  readonly unit: string;
  /** The baseline measured in the same run, if the row has one. */
  readonly baseline?: { readonly name: string; readonly value: number };
  /** The target from the issue, as text, e.g. ">= 90% of raw nact". */
  readonly target?: string;
  /** Did the figure meet the target? Undefined when there is no target. */
  readonly met?: boolean;
}

export interface SuiteOptions {
  /** Scale factor for iteration counts; 1 is the documented run, smaller is a quick run. */
  readonly scale: number;
  readonly log: (line: string) => void;
}

export interface Suite {
  readonly name: string;
  readonly description: string;
  run(options: SuiteOptions): Promise<Row[]>;
}

export interface Report {
  readonly suite: string;
  readonly startedAt: string;
  readonly machine: { readonly cpus: number; readonly cpuModel: string; readonly memoryGiB: number; readonly node: string };
  readonly rows: Row[];
}

export function machine(): Report['machine'] {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
  };
}

function fmt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Math.abs(n) >= 1000) return Math.round(n).toLocaleString('en-US');
  if (Math.abs(n) >= 10) return n.toFixed(1);
  return n.toFixed(3);
}

export function table(report: Report): string {
  const header = ['benchmark', 'value', 'unit', 'baseline', 'ratio', 'target', 'met'];
  const lines = report.rows.map((r) => [
    r.name,
    fmt(r.value),
    r.unit,
    r.baseline ? `${r.baseline.name}: ${fmt(r.baseline.value)}` : '',
    r.baseline && r.baseline.value !== 0 ? `${((r.value / r.baseline.value) * 100).toFixed(1)}%` : '',
    r.target ?? '',
    r.met === undefined ? '' : r.met ? 'yes' : 'NO',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const row = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  const m = report.machine;
  return [
    `suite ${report.suite} — ${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB, node ${m.node}, ${report.startedAt}`,
    row(header),
    row(widths.map((w) => '-'.repeat(w))),
    ...lines.map(row),
  ].join('\n');
}

/** Percentile of an unsorted sample (nearest-rank). */
export function percentile(sample: readonly number[], p: number): number {
  if (sample.length === 0) return NaN;
  const sorted = [...sample].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

/**
 * Times `n` sequential round trips (after a warm-up of up to `warmup`), in microseconds: p50, p99
 * and round trips per second.
 */
export async function roundTrips(
  call: () => Promise<unknown>,
  n: number,
  warmup = 1_000,
): Promise<{ p50: number; p99: number; rate: number }> {
  for (let i = 0; i < Math.min(warmup, n); i++) await call();
  const sample: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const s = performance.now();
    await call();
    sample.push((performance.now() - s) * 1000);
  }
  return { p50: percentile(sample, 50), p99: percentile(sample, 99), rate: n / ((performance.now() - t0) / 1000) };
}
