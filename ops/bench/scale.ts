/**
 * How cost grows with the schedule (issue 17): `npm run bench -- scale [--scale=0.1]`.
 *
 * The demo season (181,267 legs, 300 airplanes) and ten times it (3,000 airplanes, ~1.8 M legs,
 * `seasonOfSize(10)`: the same legs per airplane and day, the same days and airports), each
 * measured alike in two node processes of its own (_scale-node.ts: heap capped, --expose-gc):
 * - import: the season through the node's write path, the code behind `--demo-season` (airports,
 *   airplanes, the rotations as one planned import through the entities, the assignment sagas;
 *   LMDB journal with `flush` durability; threads as `npm start` chooses them): time, legs/s, CPU per leg, until the
 *   node's view has applied it, the main thread's longest event-loop stall, the node's RSS and
 *   the journal on disk. An import that fails is reported with how far it got.
 * - read: the season's events appended to a journal directly (so these figures do not depend on
 *   the import), a node started on it (its view rebuilt from offset 0), check queries through its
 *   view pool as JSON one at a time and never from the replica's answer cache (p50 and p99 of
 *   each check), the node's RSS; then, on one thread, a rebuild of the embedded view from the
 *   journal (events/s), the view's heap per leg after GC, and the time of one view snapshot.
 * `--scale=X` runs X and 10X times the season (0.1: 0.1x and 1x, about a minute; 1: 8-10 minutes).
 *
 * Rows give the larger size as the value and the smaller as the baseline, so the ratio column is
 * the growth: linear is 1,000% for totals and times, 100% for rates and per-leg figures.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CheckTag, ImportFigures, PhaseFigures, ReadFigures } from './_scale-node.ts';
import type { Row, Suite, SuiteOptions } from './harness.ts';

const CHILD = fileURLToPath(new URL('./_scale-node.ts', import.meta.url));
const CHECKS: readonly CheckTag[] = ['Continuity', 'GroundTime', 'Designators', 'Equipment'];

/** Heap cap per isolate (V8's flag applies to the main thread and each worker alike), in MiB: the
 * 10x processes peaked at 2.3-3.2 GiB RSS over all their threads, the main heap under 1 GiB. */
function heapCapMiB(multiplier: number): number {
  return Math.min(8_192, Math.max(1_024, Math.round(1_024 + 400 * multiplier)));
}

/** The node's own warnings (timeouts, retries) are counted, and the first two of each kind shown. */
function nodeLog(o: SuiteOptions): { line: (l: string) => void; summary: () => void } {
  const kinds = new Map<string, number>();
  return {
    line: (l) => {
      if (l.startsWith('  [')) return o.log(l);
      const kind = l.replace(/[0-9a-z]*[0-9][0-9a-z]*/g, '#');
      const n = (kinds.get(kind) ?? 0) + 1;
      kinds.set(kind, n);
      if (n <= 2) o.log(`  node: ${l}`);
    },
    summary: () => {
      const total = [...kinds.values()].reduce((a, b) => a + b, 0);
      if (total > 0) o.log(`  node: ${total} warning lines in all, of ${kinds.size} kinds`);
    },
  };
}

type Timed<F> = F & { readonly wallMs: number };

async function run<F extends PhaseFigures>(multiplier: number, phase: 'import' | 'read', o: SuiteOptions): Promise<Timed<F>> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'aloft-scale-'));
  const t0 = performance.now();
  try {
    const cap = heapCapMiB(multiplier);
    o.log(`${multiplier}x ${phase}: a node process with --max-old-space-size=${cap}, data in ${dir}`);
    const child = spawn(
      process.execPath,
      ['--expose-gc', `--max-old-space-size=${cap}`, '--import', 'tsx', CHILD, String(multiplier), dir, phase],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
    const log = nodeLog(o);
    let partial = '';
    child.stderr.setEncoding('utf8').on('data', (s: string) => {
      const lines = (partial + s).split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) log.line(l);
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    if (partial !== '') log.line(partial);
    log.summary();
    if (code !== 0) throw new Error(`the ${multiplier}x ${phase} process exited with ${code}`);
    const figures = JSON.parse(out.trim().split('\n').pop() as string) as F;
    if (figures._tag === 'ImportFailed')
      o.log(
        `${multiplier}x: THE IMPORT FAILED after ${(figures.importMs / 1000).toFixed(0)} s at ${figures.events.toLocaleString('en-US')} events (longest event-loop stall ${figures.loopDelayMaxMs.toFixed(0)} ms): ${figures.message}`,
      );
    return { ...figures, wallMs: performance.now() - t0 };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

interface Measure<F> {
  readonly name: string;
  readonly unit: string;
  /** How the figure would grow if cost were linear in legs: 'total' like the legs, 'rate' not at all. */
  readonly kind: 'total' | 'rate';
  readonly of: (f: Timed<F>) => number;
}

const MiB = 2 ** 20;
const IMPORT: readonly Measure<ImportFigures>[] = [
  { name: 'legs', unit: 'legs', kind: 'total', of: (f) => f.legs },
  { name: 'import: season through the node (import + sagas)', unit: 's', kind: 'total', of: (f) => f.importMs / 1000 },
  { name: 'import rate', unit: 'legs/s', kind: 'rate', of: (f) => f.legs / (f.importMs / 1000) },
  { name: 'import CPU per leg (all threads)', unit: 'µs/leg', kind: 'rate', of: (f) => (f.importCpuMs * 1000) / f.legs },
  { name: "import until the node's view has applied it", unit: 's', kind: 'total', of: (f) => f.viewCaughtUpMs / 1000 },
  { name: 'import: longest main-thread event-loop stall', unit: 'ms', kind: 'rate', of: (f) => f.loopDelayMaxMs },
  { name: 'import: main-thread event-loop delay p99', unit: 'ms', kind: 'rate', of: (f) => f.loopDelayP99Ms },
  { name: "import: node RSS after the load (main thread GC'd)", unit: 'MiB', kind: 'total', of: (f) => f.rssAfterLoad / MiB },
  { name: 'import: node peak RSS', unit: 'MiB', kind: 'total', of: (f) => f.peakRss / MiB },
  { name: 'import: node main-thread heap after the load', unit: 'MiB', kind: 'total', of: (f) => f.mainHeapAfterLoad / MiB },
  { name: 'import: journal on disk (with import records, entity snapshots)', unit: 'MiB', kind: 'total', of: (f) => f.journalBytes / MiB },
  { name: 'import: wall time of the process', unit: 's', kind: 'total', of: (f) => f.wallMs / 1000 },
];
const READ: readonly Measure<ReadFigures>[] = [
  { name: 'read: events in the journal', unit: 'events', kind: 'total', of: (f) => f.events },
  { name: 'read: journal on disk (events only)', unit: 'MiB', kind: 'total', of: (f) => f.journalBytes / MiB },
  { name: 'read: journal on disk per event', unit: 'bytes/event', kind: 'rate', of: (f) => f.journalBytes / f.events },
  { name: 'read: node start until its view is ready (rebuild from 0)', unit: 's', kind: 'total', of: (f) => f.nodeReadyMs / 1000 },
  { name: 'read: the same, longest main-thread event-loop stall', unit: 'ms', kind: 'rate', of: (f) => f.nodeReadyLoopDelayMaxMs },
  { name: "read: node RSS with the view ready (main thread GC'd)", unit: 'MiB', kind: 'total', of: (f) => f.rssReady / MiB },
  { name: 'read: node main-thread heap with the view ready', unit: 'MiB', kind: 'total', of: (f) => f.mainHeapReady / MiB },
  ...CHECKS.flatMap((c): Measure<ReadFigures>[] => [
    { name: `read: ${c} check query p50`, unit: 'ms', kind: 'rate', of: (f) => f.queries[c].p50 },
    { name: `read: ${c} check query p99`, unit: 'ms', kind: 'rate', of: (f) => f.queries[c].p99 },
    { name: `read: ${c} violations`, unit: 'violations', kind: 'total', of: (f) => f.queries[c].violations },
  ]),
  { name: 'read: node stop (writes the view snapshot)', unit: 's', kind: 'total', of: (f) => f.stopMs / 1000 },
  {
    name: 'read: view rebuild from the journal (read, decode, apply)',
    unit: 'events/s',
    kind: 'rate',
    of: (f) => f.events / (f.rebuildMs / 1000),
  },
  { name: 'read: view rebuild, apply alone', unit: 'events/s', kind: 'rate', of: (f) => f.events / (f.applyMs / 1000) },
  { name: 'read: view rebuild CPU per event', unit: 'µs/event', kind: 'rate', of: (f) => (f.rebuildCpuMs * 1000) / f.events },
  { name: 'read: view heap (embedded view, after GC)', unit: 'MiB', kind: 'total', of: (f) => f.viewHeapBytes / MiB },
  { name: 'read: view heap per leg', unit: 'bytes/leg', kind: 'rate', of: (f) => f.viewHeapBytes / f.viewLegs },
  { name: 'read: one view snapshot (take, encode, write)', unit: 's', kind: 'total', of: (f) => f.snapshotMs / 1000 },
  { name: 'read: the same, longest event-loop stall', unit: 'ms', kind: 'total', of: (f) => f.snapshotStallMs },
  { name: 'read: view snapshot file', unit: 'MiB', kind: 'total', of: (f) => f.snapshotBytes / MiB },
  { name: 'read: wall time of the process', unit: 's', kind: 'total', of: (f) => f.wallMs / 1000 },
];

function fmt(n: number): string {
  if (!Number.isFinite(n)) return '—';
  if (Math.abs(n) >= 1000) return Math.round(n).toLocaleString('en-US');
  if (Math.abs(n) >= 10) return n.toFixed(1);
  return n.toFixed(3);
}

/** Both sizes side by side, with the growth and what linear growth would be. */
function sideBySide<F>(
  measures: readonly Measure<F>[],
  small: Timed<F> | undefined,
  big: Timed<F> | undefined,
  k: number,
  labels: readonly [string, string],
): string[] {
  const head = ['', labels[0], labels[1], 'growth', `linear (x${k.toFixed(2)} legs)`, 'unit'];
  const lines = measures.map((m) => {
    const a = small ? m.of(small) : NaN;
    const b = big ? m.of(big) : NaN;
    return [
      m.name,
      fmt(a),
      fmt(b),
      Number.isFinite(a / b) && a !== 0 ? `x${(b / a).toFixed(2)}` : '',
      m.kind === 'total' ? `x${k.toFixed(2)}` : 'x1',
      m.unit,
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  return [head, ...lines].map((cells) =>
    cells
      .map((c, i) => (i === 0 || i === 5 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}

function rows<F>(
  measures: readonly Measure<F>[],
  small: Timed<F> | undefined,
  big: Timed<F> | undefined,
  labels: readonly [string, string],
): Row[] {
  if (!big) return small ? measures.map((m) => ({ name: `${m.name}, ${labels[0]}`, value: m.of(small), unit: m.unit })) : [];
  return measures.map((m) => ({
    name: `${m.name}, ${labels[1]}`,
    value: m.of(big),
    unit: m.unit,
    ...(small ? { baseline: { name: labels[0], value: m.of(small) } } : {}),
  }));
}

function failedRows(f: Timed<ImportFigures>): Row[] {
  return [
    {
      name: `import of the ${f.multiplier}x season (${f.legs} legs) FAILED: events stored when it failed`,
      value: f.events,
      unit: 'events',
    },
    { name: '  the same: failed after', value: f.importMs / 1000, unit: 's' },
    { name: '  the same: events stored per second until then', value: f.events / (f.importMs / 1000), unit: 'events/s' },
    { name: '  the same: longest main-thread event-loop stall', value: f.loopDelayMaxMs, unit: 'ms' },
    { name: '  the same: node peak RSS', value: f.peakRss / MiB, unit: 'MiB' },
  ];
}

const suite: Suite = {
  name: 'scale',
  description: 'the demo season and ten times it: import, journal, view rebuild and memory, check latency, RSS',
  async run(o) {
    const sizes = [o.scale, o.scale * 10] as const;
    const labels = [`${sizes[0]}x`, `${sizes[1]}x`] as const;
    const t0 = performance.now();
    const imports: Timed<ImportFigures>[] = [];
    const reads: Timed<ReadFigures>[] = [];
    for (const m of sizes) {
      imports.push(await run<ImportFigures>(m, 'import', o));
      reads.push(await run<ReadFigures>(m, 'read', o));
    }
    o.log(
      `\nall runs in ${((performance.now() - t0) / 1000).toFixed(0)} s (${os.cpus().length} cores, shared; load average now ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')})\n`,
    );
    const ok = imports.map((f) => (f._tag === 'Imported' ? f : undefined));
    const k = (reads[1]?.legs ?? 1) / (reads[0]?.legs ?? 1);
    for (const line of sideBySide(IMPORT, ok[0], ok[1], k, labels)) o.log(line);
    o.log('');
    for (const line of sideBySide(READ, reads[0], reads[1], k, labels)) o.log(line);
    return [
      ...(ok[0] ? rows(IMPORT, ok[0], ok[1], labels) : []),
      ...imports.flatMap((f) => (f._tag === 'ImportFailed' ? failedRows(f) : [])),
      ...rows(READ, reads[0], reads[1], labels),
    ];
  },
};

export default suite;
