/**
 * JSON answers built from cached fragments parse to exactly the answer, also after the view
 * changed under a cached rotation or violation.
 */
import t from 'tap';
import type { EventEnvelope } from '../../src/persistence/index.ts';
import { runQuery, type ViewQuery } from '../../src/views/contract.ts';
import { answerJson } from '../../src/views/answer-json.ts';
import { MemoryScheduleView } from '../../src/views/memory-view.ts';
import { seasonFeed } from './fixtures/season-feed.ts';
import { canonical } from './fixtures/oracle.ts';

t.test('fragments join to JSON.stringify after every batch', async (t) => {
  const w = seasonFeed({ season: { airplanes: 4, airports: 6, days: 4, seed: 2, violations: { continuity: 0.1, groundTime: 0.1, duplicates: 0.1 } }, edits: 120, seed: 4 });
  const view = new MemoryScheduleView();
  const rotations = [...new Set(w.feed.flatMap((e) => (e.event._tag === 'RotationCreated' ? [String(e.event['rotationId'])] : [])))];
  let checked = 0;
  let bad = 0;
  for (let i = 0; i < w.feed.length; i += 9) {
    view.applyNow(w.feed.slice(i, i + 9) as EventEnvelope[]);
    const queries: ViewQuery[] = [
      { _tag: 'Continuity', filters: { limit: 3 } }, { _tag: 'GroundTime' }, { _tag: 'Designators' },
      ...rotations.map((rotationId) => ({ _tag: 'Rotation', rotationId }) as const),
      { _tag: 'Airplane', registration: 'nobody' },
    ];
    for (const q of queries) {
      const want = await runQuery(view, q);
      const got = q._tag === 'Rotation' ? view.rotationJsonNow(q.rotationId) : answerJson(q, await runQuery(view, q));
      checked++;
      if (canonical(JSON.parse(got)) !== canonical(want) && bad++ === 0) t.same(JSON.parse(got), want, `${q._tag} after offset ${view.offsetNow()}`);
    }
  }
  t.equal(bad, 0, `${checked} JSON answers parse to the answer`);
});
