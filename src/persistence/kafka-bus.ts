/**
 * The production event bus: Kafka through kafkajs.
 *
 * Publishing: one message per event, keyed by persistence id, so Kafka's default partitioner
 * keeps each aggregate's events in one partition, in order. kafkajs sends what it is given, so
 * batching is ours: FeedPublisher hands over a page of the feed and this sends it in chunks of at
 * most `maxBatch` messages and `maxBatchBytes` bytes per request. The byte bound matters: the
 * broker rejects a partition's record batch over `message.max.bytes` (1 MiB by default) as
 * MESSAGE_TOO_LARGE, which is not retriable, so one page of large events would stall the
 * publisher for good (the in-memory bus has no such limit; the live broker showed it). The
 * producer is idempotent with acks=all, so a request kafkajs retries does not duplicate (none
 * did on the live broker, even across a SIGKILL and restart); a re-publish after a publisher
 * crash still can, which is what DedupFilter on the consumer is for.
 *
 * Consuming: a consumer group, `eachBatch`, offsets resolved only after the handler returned
 * and committed periodically (at-least-once): after a broker restart a consumer that stayed up
 * is sent again what it had not committed (50-220 events in the fault test). Views read every
 * partition; order holds per aggregate, not across them.
 */
import { Kafka, Partitioners, logLevel, type Consumer, type LogEntry, type Producer } from 'kafkajs';
import { JournalUnavailable } from './errors.ts';
import type { BusConsumer, BusHandler, BusRecord, EventBus } from './event-bus.ts';

/** How `KafkaEventBus` reaches the brokers and sizes its requests. */
export interface KafkaBusOptions {
  readonly brokers: readonly string[];
  readonly clientId?: string;
  /** Messages per produce request (default 1000). */
  readonly maxBatch?: number;
  /**
   * Bytes (keys, values and per-record overhead) per produce request (default 512 KiB). Keep it
   * under the broker's `message.max.bytes` (1 MiB by default): kafkajs puts each partition's
   * share of a request in one record batch, and the broker checks that batch's size.
   */
  readonly maxBatchBytes?: number;
  /** Partitions for topics this bus creates (default 12). */
  readonly partitions?: number;
  readonly replicationFactor?: number;
  /**
   * How long a consumer's fetch waits at the broker for new records (default 1000 ms; kafkajs's
   * own default is 5000). Closing a consumer waits for its in-flight fetch, so this bounds how
   * long `close()` takes on an idle topic; the cost is one empty fetch per broker per interval.
   */
  readonly maxWaitMs?: number;
  /**
   * Where kafkajs's own log lines go, WARN and up (default: kafkajs's JSON lines on the console).
   * While a broker is down kafkajs logs every connection retry at ERROR (~150 lines for a 20 s
   * outage, measured); the failures that matter reach the caller anyway, as rejected publishes.
   */
  readonly log?: (level: 'error' | 'warn', message: string) => void;
  /**
   * Called when a consumer stops for good. kafkajs restarts a consumer after a retriable error
   * (a lost broker) but not after a non-retriable one, and a handler's error counts: one message
   * that is not an envelope (fromBusRecord's CorruptEvent) stopped the live consumer silently,
   * `close()` still worked and nothing else said so. Without this option it goes to `log` (and
   * kafkajs's own "Crash" line is all there is when neither is given).
   */
  readonly onConsumerStopped?: (groupId: string, error: Error) => void;
}

/** The `EventBus` on Apache Kafka (kafkajs), see the module comment. */
export class KafkaEventBus implements EventBus {
  private readonly kafka: Kafka;
  private producer: Producer | undefined;
  private readonly consumers = new Set<Consumer>();
  private readonly knownTopics = new Set<string>();

  constructor(private readonly options: KafkaBusOptions) {
    const log = options.log;
    this.kafka = new Kafka({
      clientId: options.clientId ?? 'aloft',
      brokers: [...options.brokers],
      logLevel: logLevel.WARN,
      ...(log && {
        logCreator: () => (entry: LogEntry) => {
          const error = typeof entry.log.error === 'string' ? `: ${entry.log.error}` : '';
          log(entry.level === logLevel.ERROR ? 'error' : 'warn', `kafkajs ${entry.namespace}: ${entry.log.message}${error}`);
        },
      }),
    });
  }

  async publish(topic: string, records: readonly BusRecord[]): Promise<void> {
    try {
      await this.ensureTopic(topic);
      const producer = await this.connectedProducer();
      for (const chunk of chunks(records, this.options.maxBatch ?? 1000, this.options.maxBatchBytes ?? 512 * 1024)) {
        try {
          await producer.send({
            topic,
            acks: -1,
            messages: chunk.map((r) => ({ key: r.key, value: Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength) })),
          });
        } catch (e) {
          const only = chunk.length === 1 ? chunk[0] : undefined;
          if (only && (e as { type?: unknown }).type === 'MESSAGE_TOO_LARGE') {
            // Retrying cannot help: name the record so an operator can raise the topic's
            // max.message.bytes (the publisher keeps retrying and resumes once it fits).
            throw new Error(
              `the record keyed ${only.key} is ${recordBytes(only)} bytes, more than the broker accepts (message.max.bytes / the topic's max.message.bytes): ${(e as Error).message}`,
              { cause: e },
            );
          }
          throw e;
        }
      }
    } catch (e) {
      throw new JournalUnavailable(`kafka publish to ${topic}: ${(e as Error).message}`, e);
    }
  }

  async consume(topic: string, groupId: string, handler: BusHandler): Promise<BusConsumer> {
    await this.ensureTopic(topic);
    const consumer = this.kafka.consumer({ groupId, maxWaitTimeInMs: this.options.maxWaitMs ?? 1000 });
    this.consumers.add(consumer);
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (payload.restart) return;
      // kafkajs wraps the handler's error (KafkaJSNonRetriableError); hand over the original,
      // so the caller's guards (isCorruptEvent, ...) work.
      let error: Error = payload.error;
      while (error.cause instanceof Error) error = error.cause;
      if (this.options.onConsumerStopped) this.options.onConsumerStopped(groupId, error);
      else this.options.log?.('error', `the consumer of ${topic} in group ${groupId} stopped for good: ${error.message}`);
    });
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

  /**
   * Creates the topic if it does not exist. Whoever creates it first (publisher or consumer)
   * decides its partition count; an existing topic is used as it is.
   */
  private async ensureTopic(topic: string): Promise<void> {
    if (this.knownTopics.has(topic)) return;
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      // Look first: createTopics on an existing topic succeeds (returns false) but kafkajs logs
      // the broker's TOPIC_ALREADY_EXISTS reply at ERROR level, on every process start.
      if (!(await admin.listTopics()).includes(topic)) {
        await admin.createTopics({
          waitForLeaders: true,
          topics: [{ topic, numPartitions: this.options.partitions ?? 12, replicationFactor: this.options.replicationFactor ?? 1 }],
        });
      }
    } finally {
      await admin.disconnect();
    }
    this.knownTopics.add(topic);
  }
}

/** A record's size on the wire, roughly: key, value, and the v2 record format's per-record varints and attributes. */
function recordBytes(r: BusRecord): number {
  return Buffer.byteLength(r.key) + r.value.byteLength + 24;
}

/** Splits `records` in order into requests of at most `maxCount` records and `maxBytes` bytes (a larger record goes alone). */
function chunks(records: readonly BusRecord[], maxCount: number, maxBytes: number): BusRecord[][] {
  const out: BusRecord[][] = [];
  let current: BusRecord[] = [];
  let bytes = 0;
  for (const r of records) {
    const size = recordBytes(r);
    if (current.length > 0 && (current.length >= maxCount || bytes + size > maxBytes)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(r);
    bytes += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}
