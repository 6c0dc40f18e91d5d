/**
 * The assignment keeper over a journal: it wakes an unfinished saga once it has been quiet, never
 * a finished one, and its checkpoint is a watermark (the start of the oldest unfinished saga), so
 * a keeper started again from it still knows that saga and reads nothing before it.
 */
import t from 'tap';
import { memoryJournal } from '../../src/persistence/memory-store.ts';
import { AssignmentKeeper, KEEPER_CHECKPOINT } from '../../src/app/assignment-keeper.ts';
import type { AssignmentSagaEvent } from '../../src/app/assignment.ts';
import { eventually } from '../actors/helpers.ts';

const started = (sagaId: string): AssignmentSagaEvent => ({
  _tag: 'AssignmentSagaStarted',
  version: 1,
  sagaId,
  input: { _tag: 'StartUnassignment', sagaId, registration: 'D-X' },
  at: 0,
});
// An unassignment of an airplane that does not exist: one read and it is completed.
const finished = (sagaId: string): AssignmentSagaEvent => ({
  _tag: 'AssignmentSagaStepped',
  version: 1,
  sagaId,
  step: 1,
  input: { _tag: 'AirplaneRead', reading: { exists: false, assignment: null, version: 0 } },
  offset: 0,
  at: 0,
});

t.test('wakes the unfinished quiet saga, checkpoints a watermark, and a restarted keeper resumes from it', async (t) => {
  const journal = await memoryJournal();
  await journal.append('rotation-R0', 0, [{ _tag: 'RotationCreated', rotationId: 'R0' }]);
  await journal.append('assignment-done', 0, [started('done'), finished('done')]);
  await journal.append('rotation-R1', 0, [{ _tag: 'RotationCreated', rotationId: 'R1' }]);
  const open = await journal.append('assignment-open', 0, [started('open')]);
  await journal.append('rotation-R2', 0, [{ _tag: 'RotationCreated', rotationId: 'R2' }]);

  const woken: string[] = [];
  const keeper = await AssignmentKeeper.start(
    journal,
    (id) => woken.push(id),
    () => undefined,
    { idleMs: 200, everyMs: 50 },
  );
  await eventually(() => (woken.length > 0 ? true : undefined), 5_000, 'a wake');
  t.same([...new Set(woken)], ['open'], 'only the unfinished saga is woken');
  t.same(keeper.pending(), ['open']);
  await eventually(
    async () => ((await journal.loadCheckpoint(KEEPER_CHECKPOINT)) === open.firstOffset ? true : undefined),
    5_000,
    'the watermark checkpoint',
  );
  await keeper.stop();

  const again: string[] = [];
  const second = await AssignmentKeeper.start(
    journal,
    (id) => again.push(id),
    () => undefined,
    { idleMs: 200, everyMs: 50 },
  );
  await eventually(() => (again.length > 0 ? true : undefined), 5_000, 'a wake after the restart');
  t.same(second.pending(), ['open'], 'the restarted keeper knows the unfinished saga from its watermark on');

  await journal.append('assignment-open', 1, [finished('open')]);
  await eventually(() => (second.pending().length === 0 ? true : undefined), 5_000, 'the saga to be seen finished');
  const head = await journal.headOffset();
  await eventually(
    async () => ((await journal.loadCheckpoint(KEEPER_CHECKPOINT)) === head + 1 ? true : undefined),
    5_000,
    'the watermark to move past everything',
  );
  await second.stop();
  await journal.close();
});
