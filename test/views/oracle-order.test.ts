/**
 * The embedded view against the pure oracle, over generated seasons with injected violations and
 * planner edits: fed event by event, and in random interleavings that keep each aggregate's own
 * order (all the feed guarantees), with random redeliveries; every check compared with the oracle
 * after every batch. Also: JSON answers built from cached fragments parse to exactly the answer,
 * also after the view changed under a cached rotation or violation.
 */
import t from 'tap';
import fc from 'fast-check';
import type { EventEnvelope } from '../../src/persistence/index.ts';
import { MemoryScheduleView } from '../../src/views/memory-view.ts';
import { seasonFeed } from './fixtures/season-feed.ts';
import { canonical, oracle, oracleEquipment, viewAnswers } from './fixtures/oracle.ts';
import { runQuery, type ViewQuery } from '../../src/views/contract.ts';
import { answerJson } from '../../src/views/answer-json.ts';

const answers = viewAnswers;
const want = oracle;

const small = (seed: number) =>
  seasonFeed({
    season: { airplanes: 4, airports: 6, days: 3, seed, violations: { continuity: 0.08, groundTime: 0.08, duplicates: 0.08 } },
    edits: 120,
    seed: seed + 100,
  });

t.test('event by event', async (t) => {
  const w = small(21);
  const view = new MemoryScheduleView();
  let bad = 0;
  for (let i = 0; i < w.feed.length; i++) {
    view.applyNow([w.feed[i] as EventEnvelope]);
    const expected = JSON.stringify(want(w.feed.slice(0, i + 1)));
    if (JSON.stringify(await answers(view)) !== expected && bad++ === 0)
      t.same(await answers(view), JSON.parse(expected), `first difference at offset ${i + 1}`);
  }
  t.equal(bad, 0, `all ${w.feed.length} prefixes equal the oracle`);
  t.ok(oracleEquipment(w.feed).length > 0, `the edits made equipment violations too (${oracleEquipment(w.feed).length})`);
});

/** Interleaves per-aggregate queues by the given choices; repeats some events (redelivery). */
function interleave(
  feed: readonly EventEnvelope[],
  choices: readonly number[],
  repeats: readonly number[],
): { order: EventEnvelope[]; delivered: EventEnvelope[] } {
  const queues = new Map<string, EventEnvelope[]>();
  for (const e of feed) {
    const q = queues.get(e.persistenceId);
    if (q) q.push(e);
    else queues.set(e.persistenceId, [e]);
  }
  const live = [...queues.values()];
  const order: EventEnvelope[] = [];
  const delivered: EventEnvelope[] = [];
  let c = 0;
  while (live.length > 0) {
    const i = (choices[c++ % choices.length] ?? 0) % live.length;
    const q = live[i] as EventEnvelope[];
    const e = q.shift() as EventEnvelope;
    order.push(e);
    delivered.push(e);
    if ((repeats[c % repeats.length] ?? 1) === 0 && order.length > 1) delivered.push(order[order.length - 2] as EventEnvelope);
    if (q.length === 0) live.splice(i, 1);
  }
  return { order, delivered };
}

t.test('random interleavings within aggregate order, with redeliveries', async (t) => {
  let runs = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 1000 }),
      fc.array(fc.nat(), { minLength: 1, maxLength: 64 }),
      fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 1, maxLength: 16 }),
      fc.integer({ min: 1, max: 40 }),
      async (seed, choices, repeats, batch) => {
        runs++;
        const w = small(seed);
        const { order, delivered } = interleave(w.feed, choices, repeats);
        const view = new MemoryScheduleView();
        // The oracle sees each event once, in first-delivery order: a duplicate must change nothing.
        const seen = new Set<EventEnvelope>();
        const applied: EventEnvelope[] = [];
        for (let i = 0; i < delivered.length; i += batch) {
          const slice = delivered.slice(i, i + batch);
          view.applyNow(slice);
          for (const e of slice) {
            if (seen.has(e)) continue;
            seen.add(e);
            applied.push(e);
          }
          const got = JSON.stringify(await answers(view));
          if (got !== JSON.stringify(want(applied))) return false;
        }
        return view.countersNow().applied === order.length && view.countersNow().duplicates === delivered.length - order.length;
      },
    ),
    { numRuns: 25, seed: 42 },
  );
  t.equal(runs >= 25, true, `${runs} interleavings matched the oracle after every batch`);
});

t.test('JSON answers from cached fragments parse to the answer after every batch', async (t) => {
  const w = seasonFeed({
    season: { airplanes: 4, airports: 6, days: 4, seed: 2, violations: { continuity: 0.1, groundTime: 0.1, duplicates: 0.1 } },
    edits: 120,
    seed: 4,
  });
  const view = new MemoryScheduleView();
  const rotations = [...new Set(w.feed.flatMap((e) => (e.event._tag === 'RotationCreated' ? [String(e.event.rotationId)] : [])))];
  let checked = 0;
  let bad = 0;
  for (let i = 0; i < w.feed.length; i += 9) {
    view.applyNow(w.feed.slice(i, i + 9) as EventEnvelope[]);
    const queries: ViewQuery[] = [
      { _tag: 'Continuity', filters: { limit: 3 } },
      { _tag: 'GroundTime' },
      { _tag: 'Designators' },
      { _tag: 'Equipment', filters: { limit: 2 } },
      ...rotations.map((rotationId) => ({ _tag: 'Rotation', rotationId }) as const),
      { _tag: 'Airplane', registration: 'nobody' },
    ];
    for (const q of queries) {
      const want = await runQuery(view, q);
      const got = q._tag === 'Rotation' ? view.rotationJsonNow(q.rotationId) : answerJson(q, await runQuery(view, q));
      checked++;
      if (canonical(JSON.parse(got)) !== canonical(want) && bad++ === 0)
        t.same(JSON.parse(got), want, `${q._tag} after offset ${view.offsetNow()}`);
    }
  }
  t.equal(bad, 0, `${checked} JSON answers parse to the answer`);
});
