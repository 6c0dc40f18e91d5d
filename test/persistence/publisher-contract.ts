/**
 * Publisher recovery, against any EventBus: events stored but not yet published before a
 * crash are published after restart, and a consumer with DedupFilter sees each exactly once.
 * Runs on the in-memory bus always, and on Kafka when KAFKA_BROKERS is set.
 */
import type { Test } from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DedupFilter } from '../../src/persistence/dedup.ts';
import { fromBusRecord, type EventBus } from '../../src/persistence/event-bus.ts';
import { EventJournal } from '../../src/persistence/event-journal.ts';
import type { EventEnvelope } from '../../src/persistence/journal.ts';
import { LmdbStore } from '../../src/persistence/lmdb-store.ts';
import { FeedPublisher } from '../../src/persistence/publisher.ts';

async function until(cond: () => boolean, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export interface BusSubject {
  readonly bus: EventBus;
  /** Makes publishing fail (true) or work again (false); undefined if the bus cannot. */
  readonly breakBus?: (broken: boolean) => void;
  cleanup(): Promise<void>;
}

export function publisherRecovery(t: Test, makeBus: () => Promise<BusSubject>): void {
  t.test('events stored but not published before a crash are published after restart, once in effect', async (t) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'aloft-pub-'));
    const topic = `aloft-events-${process.pid}-${Date.now()}`;
    const { bus, breakBus, cleanup } = await makeBus();
    t.teardown(async () => {
      await cleanup();
      rmSync(dir, { recursive: true, force: true });
    });

    // A consumer that stays up through the publisher's crashes, as a read model would.
    const filter = new DedupFilter();
    const applied: EventEnvelope[] = [];
    let received = 0;
    const consumer = await bus.consume(topic, `test-${topic}`, (records) => {
      for (const r of records) {
        received++;
        const e = fromBusRecord(r);
        if (filter.accept(e.persistenceId, e.seq)) applied.push(e);
      }
    });

    let journal = await EventJournal.open(new LmdbStore({ path: dir }));
    const append = async (round: number) => {
      for (let a = 0; a < 10; a++) {
        const id = `rot-${a}`;
        const seq = await journal.highestSeq(id);
        await journal.append(id, seq, Array.from({ length: 5 }, (_, i) => ({ _tag: 'LegAdded', round, n: seq + i + 1 })));
      }
    };

    const first = new FeedPublisher(journal, bus, { topic, batchSize: 7, minBackoffMs: 1, maxBackoffMs: 5 });
    await first.start();
    await append(1);
    await until(() => applied.length === 50, 'the first 50 events to reach the consumer');

    // Crash window 1: the bus is down; events are stored but cannot be published.
    let failures = 0;
    if (breakBus) {
      breakBus(true);
      const failing = new FeedPublisher(journal, bus, { topic, minBackoffMs: 1, maxBackoffMs: 5, onError: () => failures++ });
      await first.stop();
      await failing.start();
      await append(2);
      await until(() => failures >= 2, 'the publisher to retry against the broken bus');
      await failing.stop();
      breakBus(false);
    } else {
      await first.stop();
      await append(2);
    }
    // Crash window 2: the bus got offsets 31..50 but the checkpoint write was lost.
    await journal.saveCheckpoint(`publisher:${topic}`, 30);
    // The process dies: close and reopen the journal from disk.
    await journal.close();
    journal = await EventJournal.open(new LmdbStore({ path: dir }));
    t.equal(await journal.headOffset(), 100, 'all 100 events are in the journal');
    t.equal(await journal.loadCheckpoint(`publisher:${topic}`), 30);

    const second = new FeedPublisher(journal, bus, { topic, batchSize: 16, minBackoffMs: 1, maxBackoffMs: 5 });
    await second.start();
    await until(() => applied.length === 100, 'all 100 events applied after restart');
    await until(() => second.position() === 101, 'the publisher to reach the head');
    await until(() => received >= 120, 'the re-published duplicates to arrive');
    t.equal(second.publishedCount, 70, 'restart re-published from the checkpoint: 31..100');
    t.equal(await journal.loadCheckpoint(`publisher:${topic}`), 100, 'checkpoint at the head');
    t.ok(received > applied.length, `${received - applied.length} duplicates reached the consumer and were dropped`);
    const keys = new Set(applied.map((e) => `${e.persistenceId}#${e.seq}`));
    t.equal(keys.size, 100, 'each event applied exactly once');
    for (let a = 0; a < 10; a++) {
      const seqs = applied.filter((e) => e.persistenceId === `rot-${a}`).map((e) => e.seq);
      t.same(seqs, Array.from({ length: 10 }, (_, i) => i + 1), `rot-${a} in order, gap-free`);
    }
    if (breakBus) t.ok(failures >= 2, 'bus failures were retried, not skipped');
    await second.stop();
    await consumer.close();
    await journal.close();
  });
}
