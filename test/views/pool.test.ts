/**
 * ViewPool in single-thread mode (replicas on the main thread, no AloftNode) over a memory
 * journal: rebuild before joining, round-robin, read your writes, an offset no write produced,
 * ViewLagTimeout, lag.
 */
import t from 'tap';
import { ActorSystem, ManualClock } from '../../src/actors/index.ts';
import { memoryJournal, type Journal, type Subscription } from '../../src/persistence/index.ts';
import { ViewPool, isViewLagTimeout } from '../../src/views/index.ts';
import { seasonFeed } from './fixtures/season-feed.ts';
import { oracle } from './fixtures/oracle.ts';
import { appendFeed, eventually } from './fixtures/journal-feed.ts';
import { leg } from './fixtures/view-contract.ts';

/** The journal with its live tail stalled: a subscriber gets nothing after it subscribes (a feed
 * that stopped moving), while reads, appends and the head are the journal's own. */
function stalledTail(journal: Journal): Journal {
  return new Proxy(journal, {
    get(target, prop) {
      if (prop === 'subscribe')
        return (from: number): Subscription => {
          let end: (() => void) | undefined;
          const done = new Promise<void>((resolve) => {
            end = resolve;
          });
          return { close: async () => end?.(), done, position: () => from };
        };
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

const world = () =>
  seasonFeed({
    season: { airplanes: 5, airports: 7, days: 4, seed: 8, violations: { continuity: 0.05, groundTime: 0.05, duplicates: 0.05 } },
    edits: 60,
    seed: 3,
  });

t.test('replicas rebuild from offset 0, join, answer round-robin and read your writes', async (t) => {
  const journal = await memoryJournal();
  const system = new ActorSystem({ log: () => undefined });
  const w = world();
  const loaded = await appendFeed(journal, w.feed);
  const pool = await ViewPool.start({ journal, system, threads: [0, 0], batchSize: 50 });
  t.teardown(async () => {
    await pool.stop();
    system.shutdown();
    await journal.close();
  });
  await pool.ready;
  t.ok(
    pool.lag().every((l) => l.state === 'ready' && l.offset >= loaded),
    'every replica caught up with the head it saw at start before ready',
  );

  const sources = new Set<string>();
  for (let i = 0; i < 6; i++) {
    const r = await pool.queryWithSource({ _tag: 'GroundTime', filters: { limit: 1000 } });
    sources.add(r.replica);
    t.same(r.answer.violations, oracle(w.feed).groundTime);
  }
  t.same([...sources].sort(), ['schedule-view-0', 'schedule-view-1'], 'queries alternate between the two replicas');

  // A write, then a query naming its offset sees it.
  const r = await journal.append('rotation-RX', 0, [{ _tag: 'RotationCreated', version: 1, rotationId: 'RX' }]);
  const a = await journal.append('rotation-RX', 1, [
    { _tag: 'LegAdded', version: 1, rotationId: 'RX', leg: leg('rx1', 'FRA', 'MUC', 0, 1) },
    { _tag: 'LegAdded', version: 1, rotationId: 'RX', leg: leg('rx2', 'BER', 'FRA', 2, 3, 101) },
  ]);
  t.ok(a.lastOffset > r.lastOffset);
  for (let i = 0; i < 4; i++) {
    const got = await pool.queryWithSource(
      { _tag: 'Continuity', filters: { rotationId: 'RX' } },
      { minOffset: a.lastOffset, timeoutMs: 5_000 },
    );
    t.ok(got.offset >= a.lastOffset, `${got.replica} answered at ${got.offset} >= ${a.lastOffset}`);
    t.same(
      got.answer.violations.map((v) => v.legIds),
      [['rx1', 'rx2']],
    );
  }
  t.same(
    (await pool.query({ _tag: 'Rotation', rotationId: 'RX' }))?.legs.map((l) => l.id),
    ['rx1', 'rx2'],
  );
  const json = await pool.queryJson({ _tag: 'GroundTime', filters: { limit: 1000 } }, { minOffset: a.lastOffset });
  t.same(
    JSON.parse(json.answer),
    await pool.query({ _tag: 'GroundTime', filters: { limit: 1000 } }, { minOffset: a.lastOffset }),
    'queryJson is the same answer, serialised',
  );
  t.equal(
    (await pool.queryJson({ _tag: 'GroundTime', filters: { limit: 1000 } })).answer,
    json.answer,
    'and a second ask (from the cache) the same string',
  );
  // An event that changes no violation keeps the cached body; the answer reports the new offset.
  const quiet = await journal.append('airport-ZZZ', 0, [
    { _tag: 'AirportMinimumGroundTimeSet', version: 1, iata: 'ZZZ', minimumGroundTimeMin: 0 },
  ]);
  const after = await pool.queryJson({ _tag: 'GroundTime', filters: { limit: 1000 } }, { minOffset: quiet.lastOffset });
  t.same(JSON.parse(after.answer), { ...JSON.parse(json.answer), offset: after.offset }, 'same violations, new offset');
  t.ok(after.offset >= quiet.lastOffset);
  await eventually(() => pool.lag().every((l) => l.lag === 0), 5_000, 'lag 0 on every replica');
  t.same(
    pool.lag().map((l) => l.offset),
    [quiet.lastOffset, quiet.lastOffset],
  );
  const counters = await pool.counters();
  t.ok(
    counters.every((c) => c.counters.applied === quiet.lastOffset && c.counters.duplicates === 0),
    'each replica applied every event once',
  );
});

t.test('an offset no write has produced is refused at once; a lagging view fails with a tagged ViewLagTimeout', async (t) => {
  const journal = await memoryJournal();
  // Time moves by hand: the replica's wait for its offset runs on the injected clock.
  const clock = new ManualClock(1_000_000);
  const system = new ActorSystem({ log: () => undefined, clock });
  const w = world();
  const head = await appendFeed(journal, w.feed);
  // The pool's live tail never moves, so the replica stays at `head` whatever is appended later.
  const pool = await ViewPool.start({ journal: stalledTail(journal), system, threads: [0] });
  t.teardown(async () => {
    await pool.stop();
    system.shutdown();
    await journal.close();
  });
  await pool.ready;

  const early = await pool.query({ _tag: 'Continuity' }, { minOffset: head + 10, timeoutMs: 150 }).then(
    () => null,
    (x: unknown) => x,
  );
  t.notOk(isViewLagTimeout(early), 'not a wait: the clock has not moved');
  t.match(early, {
    _tag: 'InvalidViewQuery',
    retriable: false,
    message: new RegExp(`minOffset ${head + 10} is past the journal's head \\(${head}\\)`),
  });

  // An offset the journal holds and the view has not reached: the query waits for it, then times out.
  const written = await journal.append('rotation-LAG', 0, [{ _tag: 'RotationCreated', version: 1, rotationId: 'LAG' }]);
  const pending = pool.query({ _tag: 'Continuity' }, { minOffset: written.lastOffset, timeoutMs: 150 }).then(
    () => null,
    (x: unknown) => x,
  );
  await clock.advance(149);
  let settled = false;
  void pending.then(() => (settled = true));
  await new Promise((r) => setImmediate(r));
  t.equal(settled, false, 'still waiting just before the timeout');
  await clock.advance(1);
  const e = await pending;
  t.ok(isViewLagTimeout(e), 'ViewLagTimeout');
  t.match(e, { _tag: 'ViewLagTimeout', retriable: true, data: { minOffset: written.lastOffset, reachedOffset: head } });
  const bad = await pool.query({ _tag: 'Continuity', filters: { limit: 5000 } }).then(
    () => null,
    (x: unknown) => x,
  );
  t.match(bad, { _tag: 'InvalidViewQuery', retriable: false }, 'a bad query comes back as its tagged error');
});

t.test('a replica joining while writes arrive loses none of them', async (t) => {
  const journal = await memoryJournal();
  const system = new ActorSystem({ log: () => undefined });
  const w = world();
  const half = Math.floor(w.feed.length / 2);
  await appendFeed(journal, w.feed.slice(0, half));
  const pool = await ViewPool.start({ journal, system, threads: [0], batchSize: 7 });
  t.teardown(async () => {
    await pool.stop();
    system.shutdown();
    await journal.close();
  });
  const last = await appendFeed(journal, w.feed.slice(half));
  await pool.ready;
  const got = await pool.query({ _tag: 'Designators', filters: { limit: 1000 } }, { minOffset: last });
  t.same(got.violations, oracle(w.feed).designators);
  t.equal(got.offset, last);
});
