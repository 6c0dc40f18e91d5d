import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { open } from 'lmdb';
import { EventJournal } from '../../src/persistence/event-journal.ts';
import { isCorruptEvent, isJournalUnavailable } from '../../src/persistence/errors.ts';
import { LmdbStore } from '../../src/persistence/lmdb-store.ts';
import { journalContract } from './fixtures/journal-contract.ts';

const tempDir = () => mkdtempSync(path.join(os.tmpdir(), 'aloft-lmdb-'));

journalContract(t, async (options) => {
  const dir = tempDir();
  const store = new LmdbStore({ path: dir });
  const journal = await EventJournal.open(store, options);
  return {
    journal,
    store,
    cleanup: async () => {
      await journal.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
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
  await first.append('a', 0, [{ _tag: 'E', n: 1 }, { _tag: 'E', n: 2 }]);
  await first.append('b', 0, [{ _tag: 'E', n: 3 }]);
  await first.saveSnapshot('a', 2, { total: 3 });
  await first.saveCheckpoint('pub', 2);
  await first.close();
  t.ok(isJournalUnavailable(await first.read(1, 1).catch((e: unknown) => e)), 'a closed journal says so');

  const again = await EventJournal.open(new LmdbStore({ path: dir }));
  t.equal(await again.headOffset(), 3);
  t.equal(await again.highestSeq('a'), 2);
  t.same((await again.read(1, 10)).map((e) => `${e.persistenceId}#${e.seq}@${e.offset}`), ['a#1@1', 'a#2@2', 'b#1@3']);
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
  await journal.append('rot-7', 0, [{ _tag: 'E', n: 1 }, { _tag: 'E', n: 2 }]);
  await journal.close();
  // Damage the second record behind the store's back, as a bad disk or a bad tool would.
  const raw = open({ path: dir, maxDbs: 8 });
  const feed = raw.openDB<Buffer, number>({ name: 'feed', encoding: 'binary' });
  await feed.put(2, Buffer.from([0x93, 0x01, 0xc1]));
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
