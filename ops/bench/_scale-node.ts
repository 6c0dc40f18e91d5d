/**
 * One size and one phase of the scale benchmark, in a process of its own (so heaps and RSS are
 * its alone): `node --expose-gc --max-old-space-size=N --import tsx ops/bench/_scale-node.ts
 * MULTIPLIER DATA_DIR import|read`. Progress on stderr; the figures as one JSON line on stdout.
 * Importing this module runs it: other modules take its types only.
 *
 * import: generates `seasonOfSize(MULTIPLIER)`, starts a node as `npm start` does (LMDB journal
 *   with `flush` durability, entities where `defaultWorkers` puts them: on the main thread on up
 *   to two cores, else one worker per core; the view replica on the main thread) and loads the season through `loadSeason`, the code behind `--demo-season`. Import
 *   time is until the import and the assignment sagas are done; then until the node's view has
 *   applied the head. The main thread's event-loop stalls are watched throughout. A failed
 *   import is reported as such (`ImportFailed`), with how far it got.
 * read: the same season's events, decided by the real deciders and saga in this process, are
 *   appended to an LMDB journal directly (so this phase does not depend on the import's
 *   success); an embedded view is rebuilt from it on this thread alone (read + decode + apply,
 *   batches of 512), its heap measured after GC, and one snapshot of it written; then a node is
 *   started on the journal (its view rebuilds from offset 0, as after a restart without a view
 *   snapshot) and the checks are queried through its view pool as JSON (what HTTP sends), one at
 *   a time and never from the replica's answer cache; last, the node is stopped.
 */
import { readdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { defineCli, EXIT_USAGE, UsageError } from '../../src/cli/args.ts';
import { generateSeason, seasonOfSize, type Season } from '../../src/domain/season/season.ts';
import { startService, type Service } from '../../src/service/service.ts';
import { defaultWorkers, type ServiceConfig } from '../../src/service/config.ts';
import { loadSeason } from '../../src/service/demo-season.ts';
import { domainUpcasters } from '../../src/service/schema.ts';
import { lmdbJournal } from '../../src/persistence/index.ts';
import { MemoryScheduleView } from '../../src/views/memory-view.ts';
import { writeSnapshotFile } from '../../src/views/snapshot-file.ts';
import type { ViewPool, ViewQuery } from '../../src/views/index.ts';
import { seasonFeed } from '../../test/views/fixtures/season-feed.ts';
import { appendFeed } from '../../test/views/fixtures/journal-feed.ts';
import { percentile } from './harness.ts';

export type CheckTag = 'Continuity' | 'GroundTime' | 'Designators' | 'Equipment';
const CHECKS: readonly CheckTag[] = ['Continuity', 'GroundTime', 'Designators', 'Equipment'];

export interface ImportFigures {
  readonly _tag: 'Imported' | 'ImportFailed';
  readonly multiplier: number;
  readonly legs: number;
  /** Why the import failed (ImportFailed only). */
  readonly message: string;
  /** Events in the journal when the import finished or failed. */
  readonly events: number;
  readonly generateMs: number;
  /** Until the import and the sagas finished (acknowledged, durable), or failed. */
  readonly importMs: number;
  /** Process CPU (every thread) over the import. */
  readonly importCpuMs: number;
  /** Until the node's view had applied the head, from the start of the import. */
  readonly viewCaughtUpMs: number;
  /** The main thread's event loop over the import (journal, view, importer and HTTP run there). */
  readonly loopDelayMaxMs: number;
  readonly loopDelayP99Ms: number;
  readonly rssAfterLoad: number;
  readonly peakRss: number;
  readonly mainHeapAfterLoad: number;
  /** Allocated bytes of the LMDB environment. */
  readonly journalBytes: number;
}

export interface QueryFigures {
  readonly n: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly violations: number;
}

export interface ReadFigures {
  readonly _tag: 'Read';
  readonly multiplier: number;
  readonly legs: number;
  readonly events: number;
  /** Deciding the season's events in this process, and appending them to the journal. */
  readonly feedMs: number;
  readonly appendMs: number;
  readonly journalBytes: number;
  /** startService until every view replica has caught up (a rebuild from offset 0). */
  readonly nodeReadyMs: number;
  readonly nodeReadyLoopDelayMaxMs: number;
  readonly rssReady: number;
  readonly mainHeapReady: number;
  readonly queries: Record<CheckTag, QueryFigures>;
  /** service.stop(), which writes the view snapshot. */
  readonly stopMs: number;
  readonly rebuildMs: number;
  readonly rebuildCpuMs: number;
  readonly applyMs: number;
  readonly viewHeapBytes: number;
  readonly viewLegs: number;
  /** One snapshot of the rebuilt view: taking it, encoding and writing the file; its longest stall. */
  readonly snapshotMs: number;
  readonly snapshotStallMs: number;
  readonly snapshotBytes: number;
}

export type PhaseFigures = ImportFigures | ReadFigures;

// A fixed positional contract with ops/bench/scale.ts, its only caller; no flags of its own.
const cli = defineCli({
  name: '_scale-node',
  usage: 'usage: node --expose-gc --import tsx ops/bench/_scale-node.ts MULTIPLIER DATA_DIR import|read',
  positionals: true,
  flags: {},
});
let multiplier = 0;
let dir = '';
let phase: 'import' | 'read' = 'read';
try {
  const parsed = cli.parse(process.argv.slice(2));
  if (parsed.help) {
    console.log(cli.help());
    process.exit(0);
  }
  const [m, d, p, ...extra] = parsed.positionals;
  if (extra.length > 0 || !(Number(m) > 0) || !d || (p !== 'import' && p !== 'read'))
    throw new UsageError(`expected MULTIPLIER (> 0) DATA_DIR import|read, got ${JSON.stringify(parsed.positionals)}`);
  [multiplier, dir, phase] = [Number(m), d, p];
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  console.error(cli.usageText(error));
  process.exit(EXIT_USAGE);
}
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) {
  console.error('_scale-node: run with --expose-gc');
  process.exit(2);
}
const say = (line: string) => process.stderr.write(`  [${multiplier}x ${phase}] ${line}\n`);
const cpuMs = (since: NodeJS.CpuUsage) => {
  const c = process.cpuUsage(since);
  return (c.user + c.system) / 1000;
};
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const count = (n: number) => n.toLocaleString('en-US');
const config: ServiceConfig = {
  host: '127.0.0.1',
  port: 0,
  data: dir,
  workers: defaultWorkers(os.availableParallelism()),
  demoSeason: false,
  durability: 'flush',
};
// The node's failures, not its late replies (dead letters follow every timeout; the suite counts them).
const nodeLog = (line: string) => (/fail|error|refus/i.test(line) && !line.includes('dead letter') ? say(line) : undefined);

function diskBytes(p: string): number {
  let bytes = 0;
  for (const f of readdirSync(p, { recursive: true }) as string[]) {
    const st = statSync(path.join(p, f));
    if (st.isFile()) bytes += st.blocks * 512;
  }
  return bytes;
}

/** The event loop's delays from now on. Its timer records from its second tick, so this waits
 * for a few ticks: a stall right after enable() would otherwise go unseen. */
async function stalls(): Promise<IntervalHistogram> {
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  await new Promise((r) => setTimeout(r, 50));
  return h;
}

/** A progress line every 30 s: where the feed and the view are, RSS, the longest stall since the last line. */
async function progress(service: Service, t0: number): Promise<() => void> {
  const window = await stalls();
  const timer = setInterval(() => {
    const l = service.views.lag()[0];
    say(
      `  … ${s(performance.now() - t0)}: feed offset ${count(l?.head ?? 0)}, view at ${count(l?.offset ?? 0)}, rss ${(process.memoryUsage.rss() / 2 ** 30).toFixed(2)} GiB, longest event-loop stall ${(window.max / 1e6).toFixed(0)} ms`,
    );
    window.reset();
  }, 30_000);
  return () => {
    clearInterval(timer);
    window.disable();
  };
}

async function waitForView(views: ViewPool, head: number): Promise<void> {
  while (views.lag().some((l) => l.offset < head)) await new Promise((r) => setTimeout(r, 20));
}

interface QueryPlan {
  readonly rotations: readonly string[];
  /** The season's first midnight, epoch ms, and its length in hours. */
  readonly first: number;
  readonly hours: number;
}

const SHAPES = ['a rotation', 'a week', 'the whole schedule'] as const;

/**
 * Sequential queries of one check, pages of 100 as the planner page asks: a rotation's, a week's,
 * the whole schedule's (up to an hour that moves back each time). The replica caches answers by
 * query until a violation changes: no two queries here are the same, so each one is computed.
 * A warm-up of `n / 10` others first (the view sorts its violation sets on the first query).
 */
async function checkQueries(views: ViewPool, tag: CheckTag, plan: QueryPlan, n: number): Promise<QueryFigures> {
  const { rotations, first, hours } = plan;
  const query = (i: number): ViewQuery => {
    const at = first + ((i * 31) % hours) * 3_600_000;
    return i % 3 === 0
      ? { _tag: tag, filters: { rotationId: rotations[(i * 7919) % rotations.length] as string, limit: 100 } }
      : i % 3 === 1
        ? { _tag: tag, filters: { from: at, to: at + 7 * 86_400_000, limit: 100 } }
        : { _tag: tag, filters: { to: first + hours * 3_600_000 - (i % hours) * 3_600_000, limit: 100 } };
  };
  const whole = JSON.parse((await views.queryJson({ _tag: tag, filters: { limit: 1 } })).answer) as { total: number };
  const warm = Math.ceil(n / 10);
  for (let i = 0; i < warm; i++) await views.queryJson(query(n + i));
  const ms: number[] = [];
  const byShape: number[][] = [[], [], []];
  for (let i = 0; i < n; i++) {
    const q = query(i);
    const t0 = performance.now();
    await views.queryJson(q);
    const d = performance.now() - t0;
    ms.push(d);
    byShape[i % 3]?.push(d);
  }
  say(
    `${tag}: ${whole.total} violations; p99 by shape: ${SHAPES.map((s, k) => `${s} ${percentile(byShape[k] ?? [], 99).toFixed(3)} ms`).join(', ')}`,
  );
  return { n, p50: percentile(ms, 50), p99: percentile(ms, 99), max: Math.max(...ms), violations: whole.total };
}

async function importPhase(): Promise<ImportFigures> {
  let t0 = performance.now();
  let season: Season | null = generateSeason(seasonOfSize(multiplier));
  const generateMs = performance.now() - t0;
  const legs = season.legCount;
  say(`generated ${count(legs)} legs, ${season.airplanes.length} airplanes in ${s(generateMs)}`);
  const service = await startService(config, nodeLog);
  await service.views.ready;
  const loop = await stalls();
  const c0 = process.cpuUsage();
  t0 = performance.now();
  const stopProgress = await progress(service, t0);
  const result = await loadSeason(season, service.gateway, service.importer, say);
  // As in the node, the generated season is garbage once loaded.
  season = null;
  const importMs = performance.now() - t0;
  const importCpuMs = cpuMs(c0);
  const events = await service.journal.headOffset();
  const ok = result.state === 'done' && result.commandsRejected === 0;
  if (ok) await waitForView(service.views, events);
  const viewCaughtUpMs = performance.now() - t0;
  stopProgress();
  loop.disable();
  say(
    `import ${result.state}: ${count(result.commandsApplied)} rotation commands applied, ${result.commandsRejected} refused, ${count(events)} events in ${s(importMs)}${ok ? `; view caught up at ${s(viewCaughtUpMs)}` : `: ${result.message}`}`,
  );
  gc?.();
  const rssAfterLoad = process.memoryUsage.rss();
  const mainHeapAfterLoad = process.memoryUsage().heapUsed;
  const figures = {
    _tag: ok ? 'Imported' : 'ImportFailed',
    multiplier,
    legs,
    message: ok ? '' : result.message,
    events,
    generateMs,
    importMs,
    importCpuMs,
    viewCaughtUpMs,
    loopDelayMaxMs: loop.max / 1e6,
    loopDelayP99Ms: loop.percentile(99) / 1e6,
    rssAfterLoad,
    mainHeapAfterLoad,
  } as const;
  // A failed load leaves sagas and entities retrying; its journal is not measured.
  if (!ok) return { ...figures, peakRss: process.resourceUsage().maxRSS * 1024, journalBytes: diskBytes(path.join(dir, 'journal')) };
  await service.stop();
  return { ...figures, peakRss: process.resourceUsage().maxRSS * 1024, journalBytes: diskBytes(path.join(dir, 'journal')) };
}

async function readPhase(): Promise<ReadFigures> {
  let t0 = performance.now();
  const options = seasonOfSize(multiplier);
  let world: ReturnType<typeof seasonFeed> | null = seasonFeed({ season: options });
  const feedMs = performance.now() - t0;
  const events = world.feed.length;
  const legs = world.feed.reduce((n, e) => n + (e.type === 'LegAdded' ? 1 : 0), 0);
  const plan: QueryPlan = {
    rotations: [...world.rotations.keys()],
    first: Date.parse(`${options.startDate}T00:00:00Z`),
    hours: options.days * 24,
  };
  const journal0 = await lmdbJournal({ path: path.join(dir, 'journal'), durability: 'commit', upcasters: domainUpcasters() });
  t0 = performance.now();
  await appendFeed(journal0, world.feed, 512);
  const appendMs = performance.now() - t0;
  await journal0.close();
  world = null;
  say(`${count(events)} events decided in ${s(feedMs)}, appended to the journal in ${s(appendMs)}`);

  // The rebuild a node without a view snapshot does at start, on this thread alone, before any
  // node has run in this process (after a node with its entities on this thread, the same heap
  // delta came out at twice the size: the node leaves state behind that GC timing can shift).
  const journal = await lmdbJournal({ path: path.join(dir, 'journal'), durability: 'commit', upcasters: domainUpcasters() });
  gc?.();
  let view: MemoryScheduleView | null = new MemoryScheduleView();
  let viewLegs = 0;
  let applyMs = 0;
  const c0 = process.cpuUsage();
  t0 = performance.now();
  for (let from = 1; ; ) {
    const batch = await journal.read(from, 512);
    if (batch.length === 0) break;
    for (const e of batch) viewLegs += e.type === 'LegAdded' ? 1 : e.type === 'LegRemoved' ? -1 : 0;
    const a = performance.now();
    view.applyNow(batch);
    applyMs += performance.now() - a;
    from = (batch[batch.length - 1]?.offset as number) + 1;
  }
  const rebuildMs = performance.now() - t0;
  const rebuildCpuMs = cpuMs(c0);
  await journal.close();
  if (view.offsetNow() !== events) throw new Error(`the rebuilt view is at ${view.offsetNow()}, the journal's head is ${events}`);
  gc?.();
  const withView = process.memoryUsage().heapUsed;

  // What the node's replica does every 50,000 applied events (src/views/replica.ts).
  const snapLoop = await stalls();
  t0 = performance.now();
  const snapshotBytes = await writeSnapshotFile(path.join(dir, 'bench-view.snap'), view.snapshot());
  const snapshotMs = performance.now() - t0;
  snapLoop.disable();
  view = null;
  gc?.();
  const viewHeapBytes = withView - process.memoryUsage().heapUsed;
  say(
    `rebuilt ${count(events)} events in ${s(rebuildMs)} (apply alone ${s(applyMs)}); view heap ${(viewHeapBytes / 2 ** 20).toFixed(0)} MiB (${(viewHeapBytes / viewLegs).toFixed(0)} bytes/leg); one view snapshot ${s(snapshotMs)}, longest stall ${(snapLoop.max / 1e6).toFixed(0)} ms`,
  );

  gc?.();
  const loop = await stalls();
  t0 = performance.now();
  const service = await startService(config, nodeLog);
  const stopProgress = await progress(service, t0);
  await service.views.ready;
  const nodeReadyMs = performance.now() - t0;
  stopProgress();
  loop.disable();
  gc?.();
  const rssReady = process.memoryUsage.rss();
  const mainHeapReady = process.memoryUsage().heapUsed;
  say(
    `node ready (view rebuilt from offset 0) in ${s(nodeReadyMs)}, longest event-loop stall ${(loop.max / 1e6).toFixed(0)} ms, rss ${(rssReady / 2 ** 30).toFixed(2)} GiB`,
  );
  const n = Math.max(150, Math.min(1_500, Math.round(1_500 * multiplier)));
  const queries = {} as Record<CheckTag, QueryFigures>;
  for (const tag of CHECKS) {
    queries[tag] = await checkQueries(service.views, tag, plan, n);
    say(
      `${tag}: ${queries[tag].violations} violations; ${n} queries p50 ${queries[tag].p50.toFixed(3)} ms, p99 ${queries[tag].p99.toFixed(3)} ms, max ${queries[tag].max.toFixed(1)} ms`,
    );
  }
  t0 = performance.now();
  await service.stop();
  const stopMs = performance.now() - t0;
  const journalBytes = diskBytes(path.join(dir, 'journal'));

  return {
    _tag: 'Read',
    multiplier,
    legs,
    events,
    feedMs,
    appendMs,
    journalBytes,
    nodeReadyMs,
    nodeReadyLoopDelayMaxMs: loop.max / 1e6,
    rssReady,
    mainHeapReady,
    queries,
    stopMs,
    rebuildMs,
    rebuildCpuMs,
    applyMs,
    viewHeapBytes,
    viewLegs,
    snapshotMs,
    snapshotStallMs: snapLoop.max / 1e6,
    snapshotBytes,
  };
}

const figures: PhaseFigures = phase === 'import' ? await importPhase() : await readPhase();
process.stdout.write(`${JSON.stringify(figures)}\n`);
process.exit(0);
