/**
 * The contract every Journal backend passes: memory, LMDB, and ScyllaDB when configured.
 * A backend test file calls `journalContract(t, make)`; `make` builds a fresh, empty journal
 * (over its own store) for each subtest.
 */
import type { Test } from 'tap';
import { EventJournal, type EventJournalOptions } from '../../src/persistence/event-journal.ts';
import { isInvalidAppend, isJournalConflict, isUnknownEvent, toErrorData, JournalConflict } from '../../src/persistence/errors.ts';
import type { EventEnvelope, Journal, JournalEvent } from '../../src/persistence/journal.ts';
import type { JournalStore } from '../../src/persistence/store.ts';
import { Upcasters } from '../../src/persistence/upcasters.ts';

export interface Subject {
  readonly journal: Journal;
  /** The store under the journal, to open a second EventJournal over the same data. */
  readonly store: JournalStore;
  cleanup(): Promise<void>;
}
export type MakeJournal = (options: EventJournalOptions) => Promise<Subject>;

const ev = (tag: string, n: number, extra: Record<string, unknown> = {}): JournalEvent => ({ _tag: tag, n, ...extra });

async function collect(it: AsyncIterable<EventEnvelope>): Promise<EventEnvelope[]> {
  const out: EventEnvelope[] = [];
  for await (const e of it) out.push(e);
  return out;
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected the promise to reject');
}

/** Waits for a condition with a deadline; never a fixed sleep. */
async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

export function journalContract(t: Test, make: MakeJournal): void {
  const withJournal = (name: string, body: (t: Test, s: Subject) => Promise<void>, options: EventJournalOptions = {}) =>
    t.test(name, async (t) => {
      const s = await make(options);
      try {
        await body(t, s);
      } finally {
        await s.cleanup();
      }
    });

  withJournal('append then replay: seqs from 1, offsets global and gap-free', async (t, { journal }) => {
    const a = await journal.append('rot-1', 0, [ev('LegAdded', 1), ev('LegAdded', 2)]);
    t.same([a.firstSeq, a.lastSeq, a.firstOffset, a.lastOffset], [1, 2, 1, 2]);
    const b = await journal.append('rot-2', 0, [ev('LegAdded', 3)]);
    t.same([b.firstSeq, b.lastSeq, b.firstOffset, b.lastOffset], [1, 1, 3, 3]);
    const c = await journal.append('rot-1', 2, [ev('LegRemoved', 4)]);
    t.same([c.firstSeq, c.lastSeq, c.firstOffset], [3, 3, 4]);
    const events = await collect(journal.replay('rot-1'));
    t.same(events.map((e) => [e.seq, e.offset, e.type, e.version, e.event.n]), [
      [1, 1, 'LegAdded', 1, 1],
      [2, 2, 'LegAdded', 1, 2],
      [3, 4, 'LegRemoved', 1, 4],
    ]);
    t.equal(events[0]?.persistenceId, 'rot-1');
    t.same(events[0]?.event, { _tag: 'LegAdded', n: 1 });
    t.equal(await journal.highestSeq('rot-1'), 3);
    t.equal(await journal.highestSeq('nobody'), 0);
    t.same(await collect(journal.replay('nobody')), []);
    t.same((await collect(journal.replay('rot-1', 2, 2))).map((e) => e.seq), [2]);
    t.same((await collect(journal.replay('rot-1', 3))).map((e) => e.seq), [3]);
  });

  withJournal('a stale writer gets a typed conflict and changes nothing', async (t, { journal }) => {
    await journal.append('a', 0, [ev('E', 1), ev('E', 2)]);
    const stale = await rejection(journal.append('a', 1, [ev('E', 99)]));
    t.ok(isJournalConflict(stale), 'behind: conflict');
    t.match(stale, { _tag: 'JournalConflict', persistenceId: 'a', expectedSeq: 1, actualSeq: 2, retriable: false });
    const ahead = await rejection(journal.append('a', 5, [ev('E', 99)]));
    t.ok(isJournalConflict(ahead), 'ahead: conflict');
    const fresh = await rejection(journal.append('a', 0, []));
    t.ok(isJournalConflict(fresh), 'an empty append still checks expectedSeq');
    t.same((await collect(journal.replay('a'))).map((e) => e.event.n), [1, 2]);
    t.equal(await journal.headOffset(), 2);
    // The guard works on the plain-data form that crosses a worker boundary.
    t.ok(isJournalConflict(JSON.parse(JSON.stringify(toErrorData(stale as JournalConflict)))));
  });

  withJournal('two writers racing on one aggregate: exactly one wins; others in the batch are unaffected', async (t, { journal }) => {
    await journal.append('hot', 0, [ev('E', 0)]);
    const results = await Promise.allSettled([
      journal.append('hot', 1, [ev('E', 1)]),
      journal.append('x', 0, [ev('E', 2)]),
      journal.append('hot', 1, [ev('E', 3)]),
      journal.append('y', 0, [ev('E', 4)]),
    ]);
    const hot = [results[0], results[2]];
    t.equal(hot.filter((r) => r?.status === 'fulfilled').length, 1, 'one hot writer wins');
    const lost = hot.find((r) => r?.status === 'rejected') as PromiseRejectedResult;
    t.ok(isJournalConflict(lost.reason));
    t.equal(results[1]?.status, 'fulfilled');
    t.equal(results[3]?.status, 'fulfilled');
    t.equal(await journal.highestSeq('hot'), 2);
    t.equal(await journal.headOffset(), 4, 'the loser took no offset');
  });

  withJournal('many concurrent writers: every aggregate gap-free, the feed holds each event once', async (t, { journal }) => {
    const writers = 50;
    const perWriter = 10;
    await Promise.all(
      Array.from({ length: writers }, async (_, w) => {
        for (let i = 0; i < perWriter; i++) await journal.append(`w-${w}`, i, [ev('E', i, { w })]);
      }),
    );
    const feed = await journal.read(1, writers * perWriter + 10);
    t.equal(feed.length, writers * perWriter);
    t.ok(feed.every((e, i) => e.offset === i + 1), 'offsets 1..N in order');
    t.ok(feed.every((e) => e.persistenceId === `w-${String(e.event.w)}` && e.event.n === e.seq - 1), 'each payload belongs to its header');
    const seen = new Set(feed.map((e) => `${e.persistenceId}#${e.seq}`));
    t.equal(seen.size, feed.length, 'no duplicates');
    for (const w of [0, 17, 49]) {
      t.same((await collect(journal.replay(`w-${w}`))).map((e) => e.seq), Array.from({ length: perWriter }, (_, i) => i + 1));
    }
    t.same((await journal.read(11, 5)).map((e) => e.offset), [11, 12, 13, 14, 15], 'paging');
    t.same(await journal.read(writers * perWriter + 1, 10), [], 'past the head');
  });

  withJournal('bad input fails its own append before storage, atomically', async (t, { journal }) => {
    await journal.append('a', 0, [ev('E', 1)]);
    const noTag = await rejection(journal.append('a', 1, [ev('E', 2), { n: 3 } as unknown as JournalEvent]));
    t.ok(isInvalidAppend(noTag), 'event without _tag');
    const badVersion = await rejection(journal.append('a', 1, [{ _tag: 'E', version: 0 }]));
    t.ok(isInvalidAppend(badVersion), 'version 0');
    t.ok(isInvalidAppend(await rejection(journal.append('', 0, [ev('E', 1)]))), 'empty id');
    t.ok(isInvalidAppend(await rejection(journal.append('a', -1, [ev('E', 1)]))), 'negative expectedSeq');
    t.equal(await journal.highestSeq('a'), 1, 'nothing of the failed batch is visible');
    t.equal(await journal.headOffset(), 1);
  });

  withJournal(
    'timestamps come from the injected clock',
    async (t, { journal }) => {
      await journal.append('a', 0, [ev('E', 1)]);
      const [e] = await journal.read(1, 1);
      t.equal(e?.timestamp, 1_700_000_000_000);
    },
    { clock: { now: () => 1_700_000_000_000, setTimeout: () => 0, clearTimeout: () => undefined } },
  );

  withJournal('subscribe catches up, then follows live, in order, never skipping', async (t, { journal }) => {
    for (let i = 0; i < 30; i++) await journal.append(`p-${i % 3}`, Math.floor(i / 3), [ev('E', i)]);
    const got: number[] = [];
    const sub = journal.subscribe(5, (batch) => void got.push(...batch.map((e) => e.offset)), { batchSize: 7 });
    // Appends race the catch-up: they must still arrive exactly once, in order.
    const live = Array.from({ length: 20 }, (_, i) => journal.append(`live-${i}`, 0, [ev('E', 100 + i), ev('E', 200 + i)]));
    await Promise.all(live);
    await until(() => got.length === 66, 'all 66 offsets from 5 to 70');
    t.same(got, Array.from({ length: 66 }, (_, i) => i + 5));
    t.equal(sub.position(), 71);
    await journal.append('late', 0, [ev('E', 1)]);
    await until(() => got.length === 67, 'the event appended while idle');
    await sub.close();
    await sub.done;
    await journal.append('after-close', 0, [ev('E', 1)]);
    t.equal(got.length, 67, 'nothing delivered after close');
  });

  withJournal('a subscription whose handler throws ends with that error', async (t, { journal }) => {
    await journal.append('a', 0, [ev('E', 1), ev('E', 2)]);
    const sub = journal.subscribe(1, (batch) => {
      if (batch.some((e) => e.offset === 2)) throw new Error('view failed');
    }, { batchSize: 1 });
    await t.rejects(sub.done, /view failed/);
    t.equal(sub.position(), 2, 'stopped at the event it could not handle');
  });

  withJournal('snapshots: save, load latest or at most a seq, delete older', async (t, { journal }) => {
    t.equal(await journal.loadSnapshot('a'), undefined);
    await journal.saveSnapshot('a', 10, { legs: [1, 2] });
    await journal.saveSnapshot('a', 20, { legs: [1, 2, 3] });
    await journal.saveSnapshot('b', 5, { other: true });
    const latest = await journal.loadSnapshot('a');
    t.match(latest, { persistenceId: 'a', seq: 20, state: { legs: [1, 2, 3] } });
    t.equal((await journal.loadSnapshot('a', 19))?.seq, 10);
    t.equal(await journal.loadSnapshot('a', 9), undefined);
    t.equal(await journal.deleteSnapshots('a', 20), 1);
    t.equal(await journal.loadSnapshot('a', 19), undefined);
    t.equal((await journal.loadSnapshot('a'))?.seq, 20);
    t.equal((await journal.loadSnapshot('b'))?.seq, 5, 'other aggregates untouched');
  });

  withJournal('checkpoints are named offsets, 0 when unknown', async (t, { journal }) => {
    t.equal(await journal.loadCheckpoint('kafka'), 0);
    await journal.saveCheckpoint('kafka', 42);
    await journal.saveCheckpoint('kafka', 43);
    t.equal(await journal.loadCheckpoint('kafka'), 43);
    t.equal(await journal.loadCheckpoint('other'), 0);
  });

  withJournal('a stored v1 event is read as v2 through upcasters, on replay and on the feed', async (t, { journal, store }) => {
    await journal.append('rot', 0, [{ _tag: 'LegAdded', version: 1, flight: 'LH400' }, { _tag: 'Note', text: 'x' }]);
    const upcasters = new Upcasters().register('LegAdded', 1, (v1) => ({ ...v1, version: 2, suffix: '' }));
    const v2 = await EventJournal.open(store, { upcasters });
    const [replayed] = await collect(v2.replay('rot'));
    t.same(replayed?.event, { _tag: 'LegAdded', version: 2, flight: 'LH400', suffix: '' });
    t.equal(replayed?.version, 2);
    const feed = await v2.read(1, 10);
    t.same(feed[0]?.event, replayed?.event);
    t.equal(feed[1]?.version, 1, 'types without upcasters pass unchanged');
    const old = await collect(journal.replay('rot'));
    t.equal(old[0]?.version, 1, 'the stored bytes were not rewritten');
  });

  withJournal('an event newer than the reader knows is a typed error naming its id and seq', async (t, { journal, store }) => {
    await journal.append('rot', 0, [{ _tag: 'LegAdded', version: 3, flight: 'LH400' }]);
    const reader = await EventJournal.open(store, { upcasters: new Upcasters().register('LegAdded', 1, (e) => ({ ...e, version: 2 })) });
    const err = await rejection(collect(reader.replay('rot')));
    t.ok(isUnknownEvent(err));
    t.match(err, { persistenceId: 'rot', seq: 1, offset: 1 });
    t.ok(isUnknownEvent(await rejection(reader.read(1, 1))), 'on the feed too');
  });
}
