/**
 * A journal written by the code before LegAdded v2 (test/fixtures/journal-v1), opened and replayed
 * by today's code: every LegAdded v1 comes out as v2 with aircraftType and serviceType null, on the
 * feed and on replay; the entities recover through their old (unversioned) snapshots, lifted, or
 * rebuild when a snapshot cannot be read; the view's format-1 snapshot file is lifted too. Nothing
 * else changes: every other field, state and check answer is what the old code had.
 */
import t, { type Test } from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  ActorSystem,
  childSpec,
  eventSourced,
  readSnapshotState,
  stateless,
  type CommandReply,
  type EntityMessage,
} from '../../src/actors/index.ts';
import {
  ROTATION_SNAPSHOT,
  checkSchedule,
  rotationDecider,
  scheduleFromEvents,
  type DomainEvent,
  type Leg,
  type RotationCommand,
  type RotationError,
  type RotationEvent,
  type RotationState,
} from '../../src/domain/index.ts';
import { EventJournal, LmdbStore, type EventEnvelope } from '../../src/persistence/index.ts';
import { domainUpcasters } from '../../src/service/schema.ts';
import { MemoryScheduleView } from '../../src/views/memory-view.ts';
import { readSnapshotFile } from '../../src/views/snapshot-file.ts';
import { decodePayload, decodeSnapshotRecord } from '../../src/persistence/codec.ts';
import { loadJournalV1, readJournalV1 } from '../fixtures/journal-v1/load.ts';

const fixture = readJournalV1();
const withTypes = (l: Leg): Leg => ({ ...l, aircraftType: null, serviceType: null });

async function openFixture(t: Test): Promise<EventJournal> {
  const dir = mkdtempSync(path.join(tmpdir(), 'aloft-v1-'));
  const store = new LmdbStore({ path: dir, durability: 'commit' });
  await loadJournalV1(store, fixture);
  const journal = await EventJournal.open(store, { upcasters: domainUpcasters() });
  t.teardown(async () => {
    await journal.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return journal;
}

t.test('the fixture is what the old code wrote: version 1 everywhere, legs without the two fields', async (t) => {
  t.equal(fixture.records.length, fixture.expected.head);
  t.ok(fixture.expected.types.every((x) => x.endsWith('@v1')));
  t.equal(fixture.expected.types.filter((x) => x === 'LegAdded@v1').length, 11);
  for (const r of fixture.expected.rotations)
    for (const l of r.legs) t.notOk('aircraftType' in l || 'serviceType' in l, `${l.id} has no type fields`);
  t.same(
    fixture.snapshots.map((s) => [s.persistenceId, s.seq]),
    [
      ['rotation-R1', 4],
      ['rotation-R1', 8],
      ['rotation-R2', 4],
    ],
  );
});

t.test('on the feed: LegAdded v1 is read as v2 with both types null, everything else as stored', async (t) => {
  const journal = await openFixture(t);
  const feed = await journal.read(1, 1000);
  t.equal(feed.length, fixture.expected.head);
  t.same(
    feed.map((e) => e.type),
    fixture.expected.types.map((x) => x.replace(/@v\d+$/, '')),
  );
  const stored = await journal.store.read(1, 1000);
  for (const [i, env] of feed.entries()) {
    const raw = decodePayload((stored[i] as { payload: Uint8Array }).payload) as Record<string, unknown>;
    if (env.type === 'LegAdded') {
      t.equal(env.version, 2, `offset ${env.offset}: version 2`);
      t.equal(env.event.version, 2);
      const leg = env.event.leg as Leg;
      t.equal(leg.aircraftType, null);
      t.equal(leg.serviceType, null);
      t.same(env.event, { ...raw, version: 2, leg: withTypes(raw.leg as Leg) }, `offset ${env.offset}: only the two fields added`);
    } else {
      t.equal(env.version, 1);
      t.same(env.event, raw, `offset ${env.offset}: ${env.type} untouched`);
    }
  }
  // The same on the live subscription, which is what the views and the publisher read.
  const live: EventEnvelope[] = [];
  const sub = journal.subscribe(1, (batch) => void live.push(...batch));
  await new Promise<void>((resolve) => {
    const poll = setInterval(() => {
      if (live.length >= feed.length) {
        clearInterval(poll);
        resolve();
      }
    }, 5);
  });
  await sub.close();
  t.same(live, feed);
});

t.test('replayed into the domain: the same schedule and checks as the old code, types unknown', async (t) => {
  const journal = await openFixture(t);
  const feed = await journal.read(1, 1000);
  const schedule = scheduleFromEvents(feed.map((e) => e.event as unknown as DomainEvent));
  t.same(
    schedule.rotations,
    fixture.expected.rotations.map((r) => ({ ...r, legs: r.legs.map(withTypes) })),
  );
  t.same(schedule.airplanes, fixture.expected.airplanes);
  t.same(schedule.airports, fixture.expected.airports);
  const checks = checkSchedule(schedule);
  t.same(
    [...checks.continuity, ...checks.groundTime, ...checks.designators].map((v) => v.message),
    fixture.expected.messages,
  );
  t.same(checks.equipment, [], 'a leg of unknown type is never an equipment violation (R1 is flown by a 359)');
  for (const id of ['R1', 'R2']) {
    let state = rotationDecider.initialState();
    for await (const env of journal.replay(`rotation-${id}`)) state = rotationDecider.evolve(state, env.event as unknown as RotationEvent);
    t.same(state.status === 'active' ? state.legs : null, schedule.rotations.find((r) => r.rotationId === id)?.legs, `replay of ${id}`);
  }
});

type Msg = EntityMessage<RotationCommand, RotationEvent, RotationState, RotationError>;

function entities(t: Test, journal: EventJournal): { system: ActorSystem; logs: string[] } {
  const logs: string[] = [];
  const system = new ActorSystem({ log: (level, line) => logs.push(`${level}: ${line}`) });
  system.spawn(
    stateless<never>(() => undefined),
    {
      name: 'rotations',
      childFactory: (id) =>
        childSpec(
          eventSourced({
            persistenceId: `rotation-${id}`,
            store: journal,
            decider: rotationDecider,
            snapshotEvery: 4,
            snapshotSchema: ROTATION_SNAPSHOT,
          }),
        ),
    },
  );
  t.teardown(() => system.shutdown());
  return { system, logs };
}
const stateOf = (system: ActorSystem, id: string) =>
  system.refAt<Msg>(`rotations/${id}`).ask<{ state: RotationState; seq: number }>((replyTo) => ({ _tag: 'GetState', replyTo }), 5_000);
const send = (system: ActorSystem, id: string, command: RotationCommand) =>
  system
    .refAt<Msg>(`rotations/${id}`)
    .ask<CommandReply<RotationEvent, RotationError>>((replyTo) => ({ _tag: 'Command', command, replyTo }), 5_000);

t.test('entities recover through the old snapshots (lifted), then write v2 events and versioned snapshots', async (t) => {
  const journal = await openFixture(t);
  // The old snapshot, read under the current schema: legs lifted, never left without the fields.
  const old = await journal.loadSnapshot('rotation-R1');
  t.equal(old?.seq, 8);
  const lifted = readSnapshotState(old?.state, ROTATION_SNAPSHOT);
  t.ok(
    'state' in lifted &&
      lifted.state.status === 'active' &&
      lifted.state.legs.every((l) => l.aircraftType === null && l.serviceType === null),
    'v1 snapshot legs get null types',
  );
  const { system, logs } = entities(t, journal);
  const expected = fixture.expected.rotations;
  for (const id of ['R1', 'R2']) {
    const { state, seq } = await stateOf(system, id);
    t.equal(seq, id === 'R1' ? 9 : 6, `${id} recovered to its head`);
    t.same(
      state.status === 'active' ? state.legs : null,
      expected.find((r) => r.rotationId === id)?.legs.map(withTypes),
      `${id}: snapshot + v1 tail`,
    );
  }
  t.same(
    logs.filter((l) => l.includes('discarded')),
    [],
    'nothing discarded: the v1 snapshots were lifted',
  );
  const r1 = await stateOf(system, 'R1');
  t.same(r1.state.status === 'active' && r1.state.claim, { registration: 'D-AIXA', assignmentId: 'A1' });
  // A new leg of a known type: stored as LegAdded v2; R1 crosses seq 12, so a versioned snapshot follows.
  const leg: Leg = {
    ...(expected[0]?.legs[0] as Leg),
    id: 'LH-420-MUC-2026-04-03',
    flightNumber: 420,
    dateOfOrigin: '2026-04-03',
    departureAirport: 'MUC',
    departureUtc: Date.UTC(2026, 3, 3, 10),
    arrivalUtc: Date.UTC(2026, 3, 3, 11),
    aircraftType: '320',
    serviceType: 'J',
  };
  for (const [i, l] of [
    leg,
    {
      ...leg,
      id: 'LH-421-MUC-2026-04-03',
      flightNumber: 421,
      departureUtc: Date.UTC(2026, 3, 3, 12),
      arrivalUtc: Date.UTC(2026, 3, 3, 13),
    },
    {
      ...leg,
      id: 'LH-422-MUC-2026-04-03',
      flightNumber: 422,
      departureUtc: Date.UTC(2026, 3, 3, 14),
      arrivalUtc: Date.UTC(2026, 3, 3, 15),
    },
  ].entries()) {
    const r = await send(system, 'R1', { _tag: 'AddLeg', rotationId: 'R1', leg: l });
    t.equal(r._tag, 'Accepted', `leg ${i} accepted`);
  }
  const head = await journal.headOffset();
  const stored = await journal.store.read(head - 2, 3);
  t.same(
    stored.map((s) => [s.type, s.version]),
    [
      ['LegAdded', 2],
      ['LegAdded', 2],
      ['LegAdded', 2],
    ],
    'new events are stored as version 2',
  );
  const fresh = await waitFor(() => journal.loadSnapshot('rotation-R1').then((s) => (s && s.seq === 12 ? s : undefined)));
  t.match(fresh.state, { $schema: 2, state: { status: 'active', rotationId: 'R1' } }, 'the new snapshot names its schema version');
});

t.test('a snapshot this code cannot read is discarded, the state rebuilt from the events and a fresh snapshot saved', async (t) => {
  const journal = await openFixture(t);
  await journal.saveSnapshot('rotation-R2', 6, {
    $schema: 99,
    state: { status: 'active', rotationId: 'R2', legs: 'not legs', claim: null },
  });
  const { system, logs } = entities(t, journal);
  const { state, seq } = await stateOf(system, 'R2');
  t.equal(seq, 6);
  t.same(state.status === 'active' ? state.legs : null, fixture.expected.rotations.find((r) => r.rotationId === 'R2')?.legs.map(withTypes));
  t.match(logs.join('\n'), /rotation-R2: snapshot at seq 6 discarded \(snapshot schema version 99 is newer than this code's 2\)/);
  const replaced = await waitFor(() =>
    journal.loadSnapshot('rotation-R2').then((s) => ((s?.state as { $schema?: number } | undefined)?.$schema === 2 ? s : undefined)),
  );
  t.equal(replaced.seq, 6);
  // And an unversioned snapshot whose shape is not a rotation's is discarded too, not misread.
  t.match(readSnapshotState({ status: 'active', rotationId: 'R2', legs: 'x' }, ROTATION_SNAPSHOT), { discard: /cannot be lifted/ });
  const v1 = decodeSnapshotRecord(Buffer.from((fixture.snapshots[2] as { record: string }).record, 'base64'), 'rotation-R2', 4);
  t.ok(v1.state.length > 0);
});

t.test("the embedded view's format-1 snapshot file is lifted and equals a rebuild from the upcast feed", async (t) => {
  const journal = await openFixture(t);
  const dir = mkdtempSync(path.join(tmpdir(), 'aloft-v1-view-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'view.snapshot');
  writeFileSync(file, Buffer.from(fixture.viewSnapshot, 'base64'));
  const snap = await readSnapshotFile(file);
  if (!snap) throw new Error('no snapshot');
  t.equal(snap.format, 2);
  const restored = MemoryScheduleView.fromSnapshot(snap);
  const rebuilt = new MemoryScheduleView();
  const feed = await journal.read(1, 1000);
  rebuilt.applyNow(feed);
  t.equal(restored.offsetNow(), fixture.expected.head);
  t.same(restored.snapshot(), rebuilt.snapshot(), 'graph, offset, dedup filter and counters');
  for (const q of ['Continuity', 'GroundTime', 'Designators', 'Equipment'] as const)
    t.same(restored.queryNow({ _tag: q }), rebuilt.queryNow({ _tag: q }), q);
  t.equal(restored.equipmentNow().total, 0);
  // A leg of another type than R1's airplane (a 359): the restored view reports it like the rebuilt one.
  const legAdded = {
    persistenceId: 'rotation-R1',
    seq: 10,
    offset: fixture.expected.head + 1,
    type: 'LegAdded',
    version: 2,
    timestamp: 0,
    event: {
      _tag: 'LegAdded',
      version: 2,
      rotationId: 'R1',
      leg: {
        ...(fixture.expected.rotations[0]?.legs[6] as Leg),
        id: 'LH-407-MUC-2026-04-01',
        flightNumber: 407,
        departureAirport: 'MUC',
        departureUtc: Date.UTC(2026, 3, 2, 15),
        arrivalUtc: Date.UTC(2026, 3, 2, 16),
        aircraftType: '320',
        serviceType: 'J',
      },
    },
  };
  restored.applyNow([legAdded]);
  rebuilt.applyNow([legAdded]);
  t.same(
    restored.equipmentNow().violations.map((v) => [v.rotationId, v.registration, v.legIds, v.legAircraftType, v.airplaneAircraftType]),
    [['R1', 'D-AIXA', ['LH-407-MUC-2026-04-01'], '320', '359']],
  );
  t.same(restored.equipmentNow(), rebuilt.equipmentNow());
});

async function waitFor<T>(probe: () => Promise<T | undefined>, ms = 5_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}
