/**
 * The assignment saga's runner when a step's call fails: the first step failing is the caller's
 * error as it is (nothing applied, or unknown); a later step failing — the rotation already
 * claimed — is a SagaInterrupted that says the first step was applied, never an error that reads
 * as "not applied".
 */
import t from 'tap';
import { unavailable } from '../../src/actors/index.ts';
import { runAssignment, SagaInterrupted } from '../../src/service/assignment.ts';
import type { CommandGateway } from '../../src/service/gateway.ts';

const start = { _tag: 'StartAssignment', sagaId: 's1', registration: 'D-AAAA', rotationId: 'R1' } as const;
const claimed = { _tag: 'Accepted', events: [{ _tag: 'RotationClaimed', rotationId: 'R1', registration: 'D-AAAA', assignmentId: 's1' }], seq: 2, offset: 7 } as const;

t.test('the first step failing is the caller\'s error, unchanged', async (t) => {
  const moving = unavailable('rotations/R1', 'its shard is moving');
  const gateway = { rotation: () => Promise.reject(moving), airplane: () => Promise.reject(new Error('not reached')) } as unknown as CommandGateway;
  t.equal(await runAssignment(gateway, start).catch((e: unknown) => e), moving);
});

t.test('a later step failing says the first was applied', async (t) => {
  const gateway = { rotation: () => Promise.resolve(claimed), airplane: () => Promise.reject(unavailable('airplanes/D-AAAA', 'its home is unreachable')) } as unknown as CommandGateway;
  const error = await runAssignment(gateway, start).catch((e: unknown) => e);
  t.ok(error instanceof SagaInterrupted, 'SagaInterrupted');
  t.match((error as Error).message, /after its first step was applied/);
  t.equal((error as SagaInterrupted).retriable, false, 'not offered as a plain retry');
});
