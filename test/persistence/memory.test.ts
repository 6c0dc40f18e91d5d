/**
 * The in-memory store: the journal contract, plus the failure and damage hooks only it has.
 */
import t from 'tap';
import { EventJournal } from '../../src/persistence/event-journal.ts';
import { isCorruptEvent, isJournalUnavailable } from '../../src/persistence/errors.ts';
import { MemoryStore } from '../../src/persistence/memory-store.ts';
import { journalContract } from './fixtures/journal-contract.ts';

journalContract(t, async (options) => {
  const store = new MemoryStore();
  const journal = await EventJournal.open(store, options);
  return { journal, store, cleanup: () => journal.close() };
});

t.test('a failing store fails the append with a clear error, shows nothing, and recovers', async (t) => {
  const store = new MemoryStore();
  const journal = await EventJournal.open(store);
  await journal.append('a', 0, [{ _tag: 'E' }]);
  store.failWrites('disk full');
  const err = await journal.append('a', 1, [{ _tag: 'E' }, { _tag: 'E' }]).catch((e: unknown) => e);
  t.ok(isJournalUnavailable(err));
  t.match(err, { retriable: true, message: /disk full/ });
  t.equal(await journal.highestSeq('a'), 1);
  store.failWrites(undefined);
  const ok = await journal.append('a', 1, [{ _tag: 'E' }]);
  t.equal(ok.lastSeq, 2, 'the same expectedSeq works once storage is back');
  await journal.close();
  t.ok(isJournalUnavailable(await journal.append('a', 2, []).catch((e: unknown) => e)), 'closed journal');
});

t.test('a damaged record is reported with its persistence id and seq, not skipped', async (t) => {
  const store = new MemoryStore();
  const journal = await EventJournal.open(store);
  await journal.append('rot-9', 0, [
    { _tag: 'E', n: 1 },
    { _tag: 'E', n: 2 },
    { _tag: 'E', n: 3 },
  ]);
  store.damage(2, new Uint8Array([0xc1, 0xff, 0x00]));
  const replay = async () => {
    for await (const _ of journal.replay('rot-9'));
  };
  const err = await replay().catch((e: unknown) => e);
  t.ok(isCorruptEvent(err));
  t.match(err, { persistenceId: 'rot-9', seq: 2, offset: 2 });
  const feedErr = await journal.read(1, 10).catch((e: unknown) => e);
  t.ok(isCorruptEvent(feedErr));
  t.match(feedErr, { offset: 2 });
  const sub = journal.subscribe(1, () => undefined);
  t.ok(isCorruptEvent(await sub.done.catch((e: unknown) => e)), 'a subscription stops at it');
  await journal.close();
});
