/**
 * Two hosts of one aggregate at once — what a cluster that disagrees for a moment (a partition
 * before the resolver acts, a handoff that timed out) can produce. Two actor systems stand for
 * two nodes; both run the real rotation entities against one journal, and both host rotation R.
 * The journal's sequence check must refuse the stale writer every time: exactly the
 * acknowledged commands are stored, once each, with a gap-free sequence, and the refused host
 * recovers from the journal and carries on.
 */
import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ActorSystem, type ActorRef, type CommandReply } from '../../src/actors/index.ts';
import type { Leg, RotationCommand, RotationError, RotationEvent } from '../../src/domain/index.ts';
import { lmdbJournal, type EventEnvelope } from '../../src/persistence/index.ts';
import type { RotationMsg } from '../../src/app/aggregates.ts';
import { startEntityHosts } from '../../src/app/entities.ts';
import { journalService, JOURNAL_PATH } from '../../src/app/journal-service.ts';

type Reply = CommandReply<RotationEvent, RotationError>;

const leg = (n: number): Leg => ({
  id: `LT${n}`,
  carrier: 'LT',
  flightNumber: n,
  suffix: '',
  dateOfOrigin: '2026-06-01',
  departureAirport: 'FRA',
  arrivalAirport: 'MUC',
  departureUtc: Date.UTC(2026, 5, 1, n * 3),
  arrivalUtc: Date.UTC(2026, 5, 1, n * 3 + 1),
  aircraftType: null,
  serviceType: null,
});

t.test('a forced double host: the journal refuses the stale writer, nothing is stored twice or lost', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'aloft-double-'));
  const journal = await lmdbJournal({ path: dir, durability: 'commit' });
  const nodes = ['node-a', 'node-b'].map((node) => {
    const system = new ActorSystem({ node, log: () => undefined });
    system.spawn(journalService(journal), { name: JOURNAL_PATH });
    startEntityHosts(system);
    return system;
  });
  t.teardown(async () => {
    for (const s of nodes) s.shutdown();
    await journal.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const [a, b] = nodes.map((s) => s.refAt<RotationMsg>('rotations/R')) as [ActorRef<RotationMsg>, ActorRef<RotationMsg>];
  const send = (host: ActorRef<RotationMsg>, command: RotationCommand) =>
    host.ask<Reply>((replyTo) => ({ _tag: 'Command', command, replyTo }), 5_000);
  const acked: string[] = [];
  const ok = async (host: ActorRef<RotationMsg>, command: RotationCommand, what: string) => {
    const r = await send(host, command);
    t.equal(r._tag, 'Accepted', what);
    if (r._tag === 'Accepted' && command._tag === 'AddLeg') acked.push(command.leg.id);
  };

  await ok(a, { _tag: 'CreateRotation', rotationId: 'R' }, 'A creates R');
  const seenByB = await b.ask<{ seq: number }>((replyTo) => ({ _tag: 'GetState', replyTo }), 5_000);
  t.equal(seenByB.seq, 1, 'B hosts R too, recovered at seq 1');
  await ok(a, { _tag: 'AddLeg', rotationId: 'R', leg: leg(1) }, 'A appends seq 2');

  const stale = await send(b, { _tag: 'AddLeg', rotationId: 'R', leg: leg(2) });
  t.equal(stale._tag, 'Failed', 'B decided on a stale state: refused');
  t.equal(stale._tag === 'Failed' && stale.error._tag, 'JournalConflict', 'by the journal sequence check');
  await ok(b, { _tag: 'AddLeg', rotationId: 'R', leg: leg(2) }, 'B retried: a fresh incarnation recovered from the journal and appended');
  const staleA = await send(a, { _tag: 'AddLeg', rotationId: 'R', leg: leg(3) });
  t.equal(staleA._tag === 'Failed' && staleA.error._tag, 'JournalConflict', 'now A is the stale one, and is refused too');
  await ok(a, { _tag: 'AddLeg', rotationId: 'R', leg: leg(3) }, 'A retried and appended');

  // Both hosts race: whichever lands second is refused, never both stored at one seq.
  const race = await Promise.all([
    send(a, { _tag: 'AddLeg', rotationId: 'R', leg: leg(4) }),
    send(b, { _tag: 'AddLeg', rotationId: 'R', leg: leg(5) }),
  ]);
  race.forEach((r, i) => {
    if (r._tag === 'Accepted') acked.push(`LT${4 + i}`);
  });
  t.ok(race.filter((r) => r._tag === 'Accepted').length >= 1, 'at least one of the racing writers succeeded');

  const events: EventEnvelope[] = [];
  for await (const e of journal.replay('rotation-R')) events.push(e);
  t.same(
    events.map((e) => e.seq),
    events.map((_, i) => i + 1),
    'seq gap-free from 1',
  );
  const legsStored = events.filter((e) => e.type === 'LegAdded').map((e) => (e.event as unknown as { leg: Leg }).leg.id);
  t.same([...legsStored].sort(), [...acked].sort(), 'exactly the acknowledged legs are stored, each once');
});
