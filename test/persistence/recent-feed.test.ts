import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { lmdbJournal, type EventEnvelope } from '../../src/persistence/index.ts';

// The LMDB store answers reads of recently committed events from memory (the objects they were
// encoded from); what it answers must be what the same read answers from disk after a reopen.
t.test('the feed read from memory equals the feed read from disk, across the edge of what memory holds', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'aloft-recent-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const journal = await lmdbJournal({ path: dir, durability: 'commit' });
  const total = 20_000;
  for (let i = 0; i < total; i += 500) {
    await Promise.all(
      Array.from({ length: 500 }, (_, k) =>
        journal.append(`a-${i + k}`, 0, [
          { _tag: 'Thing', n: i + k, nested: { list: [1, 'two', null, { deep: true }], at: i * 1.5 }, missing: null },
        ]),
      ),
    );
  }
  const strip = (es: readonly EventEnvelope[]) => es.map((e) => ({ ...e }));
  const fromMemory = strip(await journal.read(1, total));
  const tail = strip(await journal.read(total - 9, 10));
  t.equal(fromMemory.length, total, 'every event, part from disk and part from memory');
  t.same(
    fromMemory.map((e) => e.offset),
    Array.from({ length: total }, (_, i) => i + 1),
    'in offset order, no gap, no repeat',
  );
  await journal.close();
  const reopened = await lmdbJournal({ path: dir, durability: 'commit' });
  t.teardown(() => reopened.close());
  t.same(strip(await reopened.read(1, total)), fromMemory, 'the same envelopes from disk');
  t.same(strip(await reopened.read(total - 9, 10)), tail);
});
