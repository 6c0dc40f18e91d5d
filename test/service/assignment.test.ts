/**
 * The durable assignment saga entity (src/app/assignment.ts) in one process, against
 * in-memory aggregates: it journals each input, completes, answers its waiters and status; a
 * crash at any point between two steps (the fault hook throws: the actor fails and its restart
 * recovers from the journal, as a new host would) still ends with the airplane and the rotation
 * agreeing; failing steps are retried until they go through.
 */
import t from 'tap';
import { ActorSystem, childSpec, stateless, type CommandReply } from '../../src/actors/index.ts';
import { memoryJournal } from '../../src/persistence/memory-store.ts';
import type { Journal } from '../../src/persistence/index.ts';
import {
  airplaneDecider,
  rotationDecider,
  type AirplaneCommand,
  type AirplaneEvent,
  type AirplaneError,
  type AirplaneState,
  type RotationCommand,
  type RotationError,
  type RotationEvent,
  type RotationState,
} from '../../src/domain/index.ts';
import {
  sagaEntity,
  type AssignmentStatus,
  type SagaEffects,
  type SagaHooks,
  type SagaMsg,
  type SagaStepPoint,
  type StartInput,
  type StartReply,
} from '../../src/app/assignment.ts';
import { eventually } from '../actors/helpers.ts';

// The actor clock's timers (a saga's retry backoff) do not hold the process open; a node's server does.
const keepAlive = setInterval(() => undefined, 1_000);
t.teardown(() => clearInterval(keepAlive));

class Aggregates {
  readonly rotations = new Map<string, RotationState>();
  readonly airplanes = new Map<string, AirplaneState>();
  failNext = 0;
  offset = 0;

  constructor() {
    for (const r of ['r1', 'r2']) this.rotation({ _tag: 'CreateRotation', rotationId: r });
    this.airplane({ _tag: 'CreateAirplane', registration: 'D-AAAA', aircraftType: '320', minimumGroundTimeMin: 30 });
  }

  rotation(c: RotationCommand): CommandReply<RotationEvent, RotationError> {
    const s = this.rotations.get(c.rotationId) ?? rotationDecider.initialState();
    const d = rotationDecider.decide(c, s);
    if (d._tag === 'Rejected') return d;
    this.rotations.set(c.rotationId, d.events.reduce(rotationDecider.evolve, s));
    return { _tag: 'Accepted', events: d.events, seq: 0, offset: (this.offset += d.events.length) };
  }

  airplane(c: AirplaneCommand): CommandReply<AirplaneEvent, AirplaneError> {
    const s = this.airplanes.get(c.registration) ?? airplaneDecider.initialState();
    const d = airplaneDecider.decide(c, s);
    if (d._tag === 'Rejected') return d;
    this.airplanes.set(c.registration, d.events.reduce(airplaneDecider.evolve, s));
    return { _tag: 'Accepted', events: d.events, seq: 0, offset: (this.offset += d.events.length) };
  }

  effects(): SagaEffects {
    const maybeFail = () => {
      if (this.failNext > 0) {
        this.failNext--;
        throw new Error('the shard is moving');
      }
    };
    return {
      rotation: async (_id, c) => {
        maybeFail();
        return this.rotation(c);
      },
      airplane: async (_id, c) => {
        maybeFail();
        return this.airplane(c);
      },
      airplaneState: async (reg) => {
        maybeFail();
        return { state: this.airplanes.get(reg) ?? airplaneDecider.initialState() };
      },
      wake: () => undefined,
    };
  }

  /** Airplanes and rotations agree (once no saga is under way). */
  wrong(): string[] {
    const out: string[] = [];
    for (const [reg, a] of this.airplanes) {
      if (a.status !== 'active' || !a.assignment) continue;
      const r = this.rotations.get(a.assignment.rotationId);
      if (r?.status !== 'active' || r.claim?.assignmentId !== a.assignment.assignmentId)
        out.push(
          `${reg} holds ${JSON.stringify(a.assignment)}; the rotation's claim is ${r?.status === 'active' ? JSON.stringify(r.claim) : 'gone'}`,
        );
    }
    for (const [id, r] of this.rotations) {
      if (r.status !== 'active' || !r.claim) continue;
      const a = this.airplanes.get(r.claim.registration);
      if (a?.status !== 'active' || a.assignment?.assignmentId !== r.claim.assignmentId)
        out.push(`${id} is claimed by ${JSON.stringify(r.claim)} without its airplane`);
    }
    return out;
  }
}

function host(system: ActorSystem, world: Aggregates, journal: Journal, hooks: SagaHooks = {}) {
  system.spawn(
    stateless<never>(() => undefined),
    {
      name: 'assignments',
      childFactory: (id) =>
        childSpec(
          sagaEntity({
            sagaId: id,
            persistenceId: `assignment-${id}`,
            store: journal,
            effects: world.effects(),
            hooks,
            stepTimeoutMs: 1_000,
          }),
        ),
    },
  );
  const ref = (id: string) => system.ref<SagaMsg>({ node: system.node, thread: 0, path: `assignments/${id}` });
  return {
    start: (input: StartInput) => ref(input.sagaId).ask<StartReply>((replyTo) => ({ _tag: 'Start', input, replyTo }), 10_000),
    status: (id: string) => ref(id).ask<AssignmentStatus | null>((replyTo) => ({ _tag: 'GetStatus', replyTo }), 5_000),
  };
}

t.test('a saga runs to its end, journals its inputs and answers its status', async (t) => {
  const system = new ActorSystem();
  const journal = await memoryJournal();
  t.teardown(() => system.shutdown());
  const world = new Aggregates();
  const sagas = host(system, world, journal);
  const reply = await sagas.start({ _tag: 'StartAssignment', sagaId: 's1', registration: 'D-AAAA', rotationId: 'r1' });
  if (reply._tag !== 'Completed') throw new Error(`not completed: ${JSON.stringify(reply)}`);
  t.match(reply, { _tag: 'Completed', status: { state: 'completed', outcome: { _tag: 'Assigned', rotationId: 'r1' }, kind: 'assign' } });
  t.ok(reply.status.offset > 0, "the offset of the aggregates' events");
  const events: string[] = [];
  for await (const e of journal.replay('assignment-s1')) events.push(e.type);
  t.same(
    events,
    ['AssignmentSagaStarted', 'AssignmentSagaStepped', 'AssignmentSagaStepped', 'AssignmentSagaStepped'],
    'started, then claim, read and assign replies',
  );
  t.match(
    await sagas.start({ _tag: 'StartAssignment', sagaId: 's1', registration: 'D-AAAA', rotationId: 'r1' }),
    { _tag: 'Completed' },
    'the same start again joins the finished saga',
  );
  t.match(
    await sagas.start({ _tag: 'StartUnassignment', sagaId: 's1', registration: 'D-AAAA' }),
    { _tag: 'Conflict' },
    'another start under the same id is refused',
  );
  t.equal(await sagas.status('nope'), null, 'no such saga');
  t.match(await sagas.start({ _tag: 'StartUnassignment', sagaId: 'u1', registration: 'D-AAAA' }), {
    status: { outcome: { _tag: 'Unassigned', rotationId: 'r1' } },
  });
  t.same(world.wrong(), []);
});

t.test('failing steps are retried until they go through', async (t) => {
  const system = new ActorSystem();
  t.teardown(() => system.shutdown());
  const world = new Aggregates();
  const sagas = host(system, world, await memoryJournal());
  world.failNext = 4;
  const reply = await sagas.start({ _tag: 'StartAssignment', sagaId: 's1', registration: 'D-AAAA', rotationId: 'r1' });
  t.match(reply, { _tag: 'Completed', status: { outcome: { _tag: 'Assigned' } } });
  t.same(world.wrong(), []);
});

t.test('a start the journal cannot store is answered NotStarted, and nothing runs', async (t) => {
  const system = new ActorSystem();
  t.teardown(() => system.shutdown());
  const world = new Aggregates();
  const journal = await memoryJournal();
  const down: Journal = Object.assign(Object.create(journal) as Journal, {
    append: () => Promise.reject(Object.assign(new Error('the journal is unreachable'), { _tag: 'JournalUnavailable', retriable: true })),
  });
  const sagas = host(system, world, down);
  t.match(await sagas.start({ _tag: 'StartAssignment', sagaId: 's1', registration: 'D-AAAA', rotationId: 'r1' }), {
    _tag: 'NotStarted',
    message: /unreachable/,
  });
  t.equal(await sagas.status('s1'), null, 'no saga');
  t.match(world.rotations.get('r1'), { claim: null }, 'nothing claimed');
});

t.test('a crash at every point between two steps: the recovered saga finishes and the aggregates agree', async (t) => {
  // Reassigning from r1 to r2 has four steps (claim, read, assign, release the previous one).
  for (const point of ['before-send', 'after-reply'] as const) {
    for (let step = 0; step < 4; step++) {
      const system = new ActorSystem({ log: () => undefined });
      const journal = await memoryJournal();
      const world = new Aggregates();
      let crashed: SagaStepPoint | undefined;
      const hooks: SagaHooks = {
        onStep: (at) => {
          if (at.sagaId === 's2' && at.point === point && at.step === step && crashed === undefined) {
            crashed = at;
            throw new Error(`injected crash ${point} at step ${step}`);
          }
        },
      };
      const sagas = host(system, world, journal, hooks);
      await sagas.start({ _tag: 'StartAssignment', sagaId: 's1', registration: 'D-AAAA', rotationId: 'r1' });
      void sagas.start({ _tag: 'StartAssignment', sagaId: 's2', registration: 'D-AAAA', rotationId: 'r2' }).catch(() => undefined);
      const status = await eventually(
        async () => {
          const s = await sagas.status('s2').catch(() => null);
          return s?.state === 'completed' ? s : undefined;
        },
        10_000,
        `s2 to finish after a crash ${point} step ${step}`,
      );
      t.ok(crashed, `crashed ${point} step ${step}`);
      t.match(status.outcome, { _tag: 'Assigned', rotationId: 'r2', replaced: 'r1' }, `${point} step ${step}: assigned`);
      t.same(world.wrong(), [], `${point} step ${step}: airplane and rotations agree`);
      t.match(world.rotations.get('r1'), { claim: null }, `${point} step ${step}: the previous rotation was released`);
      system.shutdown();
    }
  }
});

t.test('compensation runs to its end across a crash at every point: an unknown airplane leaves no claim', async (t) => {
  // Claim, read (no such airplane), release the claim.
  for (const point of ['before-send', 'after-reply'] as const) {
    for (let step = 0; step < 3; step++) {
      const system = new ActorSystem({ log: () => undefined });
      const journal = await memoryJournal();
      const world = new Aggregates();
      let crashed = false;
      const hooks: SagaHooks = {
        onStep: (at) => {
          if (at.point === point && at.step === step && !crashed) {
            crashed = true;
            throw new Error(`injected crash ${point} at step ${step}`);
          }
        },
      };
      const sagas = host(system, world, journal, hooks);
      void sagas.start({ _tag: 'StartAssignment', sagaId: 'c1', registration: 'D-NONE', rotationId: 'r1' }).catch(() => undefined);
      const status = await eventually(
        async () => {
          const s = await sagas.status('c1').catch(() => null);
          return s?.state === 'completed' ? s : undefined;
        },
        10_000,
        `c1 to finish after a crash ${point} step ${step}`,
      );
      t.ok(crashed, `crashed ${point} step ${step}`);
      t.match(status.outcome, { _tag: 'AssignmentFailed', error: { _tag: 'AirplaneNotFound' } }, `${point} step ${step}: failed`);
      t.match(world.rotations.get('r1'), { claim: null }, `${point} step ${step}: the claim was released`);
      system.shutdown();
    }
  }
});

t.test('an unassignment across a crash at every point: the airplane holds nothing and the rotation is released', async (t) => {
  // Read, unassign, release.
  for (const point of ['before-send', 'after-reply'] as const) {
    for (let step = 0; step < 3; step++) {
      const system = new ActorSystem({ log: () => undefined });
      const journal = await memoryJournal();
      const world = new Aggregates();
      let crashed = false;
      const hooks: SagaHooks = {
        onStep: (at) => {
          if (at.sagaId === 'u1' && at.point === point && at.step === step && !crashed) {
            crashed = true;
            throw new Error(`injected crash ${point} at step ${step}`);
          }
        },
      };
      const sagas = host(system, world, journal, hooks);
      await sagas.start({ _tag: 'StartAssignment', sagaId: 's1', registration: 'D-AAAA', rotationId: 'r1' });
      void sagas.start({ _tag: 'StartUnassignment', sagaId: 'u1', registration: 'D-AAAA' }).catch(() => undefined);
      const status = await eventually(
        async () => {
          const s = await sagas.status('u1').catch(() => null);
          return s?.state === 'completed' ? s : undefined;
        },
        10_000,
        `u1 to finish after a crash ${point} step ${step}`,
      );
      t.ok(crashed, `crashed ${point} step ${step}`);
      t.match(status.outcome, { _tag: 'Unassigned', rotationId: 'r1' }, `${point} step ${step}: unassigned`);
      t.match(world.airplanes.get('D-AAAA'), { assignment: null }, `${point} step ${step}: the airplane holds nothing`);
      t.match(world.rotations.get('r1'), { claim: null }, `${point} step ${step}: r1 released`);
      system.shutdown();
    }
  }
});
