/**
 * Read-model benchmarks (ISSUE 5): `npm run bench -- views [--scale=0.3]`.
 *
 * - rebuild: the full default season (~180,000 legs, ~183,000 events, through the real deciders)
 *   applied to an empty MemoryScheduleView in feed batches of 512; best of 3 runs, wall clock and
 *   CPU. Baseline: the pure oracle recomputing the three checks from the same feed once
 *   (scheduleFromEvents + checkSchedule), i.e. what a view without incremental maintenance pays
 *   per answer.
 * - queries: a ViewPool over a memory journal holding the season, replicas in 2 worker threads
 *   answering as JSON strings (`queryJson`, what HTTP sends), then as objects (`query`), then one
 *   replica on the main thread; a writer appending ~500 live updates/s (a leg added after a
 *   rotation's last leg, removed on the next visit; one added leg in ten breaks continuity and
 *   duplicates a designator); and 32 concurrent query loops on the main
 *   thread: whole-schedule checks (limit 100), one rotation's checks, a week's checks, a rotation.
 *   Baseline: the paper's Neo4j read node, 175 validation queries/s at p99 132 ms on 4 cores.
 * - memory: V8 heap held by the view of the full season (feed released, after GC).
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import { AloftNode, ActorSystem } from '../../src/actors/index.ts';
import { checkSchedule, scheduleFromEvents, type DomainEvent } from '../../src/domain/index.ts';
import { memoryJournal, type EventEnvelope } from '../../src/persistence/index.ts';
import { MemoryScheduleView } from '../../src/views/memory-view.ts';
import { ViewPool } from '../../src/views/pool.ts';
import { seasonFeed } from '../../test/views/fixtures/season-feed.ts';
import { appendFeed } from '../../test/views/fixtures/journal-feed.ts';
import { liveWriter, queryLoad } from './_views-load.ts';
import type { Row, Suite, SuiteOptions } from './harness.ts';

const PAPER_QPS = 175;
const PAPER_P99_MS = 132;

function gc(): void {
  v8.setFlagsFromString('--expose-gc');
  (vm.runInNewContext('gc') as () => void)();
}

function rebuild(feed: readonly EventEnvelope[]): { wallMs: number; cpuMs: number; view: MemoryScheduleView } {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const view = new MemoryScheduleView();
  for (let i = 0; i < feed.length; i += 512) view.applyNow(feed.slice(i, i + 512));
  const wallMs = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { wallMs, cpuMs: (c.user + c.system) / 1000, view };
}

async function queryRows(
  feed: readonly EventEnvelope[],
  o: SuiteOptions,
  threads: readonly number[],
  json: boolean,
  label: string,
): Promise<Row[]> {
  const journal = await memoryJournal();
  await appendFeed(journal, feed, 512);
  const node = threads.some((t) => t > 0)
    ? await AloftNode.start({
        workers: Math.max(...threads),
        boot: new URL('../../src/views/worker-boot.ts', import.meta.url),
        log: () => undefined,
      })
    : undefined;
  const system = node?.system ?? new ActorSystem({ log: () => undefined });
  const t0 = performance.now();
  const pool = await ViewPool.start({ journal, system, threads });
  await pool.ready;
  o.log(`  ${label}: replicas rebuilt ${feed.length} events from the journal in ${Math.round(performance.now() - t0)} ms`);
  const writer = liveWriter(journal, feed, 500);
  const load = await queryLoad(pool, feed, { concurrency: 32, durationMs: Math.max(1_000, 6_000 * o.scale), json });
  const written = await writer.stop();
  const lag = pool.lag();
  o.log(
    `  ${label}: ${load.count} queries, ${written} live events written meanwhile, lag at end ${lag.map((l) => l.lag).join('/')}, errors ${load.errors}`,
  );
  await pool.stop();
  await node?.stop();
  if (!node) system.shutdown();
  await journal.close();
  return [
    {
      name: `check queries/s, ${label}, live updates`,
      value: load.qps,
      unit: 'q/s',
      baseline: { name: 'paper Neo4j read node (4 cores)', value: PAPER_QPS },
      target: '>= 5,000 q/s',
      met: load.qps >= 5_000,
    },
    {
      name: `check query p99, ${label}`,
      value: load.p99,
      unit: 'ms',
      baseline: { name: 'paper p99', value: PAPER_P99_MS },
      target: '<= 10 ms',
      met: load.p99 <= 10,
    },
    { name: `check query p50, ${label}`, value: load.p50, unit: 'ms' },
  ];
}

const suite: Suite = {
  name: 'views',
  description: 'schedule view: rebuild rate, check queries/s and p99 under live updates, memory',
  async run(o) {
    const rows: Row[] = [];
    const days = Math.max(10, Math.round(183 * Math.min(1, o.scale)));
    const t0 = performance.now();
    let feed: EventEnvelope[] | null = seasonFeed({ season: { days } }).feed;
    o.log(`season: ${days} days, ${feed.length} events through the deciders in ${Math.round(performance.now() - t0)} ms`);

    const runs = [rebuild(feed), rebuild(feed), rebuild(feed)];
    const best = runs.reduce((a, b) => (b.wallMs < a.wallMs ? b : a));
    const o0 = performance.now();
    checkSchedule(scheduleFromEvents(feed.map((e) => e.event as unknown as DomainEvent)));
    const oracleMs = performance.now() - o0;
    const rate = feed.length / (best.wallMs / 1000);
    rows.push({
      name: `rebuild of ${feed.length} events into the embedded view`,
      value: rate,
      unit: 'events/s',
      baseline: { name: 'oracle full recomputation', value: feed.length / (oracleMs / 1000) },
      target: '>= 200,000 events/s',
      met: rate >= 200_000,
    });
    rows.push({ name: 'rebuild, per CPU second (load-independent)', value: feed.length / (best.cpuMs / 1000), unit: 'events/cpu-s' });

    rows.push(...(await queryRows(feed, o, [1, 2], true, '2 worker replicas, JSON answers')));
    rows.push(...(await queryRows(feed, o, [1, 2], false, '2 worker replicas, object answers')));
    rows.push(...(await queryRows(feed, o, [0], true, '1 main-thread replica, JSON answers')));

    // Memory: everything but the view dropped, then a full GC before each reading.
    runs.length = 0;
    const events = feed.length;
    gc();
    let view: MemoryScheduleView | null = new MemoryScheduleView();
    for (let i = 0; i < events; i += 512) view.applyNow(feed.slice(i, i + 512));
    feed = null;
    gc();
    const with_ = process.memoryUsage().heapUsed;
    const legs = view.snapshot().rotations.reduce((n, r) => n + r[2].length, 0);
    view = null;
    gc();
    const after = process.memoryUsage().heapUsed;
    const bytes = with_ - after;
    rows.push({ name: `heap of the embedded view, ${legs} legs`, value: bytes / 2 ** 20, unit: 'MiB' });
    rows.push({ name: 'heap per leg', value: bytes / legs, unit: 'bytes/leg' });
    return rows;
  },
};

export default suite;
