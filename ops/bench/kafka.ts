/**
 * Event bus benchmarks: `npm run bench -- kafka [--scale=0.3]`, against the broker named by
 * KAFKA_BROKERS (`eval "$(npm run -s backends -- up --only kafka)"` starts one on loopback).
 *
 * - publish rate: a pre-filled in-memory journal (~120-byte LegAdded events spread over 1,000
 *   aggregates) published by FeedPublisher to a fresh topic until the checkpoint reaches the
 *   head, i.e. acknowledged by the broker (acks=all, idempotent producer) and checkpointed;
 *   at the default page of 500 events and at 5,000;
 * - read rate: a new consumer group reading the topic from the start, each message decoded into
 *   an envelope as a view would, until every event arrived (group join included);
 * - baseline in the same run: the same journal and the same FeedPublisher/consumer code on the
 *   in-memory bus, i.e. everything but Kafka and kafkajs.
 *
 * Without KAFKA_BROKERS only the in-memory rows are measured, and the run says so.
 */
import { fromBusRecord, MemoryEventBus, type EventBus } from '../../src/persistence/event-bus.ts';
import type { EventJournal } from '../../src/persistence/event-journal.ts';
import { KafkaEventBus } from '../../src/persistence/kafka-bus.ts';
import { memoryJournal } from '../../src/persistence/memory-store.ts';
import { FeedPublisher } from '../../src/persistence/publisher.ts';
import kafkaBackend from '../backends/kafka.ts';
import type { Row, Suite, SuiteOptions } from './harness.ts';

const AGGREGATES = 1_000;
const PARTITIONS = 12; // KafkaEventBus's default for the topics it creates

const leg = (a: number, i: number) => ({
  _tag: 'LegAdded',
  version: 1,
  rotation: `rot-${a}`,
  flight: 'LH400',
  suffix: '',
  from: 'FRA',
  to: 'JFK',
  dep: 1700000000000 + i * 60_000,
  arr: 1700000030000 + i * 60_000,
});

async function filledJournal(events: number): Promise<EventJournal> {
  const journal = await memoryJournal();
  const seqs = new Array<number>(AGGREGATES).fill(0);
  // Appends of 10 events, round robin: the feed interleaves aggregates as real traffic does.
  for (let i = 0; i < events; i += 10) {
    const a = (i / 10) % AGGREGATES;
    const seq = seqs[a] ?? 0;
    await journal.append(
      `rot-${a}`,
      seq,
      Array.from({ length: 10 }, (_, k) => leg(a, seq + k)),
    );
    seqs[a] = seq + 10;
  }
  return journal;
}

interface Rate {
  readonly perSecond: number;
  /** This process's CPU time (user + system) per event: tells a client-bound run from a broker-bound one. */
  readonly cpuMicrosPerEvent: number;
}

function rateOf(events: number, t0: number, cpu0: NodeJS.CpuUsage): Rate {
  const cpu = process.cpuUsage(cpu0);
  return { perSecond: events / ((performance.now() - t0) / 1000), cpuMicrosPerEvent: (cpu.user + cpu.system) / events };
}

const show = (r: Rate) => `${Math.round(r.perSecond)}/s (${r.cpuMicrosPerEvent.toFixed(1)} µs CPU/event here)`;

async function until(cond: () => boolean | Promise<boolean>, what: string, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** FeedPublisher from checkpoint 0 to the head; events/s until the checkpoint is at the head. */
async function publishRate(journal: EventJournal, bus: EventBus, topic: string, batchSize: number): Promise<Rate> {
  const head = await journal.headOffset();
  const publisher = new FeedPublisher(journal, bus, { topic, batchSize });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await publisher.start();
  await until(async () => (await journal.loadCheckpoint(publisher.checkpointName)) === head, `${topic} to reach the head`, 600_000);
  const rate = rateOf(head, t0, cpu0);
  await publisher.stop();
  return rate;
}

/** A new group reads the whole topic, decoding each message; events/s from subscribing to the last event. */
async function readRate(bus: EventBus, topic: string, events: number): Promise<Rate> {
  let n = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const consumer = await bus.consume(topic, `bench-${topic}-${Date.now()}`, (records) => {
    for (const r of records) if (fromBusRecord(r).seq > 0) n++;
  });
  await until(() => n >= events, `${events} events read from ${topic}`, 600_000);
  const rate = rateOf(events, t0, cpu0);
  await consumer.close();
  return rate;
}

const suite: Suite = {
  name: 'kafka',
  description: 'Event bus: FeedPublisher journal -> Kafka publish rate and consumer read rate, beside the in-memory bus',
  async run(o: SuiteOptions) {
    const events = Math.max(10_000, Math.round(200_000 * o.scale));
    const brokers = process.env.KAFKA_BROKERS?.trim();
    o.log(`filling an in-memory journal with ${events.toLocaleString('en-US')} events over ${AGGREGATES} aggregates`);
    const journal = await filledJournal(events);
    const run = `${process.pid}-${Date.now()}`;
    const rows: Row[] = [];
    try {
      const memory = new MemoryEventBus();
      const mem500 = await publishRate(journal, memory, `mem-500-${run}`, 500);
      const mem5000 = await publishRate(journal, memory, `mem-5000-${run}`, 5000);
      const memRead = await readRate(memory, `mem-500-${run}`, events);
      await memory.close();
      o.log(`in-memory bus: publish ${show(mem500)} (page 500), ${show(mem5000)} (page 5000); read ${show(memRead)}`);
      if (!brokers) {
        o.log(
          'KAFKA_BROKERS is not set: only the in-memory baseline was measured. Start a broker with `eval "$(npm run -s backends -- up --only kafka)"` and run again.',
        );
        return [
          { name: 'FeedPublisher -> MemoryEventBus, page 500 (no Kafka: KAFKA_BROKERS unset)', value: mem500.perSecond, unit: 'events/s' },
          { name: 'MemoryEventBus consume + decode (no Kafka: KAFKA_BROKERS unset)', value: memRead.perSecond, unit: 'events/s' },
        ];
      }
      o.log(`Kafka at ${brokers} (started by \`npm run backends\`: ${kafkaBackend.title}); topics of ${PARTITIONS} partitions`);
      // kafkajs's own warnings as plain lines among the progress lines, not JSON on stdout.
      const log = (level: string, message: string) => o.log(`${level}: ${message}`);
      const kafka = new KafkaEventBus({
        brokers: brokers.split(',').map((s) => s.trim()),
        partitions: PARTITIONS,
        clientId: 'aloft-bench',
        log,
      });
      try {
        const k500 = await publishRate(journal, kafka, `bench-500-${run}`, 500);
        o.log(`Kafka publish, page 500: ${show(k500)}`);
        const k5000 = await publishRate(journal, kafka, `bench-5000-${run}`, 5000);
        o.log(`Kafka publish, page 5000: ${show(k5000)}`);
        const kRead = await readRate(kafka, `bench-500-${run}`, events);
        o.log(`Kafka read: ${show(kRead)}`);
        rows.push(
          {
            name: `FeedPublisher -> Kafka, page 500 (${events.toLocaleString('en-US')} events, acked + checkpointed)`,
            value: k500.perSecond,
            unit: 'events/s',
            baseline: { name: 'same to MemoryEventBus', value: mem500.perSecond },
          },
          {
            name: 'FeedPublisher -> Kafka, page 5000',
            value: k5000.perSecond,
            unit: 'events/s',
            baseline: { name: 'same to MemoryEventBus', value: mem5000.perSecond },
          },
          {
            name: 'Kafka consumer group read + decode, from the start',
            value: kRead.perSecond,
            unit: 'events/s',
            baseline: { name: 'MemoryEventBus consume + decode', value: memRead.perSecond },
          },
          {
            name: 'Node CPU per event published to Kafka, page 500',
            value: k500.cpuMicrosPerEvent,
            unit: 'µs',
            baseline: { name: 'to MemoryEventBus', value: mem500.cpuMicrosPerEvent },
          },
          {
            name: 'Node CPU per event read from Kafka',
            value: kRead.cpuMicrosPerEvent,
            unit: 'µs',
            baseline: { name: 'from MemoryEventBus', value: memRead.cpuMicrosPerEvent },
          },
        );
      } finally {
        await kafka.close();
      }
    } finally {
      await journal.close();
    }
    return rows;
  },
};

export default suite;
