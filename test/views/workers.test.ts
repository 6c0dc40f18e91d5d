/**
 * ViewPool with replicas in worker threads of an AloftNode: the journal stays on the main thread,
 * batches cross to the workers as messages, queries come back from both workers.
 */
import t, { type Test } from 'tap';
import { AloftNode } from '../../src/actors/index.ts';
import { memoryJournal } from '../../src/persistence/index.ts';
import { ViewPool, type ViewPoolOptions } from '../../src/views/index.ts';
import { seasonFeed } from './fixtures/season-feed.ts';
import { oracle } from './fixtures/oracle.ts';
import { appendFeed, eventually } from './fixtures/journal-feed.ts';
import type { FeedWorld } from './fixtures/season-feed.ts';

/** A node of two workers hosting replicas, a memory journal holding the first half of `w`, and a
 * pool over them; torn down with the test. */
async function twoWorkers(t: Test, w: FeedWorld, options: Partial<ViewPoolOptions> = {}, watchNode = false) {
  const journal = await memoryJournal();
  const node = await AloftNode.start({
    workers: 2,
    boot: new URL('../../src/views/worker-boot.ts', import.meta.url),
    log: () => undefined,
  });
  let pool: ViewPool | undefined;
  t.teardown(async () => {
    await pool?.stop();
    await node.stop();
    await journal.close();
  });
  const half = Math.floor(w.feed.length / 2);
  await appendFeed(journal, w.feed.slice(0, half));
  pool = await ViewPool.start({ journal, system: node.system, ...(watchNode ? { node } : { threads: [1, 2] }), ...options });
  await pool.ready;
  return { journal, node, pool, rest: w.feed.slice(half) };
}

t.test('two replicas in two workers follow the journal and answer round-robin', async (t) => {
  const w = seasonFeed({
    season: { airplanes: 6, airports: 8, days: 6, seed: 4, violations: { continuity: 0.05, groundTime: 0.05, duplicates: 0.05 } },
    edits: 80,
    seed: 5,
  });
  const { journal, pool, rest } = await twoWorkers(t, w, { batchSize: 64 });
  t.same(
    pool.lag().map((l) => [l.thread, l.state]),
    [
      [1, 'ready'],
      [2, 'ready'],
    ],
  );
  const last = await appendFeed(journal, rest);
  const want = oracle(w.feed);
  // A read-your-writes query goes to whichever replica has the offset already.
  const first = await pool.queryWithSource({ _tag: 'Continuity', filters: { limit: 1000 } }, { minOffset: last });
  t.ok(first.offset >= last);
  // Once both are there, queries alternate between them.
  await eventually(() => pool.lag().every((l) => l.offset >= last), 10_000, 'both replicas at the last offset');
  const replicas = new Set<string>();
  for (let i = 0; i < 4; i++) {
    const r = await pool.queryWithSource({ _tag: 'Continuity', filters: { limit: 1000 } }, { minOffset: last });
    replicas.add(r.replica);
    t.same(r.answer.violations, want.continuity, `${r.replica} equals the oracle at ${r.offset}`);
  }
  t.equal(replicas.size, 2, 'both workers answered');
  const g = await pool.query({ _tag: 'GroundTime', filters: { limit: 1000 } }, { minOffset: last });
  t.same(g.violations, want.groundTime);
  const counters = await pool.counters();
  t.same(
    counters.map((c) => c.counters.applied),
    [last, last],
    'each replica applied each event once',
  );
});

t.test('a replica whose worker dies leaves the rotation, and comes back rebuilt when the worker restarts', async (t) => {
  const w = seasonFeed({
    season: { airplanes: 5, airports: 7, days: 5, seed: 6, violations: { continuity: 0.05, groundTime: 0.05, duplicates: 0.05 } },
    edits: 40,
    seed: 2,
  });
  const { journal, node, pool, rest } = await twoWorkers(t, w, {}, true);
  t.same(
    pool.lag().map((l) => l.thread),
    [1, 2],
    'threads default to one replica per worker of the node',
  );
  await node.killWorker(2);
  await eventually(
    () => pool.lag()[1]?.state === 'failed' || pool.lag()[1]?.state === 'rebuilding',
    10_000,
    'replica 1 out of the rotation',
  );
  const last = await appendFeed(journal, rest);
  const during = await pool.queryWithSource({ _tag: 'GroundTime', filters: { limit: 1000 } }, { minOffset: last });
  t.same(during.answer.violations, oracle(w.feed).groundTime, `${during.replica} answers meanwhile`);
  await eventually(
    () => pool.lag().every((l) => l.state === 'ready' && l.offset >= last),
    20_000,
    'replica 1 respawned, rebuilt and ready',
  );
  const sources = new Set<string>();
  for (let i = 0; i < 4; i++) {
    const r = await pool.queryWithSource({ _tag: 'Designators', filters: { limit: 1000 } }, { minOffset: last });
    sources.add(r.replica);
    t.same(r.answer.violations, oracle(w.feed).designators);
  }
  t.equal(sources.size, 2, 'both replicas answer again');
  t.same(
    (await pool.counters()).map((c) => c.counters.applied),
    [last, last],
    'the respawned replica applied each event once',
  );
});
