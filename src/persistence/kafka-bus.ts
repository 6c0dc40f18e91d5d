/**
 * The production event bus: Kafka through kafkajs.
 *
 * Publishing: one message per event, keyed by persistence id, so Kafka's default partitioner
 * keeps each aggregate's events in one partition, in order. kafkajs sends what it is given, so
 * batching is ours: FeedPublisher hands over a page of the feed and this sends it in chunks of
 * `maxBatch` messages per request. The producer is idempotent with acks=all, so a retried
 * request inside kafkajs does not duplicate; a re-publish after a crash still can, which is
 * what DedupFilter on the consumer is for.
 *
 * Consuming: a consumer group, `eachBatch`, offsets resolved only after the handler returned
 * (at-least-once). Views read every partition; order holds per aggregate, not across them.
 */
import { Kafka, Partitioners, logLevel, type Consumer, type Producer } from 'kafkajs';
import { JournalUnavailable } from './errors.ts';
import type { BusConsumer, BusHandler, BusRecord, EventBus } from './event-bus.ts';

export interface KafkaBusOptions {
  readonly brokers: readonly string[];
  readonly clientId?: string;
  /** Messages per produce request (default 1000). */
  readonly maxBatch?: number;
  /** Partitions for topics this bus creates (default 12). */
  readonly partitions?: number;
  readonly replicationFactor?: number;
}

export class KafkaEventBus implements EventBus {
  private readonly kafka: Kafka;
  private producer: Producer | undefined;
  private readonly consumers = new Set<Consumer>();
  private readonly knownTopics = new Set<string>();

  constructor(private readonly options: KafkaBusOptions) {
    this.kafka = new Kafka({ clientId: options.clientId ?? 'aloft', brokers: [...options.brokers], logLevel: logLevel.WARN });
  }

  async publish(topic: string, records: readonly BusRecord[]): Promise<void> {
    try {
      await this.ensureTopic(topic);
      const producer = await this.connectedProducer();
      const max = this.options.maxBatch ?? 1000;
      for (let i = 0; i < records.length; i += max) {
        await producer.send({
          topic,
          acks: -1,
          messages: records.slice(i, i + max).map((r) => ({ key: r.key, value: Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength) })),
        });
      }
    } catch (e) {
      throw new JournalUnavailable(`kafka publish to ${topic}: ${(e as Error).message}`, e);
    }
  }

  async consume(topic: string, groupId: string, handler: BusHandler): Promise<BusConsumer> {
    await this.ensureTopic(topic);
    const consumer = this.kafka.consumer({ groupId });
    this.consumers.add(consumer);
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
        if (!isRunning() || isStale()) return;
        const records = batch.messages.map((m) => ({ key: m.key?.toString() ?? '', value: new Uint8Array(m.value ?? Buffer.alloc(0)) }));
        await handler(records);
        const last = batch.messages[batch.messages.length - 1];
        if (last) resolveOffset(last.offset);
        await heartbeat();
      },
    });
    return {
      close: async () => {
        this.consumers.delete(consumer);
        await consumer.disconnect();
      },
    };
  }

  async close(): Promise<void> {
    await Promise.all([...this.consumers].map((c) => c.disconnect()));
    this.consumers.clear();
    await this.producer?.disconnect();
    this.producer = undefined;
  }

  private async connectedProducer(): Promise<Producer> {
    if (!this.producer) {
      // The default (Java-compatible murmur2) partitioner: a key lands on the same partition as
      // it would from a JVM producer, and naming it silences kafkajs's v2 partitioner warning.
      const producer = this.kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        createPartitioner: Partitioners.DefaultPartitioner,
      });
      await producer.connect();
      this.producer = producer;
    }
    return this.producer;
  }

  private async ensureTopic(topic: string): Promise<void> {
    if (this.knownTopics.has(topic)) return;
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      await admin.createTopics({
        waitForLeaders: true,
        topics: [{ topic, numPartitions: this.options.partitions ?? 12, replicationFactor: this.options.replicationFactor ?? 1 }],
      });
    } finally {
      await admin.disconnect();
    }
    this.knownTopics.add(topic);
  }
}
