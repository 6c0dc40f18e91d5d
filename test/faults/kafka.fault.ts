/**
 * The real broker goes away under the FeedPublisher and comes back (same ports, same data): a
 * journal is being written and published the whole time. Afterwards every event is on the topic,
 * each aggregate's events in order, and a consumer applying the documented dedup rule
 * (DedupFilter by persistenceId + seq) applies each exactly once: both a consumer that stayed up
 * through the outage (as a read model would) and one reading the topic from the start afterwards.
 *
 * A fault test: it stops the shared Kafka started by `npm run backends -- up`, so it runs in the
 * serial phase after the main suite, never beside other tests using KAFKA_BROKERS.
 */
import t, { type Test } from 'tap';
import { startServer, stopServer } from '../../ops/backends/control.ts';
import { DedupFilter, type Verdict } from '../../src/persistence/dedup.ts';
import { fromBusRecord, type BusConsumer } from '../../src/persistence/event-bus.ts';
import type { EventJournal } from '../../src/persistence/event-journal.ts';
import { KafkaEventBus } from '../../src/persistence/kafka-bus.ts';
import { memoryJournal } from '../../src/persistence/memory-store.ts';
import { FeedPublisher } from '../../src/persistence/publisher.ts';
import { liveEnv } from '../fixtures/live.ts';

async function until(cond: () => boolean | Promise<boolean>, what: string, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** What one consumer saw: every verdict, and the applied events per aggregate in arrival order. */
class Reader {
  readonly filter = new DedupFilter();
  readonly applied = new Map<string, number[]>();
  readonly offsets = new Set<number>();
  readonly verdicts: Record<Verdict, number> = { new: 0, duplicate: 0, gap: 0 };
  consumer: BusConsumer | undefined;

  async start(bus: KafkaEventBus, topic: string, group: string): Promise<void> {
    this.consumer = await bus.consume(topic, group, (records) => {
      for (const r of records) {
        const e = fromBusRecord(r);
        const v = this.filter.check(e.persistenceId, e.seq);
        this.verdicts[v]++;
        if (v === 'duplicate') continue;
        this.offsets.add(e.offset);
        const seqs = this.applied.get(e.persistenceId) ?? [];
        seqs.push(e.seq);
        this.applied.set(e.persistenceId, seqs);
      }
    });
  }
}

const AGGREGATES = 20;

function check(t: Test, who: string, reader: Reader, head: number, highest: ReadonlyMap<string, number>): void {
  t.equal(reader.offsets.size, head, `${who}: every offset 1..${head} applied`);
  t.equal(reader.verdicts.new, head, `${who}: each event applied exactly once`);
  t.equal(reader.verdicts.gap, 0, `${who}: no gap (no aggregate's events arrived out of order)`);
  let inOrder = 0;
  for (const [id, last] of highest) {
    const seqs = reader.applied.get(id) ?? [];
    if (seqs.length === last && seqs.every((s, i) => s === i + 1)) inOrder++;
    else t.fail(`${who}: ${id} applied ${seqs.length} of ${last}, first wrong at ${seqs.findIndex((s, i) => s !== i + 1)}`);
  }
  t.equal(inOrder, highest.size, `${who}: all ${highest.size} aggregates complete and in seq order`);
  t.comment(`${who}: ${reader.verdicts.duplicate} duplicates dropped by DedupFilter`);
}

// The whole file, not only its test: tap's per-file timeout (30 s run alone, 120 s in this
// repository's config) would end it during the outage.
t.setTimeout(600_000);

const brokersVar = liveEnv(t, 'KAFKA_BROKERS', 'Kafka broker stopped and restarted under the publisher');
if (brokersVar) {
  const brokers = brokersVar.split(',').map((s) => s.trim());
  // Graceful (SIGTERM: the broker finishes in-flight requests and closes its logs) and crash
  // (SIGKILL mid-request: the broker recovers its logs on start, the producer's in-flight batch
  // has no answer). Each takes a failed send's worth of kafkajs retries (10-25 s), a restart and
  // the catch-up.
  for (const kill of [false, true]) {
    const how = kill ? 'is killed (SIGKILL)' : 'stops (SIGTERM)';
    t.test(
      `the broker ${how} while the publisher runs; after it restarts every event is on the topic once in effect, in order`,
      { timeout: 300_000 },
      (t) => outage(t, brokers, kill),
    );
  }
}

async function outage(t: Test, brokers: string[], kill: boolean): Promise<void> {
  const topic = `aloft-fault-${kill ? 'kill' : 'stop'}-${process.pid}-${Date.now()}`;
  const journal: EventJournal = await memoryJournal();
  // kafkajs logs every reconnection attempt; kept here, summed up at the end, and its tail shown
  // if the test fails, rather than ~150 JSON lines in the TAP stream.
  const kafkaLog: string[] = [];
  const log = (level: string, message: string) => void kafkaLog.push(`${level} ${message}`);
  const bus = new KafkaEventBus({ brokers, partitions: 3, clientId: 'aloft-fault-publisher', log });
  // Same partition count: whichever bus touches the topic first creates it.
  const readerBus = new KafkaEventBus({ brokers, partitions: 3, clientId: 'aloft-fault-reader', log });
  const errors: string[] = [];
  const publisher = new FeedPublisher(journal, bus, {
    topic,
    batchSize: 100,
    minBackoffMs: 100,
    maxBackoffMs: 2000,
    onError: (e) => errors.push((e as Error).message),
  });
  let brokerStopped = false;
  // One restart, shared by the test and the teardown: a teardown running after a timeout while
  // the test's restart is still under way must wait for it, not start a second server.
  let restarting: Promise<unknown> | undefined;
  const restart = () => (restarting ??= startServer('kafka'));
  let writing = true;
  const highest = new Map<string, number>();
  const live = new Reader();
  t.teardown(async () => {
    writing = false;
    // A failure mid-test must not leave the shared broker down for whatever runs next.
    if (brokerStopped) await restart();
    await publisher.stop();
    await live.consumer?.close();
    await Promise.all([bus.close(), readerBus.close()]);
    await journal.close();
    if (!t.passing()) t.comment(`kafkajs log, last 30 of ${kafkaLog.length} lines:\n${kafkaLog.slice(-30).join('\n')}`);
  });

  // The writer: small appends spread over the aggregates, as commands would arrive.
  const writer = (async () => {
    for (let i = 0; writing; i++) {
      const id = `rot-${i % AGGREGATES}`;
      const seq = highest.get(id) ?? 0;
      const n = 1 + (i % 3);
      await journal.append(
        id,
        seq,
        Array.from({ length: n }, (_, k) => ({ _tag: 'LegAdded', leg: seq + k + 1 })),
      );
      highest.set(id, seq + n);
      await new Promise((r) => setTimeout(r, 2));
    }
  })();

  await live.start(readerBus, topic, `fault-live-${topic}`);
  await publisher.start();
  await until(async () => (await journal.loadCheckpoint(publisher.checkpointName)) >= 300, 'the first 300 events published', 60_000);

  const stoppedAt = await journal.headOffset();
  const stoppedCheckpoint = await journal.loadCheckpoint(publisher.checkpointName);
  const stopStarted = Date.now();
  await stopServer('kafka', { kill });
  brokerStopped = true;
  t.comment(`broker stopped (${Date.now() - stopStarted} ms) at journal head ${stoppedAt}, checkpoint ${stoppedCheckpoint}`);
  // The publisher must notice (kafkajs retries inside one send first, 10-25 s) and then keep
  // retrying the same batch on the same producer until the broker is back. Meanwhile the
  // journal keeps accepting events.
  await until(() => errors.length >= 1, 'the publisher to report the outage', 120_000);
  await until(async () => (await journal.headOffset()) >= stoppedAt + 300, '300 more events written during the outage', 60_000);
  const downCheckpoint = await journal.loadCheckpoint(publisher.checkpointName);

  const downFor = Date.now() - stopStarted;
  await restart();
  t.comment(`broker restarted after ${downFor} ms down; the publisher had failed ${errors.length} time(s); first: ${errors[0]}`);
  await until(
    async () => (await journal.loadCheckpoint(publisher.checkpointName)) > downCheckpoint,
    'the publisher to publish again after the restart',
    120_000,
  );
  writing = false;
  await writer;
  const head = await journal.headOffset();
  await until(
    async () => (await journal.loadCheckpoint(publisher.checkpointName)) === head,
    `the checkpoint to reach the head (${head})`,
    120_000,
  );
  t.ok(errors.length >= 1, `the outage was retried, not skipped (${errors.length} failed sends)`);
  t.ok(head >= stoppedAt + 300, `events were written during the outage (head ${head}, ${stoppedAt} at the stop)`);

  await until(() => live.offsets.size === head, `the consumer that stayed up to apply all ${head} events`, 120_000);
  check(t, 'consumer that stayed up', live, head, highest);

  const fresh = new Reader();
  await fresh.start(readerBus, topic, `fault-fresh-${topic}`);
  await until(() => fresh.offsets.size === head, `a fresh consumer to read all ${head} events from the topic`, 120_000);
  check(t, 'fresh consumer from the beginning', fresh, head, highest);
  await fresh.consumer?.close();
  t.comment(`kafkajs logged ${kafkaLog.length} lines (retries it handled itself)`);
}
