/**
 * GraphChecks (the check endpoints answered from the graph, `--checks graph`) and minOffset, over
 * the in-memory schedule view in the graph's place: an offset the view has applied is answered,
 * one the journal holds but the view has not applied is waited for and then a ViewLagTimeout, and
 * one past the journal's head is refused at once with InvalidViewQuery.
 */
import t from 'tap';
import { GraphChecks } from '../../src/app/graph-checks.ts';
import type { EventEnvelope } from '../../src/persistence/index.ts';
import { isViewLagTimeout, MemoryScheduleView } from '../../src/views/index.ts';

const created = (offset: number, rotationId: string): EventEnvelope => ({
  persistenceId: `rotation-${rotationId}`,
  seq: 1,
  offset,
  type: 'RotationCreated',
  version: 1,
  timestamp: 0,
  event: { _tag: 'RotationCreated', version: 1, rotationId },
});

t.test('minOffset: answered when applied, a lag timeout when the view is behind, a 400 past the journal', async (t) => {
  const view = new MemoryScheduleView();
  await view.apply([created(1, 'R1'), created(2, 'R2')]);
  // The journal holds 3 events; the view has applied 2.
  let asked = 0;
  const checks = new GraphChecks(view, async () => {
    asked++;
    return 3;
  });
  t.teardown(() => checks.close());

  const answered = await checks.queryJson({ _tag: 'Continuity' }, { minOffset: 2 });
  t.equal(answered.offset, 2, 'an applied offset is answered');
  t.equal(asked, 0, 'the journal is not asked when the view is there');

  const started = Date.now();
  const lag = await checks.queryJson({ _tag: 'Continuity' }, { minOffset: 3, timeoutMs: 60 }).then(
    () => null,
    (e: unknown) => e,
  );
  t.ok(isViewLagTimeout(lag), 'an offset the journal holds is waited for: ViewLagTimeout');
  t.ok(Date.now() - started >= 60, 'after the timeout');

  const past = await checks.queryJson({ _tag: 'Continuity' }, { minOffset: 4, timeoutMs: 30_000 }).then(
    () => null,
    (e: unknown) => e,
  );
  t.match(past, { _tag: 'InvalidViewQuery', retriable: false, message: /minOffset 4 is past the journal's head \(3\)/ });
});
