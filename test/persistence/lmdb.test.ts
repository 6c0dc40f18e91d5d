/**
 * The LMDB store: the journal contract (also with heads written every 3 events), group commit,
 * reopen, damaged records on disk, a failed commit, and the one-writer lock.
 */
import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { open } from 'lmdb';
import { EventJournal } from '../../src/persistence/event-journal.ts';
import { isCorruptEvent, isJournalUnavailable } from '../../src/persistence/errors.ts';
import { LmdbStore } from '../../src/persistence/lmdb-store.ts';
import { journalContract, type MakeJournal } from './fixtures/journal-contract.ts';

const tempDir = () => mkdtempSync(path.join(os.tmpdir(), 'aloft-lmdb-'));

/** A fresh LMDB journal in its own temp dir, removed on cleanup. */
const makeLmdb =
  (storeOptions: { headsEvery?: number } = {}): MakeJournal =>
  async (options) => {
    const dir = tempDir();
    const store = new LmdbStore({ path: dir, ...storeOptions });
    const journal = await EventJournal.open(store, options);
    return {
      journal,
      store,
      cleanup: async () => {
        await journal.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  };

journalContract(t, makeLmdb());

t.test('the same contract with the heads database written every 3 events', async (t) => {
  journalContract(t, makeLmdb({ headsEvery: 3 }));
});

t.test('heads survive a reopen whether they were in the heads database or only in the segments', async (t) => {
  const dir = tempDir();
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  let journal = await EventJournal.open(new LmdbStore({ path: dir, headsEvery: 7 }));
  for (let round = 0; round < 5; round++) {
    await Promise.all(
      Array.from({ length: 6 }, (_, a) =>
        journal.append(`agg-${a}`, round * 2, [
          { _tag: 'E', round },
          { _tag: 'E', round },
        ]),
      ),
    );
  }
  await journal.close();
  journal = await EventJournal.open(new LmdbStore({ path: dir, headsEvery: 7 }));
  for (let a = 0; a < 6; a++) t.equal(await journal.highestSeq(`agg-${a}`), 10, `agg-${a} at 10`);
  t.match(await journal.append('agg-0', 8, [{ _tag: 'E' }]).catch((e: unknown) => e), { _tag: 'JournalConflict', actualSeq: 10 });
  t.equal((await journal.append('agg-0', 10, [{ _tag: 'E' }])).lastSeq, 11);
  const seqs: number[] = [];
  for await (const e of journal.replay('agg-0')) seqs.push(e.seq);
  t.same(
    seqs,
    Array.from({ length: 11 }, (_, i) => i + 1),
  );
  await journal.close();
});

t.test('concurrent appends share transactions (group commit)', async (t) => {
  const dir = tempDir();
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const store = new LmdbStore({ path: dir });
  const journal = await EventJournal.open(store);
  await Promise.all(Array.from({ length: 200 }, (_, i) => journal.append(`a-${i}`, 0, [{ _tag: 'E', i }])));
  t.equal(store.stats.appends, 200);
  t.ok(store.stats.transactions <= 10, `200 appends took ${store.stats.transactions} transactions`);
  t.equal(await journal.headOffset(), 200);
  await journal.close();
});

t.test('everything survives close and reopen: events, offsets, snapshots, checkpoints', async (t) => {
  const dir = tempDir();
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const first = await EventJournal.open(new LmdbStore({ path: dir, durability: 'commit' }));
  await first.append('a', 0, [
    { _tag: 'E', n: 1 },
    { _tag: 'E', n: 2 },
  ]);
  await first.append('b', 0, [{ _tag: 'E', n: 3 }]);
  await first.saveSnapshot('a', 2, { total: 3 });
  await first.saveCheckpoint('pub', 2);
  await first.close();
  t.ok(isJournalUnavailable(await first.read(1, 1).catch((e: unknown) => e)), 'a closed journal says so');

  const again = await EventJournal.open(new LmdbStore({ path: dir }));
  t.equal(await again.headOffset(), 3);
  t.equal(await again.highestSeq('a'), 2);
  t.same(
    (await again.read(1, 10)).map((e) => `${e.persistenceId}#${e.seq}@${e.offset}`),
    ['a#1@1', 'a#2@2', 'b#1@3'],
  );
  t.same((await again.loadSnapshot('a'))?.state, { total: 3 });
  t.equal(await again.loadCheckpoint('pub'), 2);
  const next = await again.append('a', 2, [{ _tag: 'E', n: 4 }]);
  t.equal(next.firstOffset, 4, 'offsets continue after reopen');
  await again.close();
});

t.test('a record damaged on disk is reported with its persistence id and seq', async (t) => {
  const dir = tempDir();
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const journal = await EventJournal.open(new LmdbStore({ path: dir }));
  await journal.append('rot-7', 0, [
    { _tag: 'E', n: 1 },
    { _tag: 'E', n: 2 },
  ]);
  await journal.close();
  // Damage the second record behind the store's back, as a bad disk or a bad tool would: both
  // events went in one transaction, so they share the segment at offset 1.
  const raw = open({ path: dir, maxDbs: 8 });
  const segments = raw.openDB<Buffer, number>({ name: 'segments', encoding: 'binary' });
  const segment = Buffer.from(segments.getBinary(1) ?? Buffer.alloc(0));
  t.equal(segment.readUInt32LE(1), 2, 'one segment holds both events');
  const record = segment.readUInt32LE(9) + 16; // entry 1: 16 bytes of links, then the record
  segment[record + 32 + 'rot-7'.length + 'E'.length] = 0xc1; // its payload: a byte msgpack never uses
  await segments.put(1, segment);
  await raw.close();

  const reopened = await EventJournal.open(new LmdbStore({ path: dir }));
  const err = await (async () => {
    for await (const _ of reopened.replay('rot-7'));
  })().catch((e: unknown) => e);
  t.ok(isCorruptEvent(err));
  t.match(err, { persistenceId: 'rot-7', seq: 2, offset: 2 });
  t.match(await reopened.read(1, 5).catch((e: unknown) => e), { _tag: 'CorruptEvent', offset: 2 });
  await reopened.close();
});

t.test('a damaged record header in the restart scan stops the open, naming the offset', async (t) => {
  const dir = tempDir();
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const journal = await EventJournal.open(new LmdbStore({ path: dir }));
  await journal.append('rot-8', 0, [{ _tag: 'E' }, { _tag: 'E' }]);
  await journal.close();
  const raw = open({ path: dir, maxDbs: 8 });
  const segments = raw.openDB<Buffer, number>({ name: 'segments', encoding: 'binary' });
  const segment = Buffer.from(segments.getBinary(1) ?? Buffer.alloc(0));
  segment[segment.readUInt32LE(9) + 16] = 0x7f; // entry 1's record format byte
  await segments.put(1, segment);
  await raw.close();
  let err: unknown;
  try {
    new LmdbStore({ path: dir });
  } catch (e) {
    err = e;
  }
  t.ok(isCorruptEvent(err), 'refuses to open rather than guess a head');
  t.match(err, { offset: 2 });
});

t.test('a failed commit fails its appends, leaves nothing visible, and the journal carries on', async (t) => {
  const dir = tempDir();
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  let diskFull = false;
  const journal = await EventJournal.open(
    new LmdbStore({ path: dir, injectFault: () => (diskFull ? new Error('MDB_MAP_FULL (simulated)') : undefined) }),
  );
  await journal.append('a', 0, [{ _tag: 'E', n: 1 }]);
  diskFull = true;
  const failed = await Promise.allSettled([
    journal.append('a', 1, [
      { _tag: 'E', n: 2 },
      { _tag: 'E', n: 3 },
    ]),
    journal.append('b', 0, [{ _tag: 'E', n: 4 }]),
  ]);
  t.ok(
    failed.every((r) => r.status === 'rejected' && isJournalUnavailable(r.reason)),
    'every append of the aborted transaction fails, retriable',
  );
  t.match((failed[0] as PromiseRejectedResult).reason, { message: /MAP_FULL/ });
  t.equal(await journal.highestSeq('a'), 1, 'nothing of it is visible');
  t.equal(await journal.headOffset(), 1);
  diskFull = false;
  const retried = await journal.append('a', 1, [
    { _tag: 'E', n: 2 },
    { _tag: 'E', n: 3 },
  ]);
  t.same(
    [retried.firstSeq, retried.lastSeq, retried.firstOffset, retried.lastOffset],
    [2, 3, 2, 3],
    'the same append succeeds, offsets without a gap',
  );
  await journal.close();
  const reopened = await EventJournal.open(new LmdbStore({ path: dir }));
  t.same(
    (await reopened.read(1, 10)).map((e) => e.event.n),
    [1, 2, 3],
    'and the disk agrees',
  );
  await reopened.close();
});

t.test('one writer per journal: a second open fails while the first is open, works after close', async (t) => {
  const dir = tempDir();
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const first = await EventJournal.open(new LmdbStore({ path: dir }));
  let err: unknown;
  try {
    new LmdbStore({ path: dir });
  } catch (e) {
    err = e;
  }
  t.ok(isJournalUnavailable(err));
  t.match(err, { message: /already open for writing by process \d+ \(this one\)/ });
  await first.close();
  const second = await EventJournal.open(new LmdbStore({ path: dir }));
  t.equal(await second.headOffset(), 0, 'the lock was released on close');
  await second.close();
});
