/**
 * The Memgraph schedule view on a live Bolt server against the embedded view, on the demo season:
 * `npm run bench -- bolt [--scale=0.1]`, with MEMGRAPH_URL set (e.g. by
 * `eval "$(npm run -s backends -- up --only bolt)"`, which starts Neo4j Community on loopback).
 *
 * - rebuild: the season's feed (full season: ~180,000 legs, ~183,000 events, through the real
 *   deciders) applied to a wiped database in feed batches of 512, one transaction each, as a
 *   projection does; baseline: the embedded view fed the same events in the same batches. The
 *   Bolt rebuild has a budget of 5 minutes: past it, the rebuild stops at the next batch and the
 *   rows say how many events were applied (the rate over those; nothing is extrapolated), and
 *   the queries below run on that prefix, in both views.
 * - check queries: 4 closed loops for a fixed time over the views bench's mix (30% whole-schedule
 *   checks, limit 100; 30% one rotation's checks; 30% a week's checks; 10% a rotation with its
 *   legs); p50/p99 per query, on the Bolt view and on the embedded view (its async methods, on
 *   this thread, no pool; at most 200,000 queries), without live updates.
 * - each whole-schedule check alone (no other query running), median of 3, on the Bolt view.
 * - agreement: totals and first pages of the three checks are the same in both views.
 *
 * The server (agent string) and its maximum heap (JMX, when the server has it) are logged.
 */
import neo4j from 'neo4j-driver';
import type { Leg } from '../../src/domain/index.ts';
import type { EventEnvelope } from '../../src/persistence/index.ts';
import { runQuery, type ScheduleView, type ViewQuery } from '../../src/views/contract.ts';
import { MemoryScheduleView } from '../../src/views/memory-view.ts';
import { seasonFeed } from '../../test/views/fixtures/season-feed.ts';
import { canonical } from '../../test/views/fixtures/oracle.ts';
import { percentile, type Row, type Suite, type SuiteOptions } from './harness.ts';

const BATCH = 512;
const REBUILD_BUDGET_MS = 5 * 60_000;

/** The server's agent string and maximum heap, for the record. */
async function serverFacts(url: string): Promise<{ agent: string; heap: string }> {
  const driver = neo4j.driver(url, neo4j.auth.basic(process.env.MEMGRAPH_USER ?? '', process.env.MEMGRAPH_PASSWORD ?? ''), {
    disableLosslessIntegers: true,
  });
  try {
    const agent = (await driver.getServerInfo()).agent ?? 'unknown';
    let heap = 'unknown';
    const session = driver.session();
    try {
      // Neo4j only (Memgraph has no JMX); a failure just leaves it unknown.
      const r = await session.run(
        "CALL dbms.queryJmx('java.lang:type=Memory') YIELD attributes RETURN attributes.HeapMemoryUsage.value.properties.max AS max",
      );
      const max = r.records[0]?.get('max') as number | null | undefined;
      if (typeof max === 'number') heap = `${Math.round(max / 2 ** 20)} MiB max heap`;
    } catch {
      /* not Neo4j, or JMX not exposed */
    } finally {
      await session.close();
    }
    return { agent, heap };
  } finally {
    await driver.close();
  }
}

/** The views bench's query mix, the i-th query. */
function mix(feed: readonly EventEnvelope[]): (i: number) => ViewQuery {
  const rotations = [
    ...new Set(
      feed.flatMap((e) => (e.event._tag === 'RotationCreated' ? [(e.event as unknown as { rotationId: string }).rotationId] : [])),
    ),
  ];
  const first = feed.reduce(
    (t, e) => (e.event._tag === 'LegAdded' ? Math.min(t, (e.event as unknown as { leg: Leg }).leg.departureUtc) : t),
    Infinity,
  );
  const kinds = ['Continuity', 'GroundTime', 'Designators'] as const;
  return (i) => {
    const kind = kinds[i % 3] as (typeof kinds)[number];
    const rotationId = rotations[(i * 31) % rotations.length] as string;
    return i % 10 === 9
      ? { _tag: 'Rotation', rotationId }
      : i % 10 >= 6
        ? { _tag: kind, filters: { from: first + (i % 150) * 86_400_000, to: first + ((i % 150) + 7) * 86_400_000, limit: 100 } }
        : i % 10 >= 3
          ? { _tag: kind, filters: { rotationId, limit: 100 } }
          : { _tag: kind, filters: { limit: 100 } };
  };
}

type QueryClass = 'whole' | 'rotation' | 'week' | 'legs';
const classOf = (i: number): QueryClass => (i % 10 === 9 ? 'legs' : i % 10 >= 6 ? 'week' : i % 10 >= 3 ? 'rotation' : 'whole');

interface Load {
  readonly count: number;
  readonly qps: number;
  readonly p50: number;
  readonly p99: number;
  readonly errors: number;
  readonly byClass: Record<QueryClass, number[]>;
}

/** Closed loops for `durationMs` or `maxCount` queries, whichever ends first (the embedded view
 * answers millions per second: its sample is capped so the percentiles stay cheap). */
async function queryLoad(
  view: ScheduleView,
  query: (i: number) => ViewQuery,
  concurrency: number,
  durationMs: number,
  maxCount = 200_000,
): Promise<Load> {
  const latencies: number[] = [];
  const byClass: Record<QueryClass, number[]> = { whole: [], rotation: [], week: [], legs: [] };
  let errors = 0;
  const start = performance.now();
  const deadline = start + durationMs;
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline && next < maxCount) {
        const i = next++;
        const t0 = performance.now();
        try {
          await runQuery(view, query(i));
          const ms = performance.now() - t0;
          latencies.push(ms);
          byClass[classOf(i)].push(ms);
        } catch {
          errors++;
        }
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  return {
    count: latencies.length,
    qps: latencies.length / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    errors,
    byClass,
  };
}

const ms = (x: number) => `${x.toFixed(x < 10 ? 2 : 0)} ms`;

const suite: Suite = {
  name: 'bolt',
  description:
    'Memgraph schedule view on a live Bolt server (Neo4j or Memgraph) vs the embedded view: rebuild events/s, check query p50/p99',
  async run(o: SuiteOptions): Promise<Row[]> {
    const url = process.env.MEMGRAPH_URL;
    if (!url) {
      o.log('bolt: MEMGRAPH_URL is not set, so there is no Bolt server to measure and this suite measured nothing.');
      o.log(
        'bolt: start one with `eval "$(npm run -s backends -- up --only bolt)"` (Neo4j Community on loopback), or point MEMGRAPH_URL at a Memgraph.',
      );
      return [];
    }
    const { MemgraphScheduleView } = await import('../../src/views/memgraph-view.ts');
    const facts = await serverFacts(url);
    o.log(`server: ${facts.agent} at ${url}, ${facts.heap}`);

    const days = Math.max(10, Math.round(183 * Math.min(1, o.scale)));
    const t0 = performance.now();
    const feed = seasonFeed({ season: { days } }).feed;
    const legs = feed.filter((e) => e.event._tag === 'LegAdded').length;
    o.log(
      `season: ${days} days, ${feed.length} events (${legs} legs added) through the deciders in ${Math.round(performance.now() - t0)} ms`,
    );

    // The Bolt rebuild, batch by batch, within the budget.
    const r0 = performance.now();
    const bolt = await MemgraphScheduleView.open({
      url,
      reset: true,
      retryMs: 30_000,
      ...(process.env.MEMGRAPH_USER ? { user: process.env.MEMGRAPH_USER } : {}),
      ...(process.env.MEMGRAPH_PASSWORD ? { password: process.env.MEMGRAPH_PASSWORD } : {}),
    });
    o.log(`bolt: dialect ${bolt.dialect}; wiped and schema ready in ${Math.round(performance.now() - r0)} ms`);
    const b0 = performance.now();
    let applied = 0;
    let lastReport = b0;
    for (let i = 0; i < feed.length; i += BATCH) {
      const r = await bolt.apply(feed.slice(i, i + BATCH));
      applied = r.offset;
      const now = performance.now();
      if (now - lastReport > 15_000) {
        lastReport = now;
        o.log(
          `  bolt rebuild: ${applied} of ${feed.length} events after ${Math.round((now - b0) / 1000)} s (${Math.round(applied / ((now - b0) / 1000))} events/s)`,
        );
      }
      if (now - b0 > REBUILD_BUDGET_MS && applied < feed.length) {
        o.log(
          `  bolt rebuild: budget of ${REBUILD_BUDGET_MS / 60_000} min spent at ${applied} of ${feed.length} events: the rest is not applied, and the queries run on this prefix`,
        );
        break;
      }
    }
    const boltMs = performance.now() - b0;
    const prefix = feed.slice(0, applied);
    const partial = applied < feed.length;
    const label = partial ? `first ${applied} of ${feed.length} events (5 min budget)` : `${applied} events`;
    o.log(`bolt rebuild: ${label} in ${(boltMs / 1000).toFixed(1)} s`);

    // The embedded view, same events, same batches.
    const m0 = performance.now();
    const memory = new MemoryScheduleView();
    for (let i = 0; i < prefix.length; i += BATCH) memory.applyNow(prefix.slice(i, i + BATCH));
    const memoryMs = performance.now() - m0;

    // Agreement on what the queries below read.
    let agree = true;
    for (const q of [{ _tag: 'Continuity' }, { _tag: 'GroundTime' }, { _tag: 'Designators' }] as const) {
      const a = await runQuery(bolt, q);
      const b = await runQuery(memory, q);
      const same = a.total === b.total && canonical(a.violations) === canonical(b.violations);
      o.log(`  ${q._tag}: ${a.total} violations on Bolt, ${b.total} embedded, first pages ${same ? 'equal' : 'DIFFERENT'}`);
      agree &&= same;
    }

    // One query at a time: the cost of each whole-schedule check without queueing behind others.
    const alone: Row[] = [];
    for (const q of [{ _tag: 'Continuity' }, { _tag: 'GroundTime' }, { _tag: 'Designators' }] as const) {
      const times: number[] = [];
      for (let i = 0; i < 3; i++) {
        const s0 = performance.now();
        await runQuery(bolt, { ...q, filters: { limit: 100 } });
        times.push(performance.now() - s0);
      }
      o.log(`  ${q._tag} alone on Bolt: ${times.map((x) => Math.round(x)).join(', ')} ms`);
      alone.push({ name: `  ${q._tag} whole-schedule check alone (median of 3)`, value: percentile(times, 50), unit: 'ms' });
    }

    const duration = Math.max(5_000, 30_000 * Math.min(1, o.scale));
    const query = mix(prefix);
    const bl = await queryLoad(bolt, query, 4, duration);
    o.log(
      `  bolt queries: ${bl.count} in ${duration / 1000} s, errors ${bl.errors}; p50 by class: ${Object.entries(bl.byClass)
        .map(([k, v]) => `${k} ${ms(percentile(v, 50))} (n=${v.length})`)
        .join(', ')}`,
    );
    const ml = await queryLoad(memory, query, 4, duration);
    o.log(`  embedded queries: ${ml.count} (at most 200,000, within ${duration / 1000} s), errors ${ml.errors}`);
    await bolt.close();

    const rows: Row[] = [
      {
        name: `rebuild on ${facts.agent}, ${label}, batches of ${BATCH}`,
        value: applied / (boltMs / 1000),
        unit: 'events/s',
        baseline: { name: 'embedded view, same events', value: prefix.length / (memoryMs / 1000) },
      },
      {
        name: `check queries/s on ${facts.agent}, 4 loops, no live updates`,
        value: bl.qps,
        unit: 'q/s',
        baseline: { name: 'embedded view', value: ml.qps },
      },
      { name: `check query p50 on ${facts.agent}`, value: bl.p50, unit: 'ms', baseline: { name: 'embedded view', value: ml.p50 } },
      { name: `check query p99 on ${facts.agent}`, value: bl.p99, unit: 'ms', baseline: { name: 'embedded view', value: ml.p99 } },
    ];
    for (const k of ['whole', 'rotation', 'week', 'legs'] as const) {
      rows.push({
        name: `  p50, ${k === 'whole' ? 'whole-schedule check' : k === 'rotation' ? "one rotation's check" : k === 'week' ? "a week's check" : 'a rotation with its legs'}`,
        value: percentile(bl.byClass[k], 50),
        unit: 'ms',
        baseline: { name: 'embedded view', value: percentile(ml.byClass[k], 50) },
      });
    }
    rows.push(...alone);
    rows.push({
      name: 'Bolt and embedded answers agree (totals, first pages)',
      value: agree ? 1 : 0,
      unit: 'bool',
      target: '1',
      met: agree,
    });
    return rows;
  },
};

export default suite;
