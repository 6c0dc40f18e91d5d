/**
 * Reading the event topic with kafkajs, for `npm run consume` and the chaos checks.
 *
 * kafkajs has no manual partition assignment, so both readers join a consumer group of their
 * own (a unique id, offsets never committed, deleted again afterwards): they see every partition
 * and change nothing a real consumer group would see. KafkaEventBus.consume is not used because
 * it hands over only key and value, and the verifier reports where in Kafka (partition, offset)
 * each record was.
 */
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Admin, type Consumer } from 'kafkajs';
import { fromBusRecord } from '../../src/persistence/event-bus.ts';
import type { EventEnvelope } from '../../src/persistence/index.ts';
import { eventDigest, type TopicRecord } from './verify.ts';

export interface RawRecord {
  readonly partition: number;
  readonly kafkaOffset: string;
  readonly key: string;
  readonly value: Uint8Array;
}

/** A record decoded into the event it carries, or why it could not be. */
export type Decoded =
  | { readonly ok: true; readonly record: TopicRecord; readonly envelope: EventEnvelope }
  | { readonly ok: false; readonly raw: RawRecord; readonly error: string };

export function decode(raw: RawRecord): Decoded {
  try {
    const envelope = fromBusRecord({ key: raw.key, value: raw.value });
    return {
      ok: true,
      envelope,
      record: {
        partition: raw.partition,
        kafkaOffset: raw.kafkaOffset,
        persistenceId: envelope.persistenceId,
        seq: envelope.seq,
        feedOffset: envelope.offset,
        type: envelope.type,
        digest: eventDigest(envelope.event),
      },
    };
  } catch (e) {
    return { ok: false, raw, error: e instanceof Error ? e.message : String(e) };
  }
}

export class TopicMissing extends Error {}

function client(brokers: readonly string[]): Kafka {
  // No retries for minutes on a wrong address: a user or a check wants to hear it soon.
  return new Kafka({
    clientId: 'aloft-consume',
    brokers: [...brokers],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3_000,
    retry: { retries: 5 },
  });
}

async function dropGroup(admin: Admin, groupId: string): Promise<void> {
  // Best effort: an empty group expires on its own anyway (offsets.retention.minutes).
  await admin.deleteGroups([groupId]).catch(() => undefined);
}

export interface ReadTopicResult {
  readonly partitions: number;
  /** The end offset (exclusive) of each partition when the read started. */
  readonly endOffsets: ReadonlyMap<number, string>;
}

/**
 * Reads every partition of `topic` from its first offset to the end offset it had when the read
 * started, in partition order per partition, calling `onRecord` for each record. Rejects with
 * TopicMissing when the topic does not exist, and when the end is not reached within `timeoutMs`.
 */
export async function readWholeTopic(
  brokers: readonly string[],
  topic: string,
  onRecord: (r: RawRecord) => void,
  timeoutMs = 60_000,
): Promise<ReadTopicResult> {
  const kafka = client(brokers);
  const admin = kafka.admin();
  await admin.connect();
  const groupId = `aloft-verify-${randomUUID()}`;
  let consumer: Consumer | undefined;
  try {
    if (!(await admin.listTopics()).includes(topic)) throw new TopicMissing(`topic ${topic} does not exist on ${brokers.join(',')}`);
    const offsets = await admin.fetchTopicOffsets(topic);
    const endOffsets = new Map(offsets.map((o) => [o.partition, o.high]));
    // Partitions still to finish: the last offset to read is high - 1 (none when low == high).
    const pending = new Map(offsets.filter((o) => BigInt(o.high) > BigInt(o.low)).map((o) => [o.partition, BigInt(o.high) - 1n]));
    if (pending.size === 0) return { partitions: offsets.length, endOffsets };
    const c = (consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 250, allowAutoTopicCreation: false }));
    await c.connect();
    await c.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(
              `reading ${topic} did not reach the end offsets within ${timeoutMs} ms; partitions left: ${[...pending.keys()].join(', ')}`,
            ),
          ),
        timeoutMs,
      );
      c.run({
        autoCommit: false,
        eachBatch: async ({ batch, isRunning, isStale }) => {
          if (!isRunning() || isStale()) return;
          const last = pending.get(batch.partition);
          for (const m of batch.messages) {
            // Records past the end offset at start are not part of this read.
            if (last === undefined || BigInt(m.offset) > last) continue;
            onRecord({
              partition: batch.partition,
              kafkaOffset: m.offset,
              key: m.key?.toString() ?? '',
              value: new Uint8Array(m.value ?? Buffer.alloc(0)),
            });
          }
          const tail = batch.messages[batch.messages.length - 1];
          if (last !== undefined && tail && BigInt(tail.offset) >= last) pending.delete(batch.partition);
          if (pending.size === 0) {
            clearTimeout(timer);
            resolve();
          }
        },
      }).catch((e: unknown) => {
        clearTimeout(timer);
        reject(e instanceof Error ? e : new Error(String(e)));
      });
    });
    return { partitions: offsets.length, endOffsets };
  } finally {
    await consumer?.disconnect().catch(() => undefined);
    if (consumer) await dropGroup(admin, groupId);
    await admin.disconnect();
  }
}

/**
 * Follows `topic` from its end (or its beginning), calling `onRecord` for each record as it
 * arrives, until `signal` aborts. Like readWholeTopic, in a group of its own.
 */
export async function followTopic(
  brokers: readonly string[],
  topic: string,
  fromBeginning: boolean,
  onRecord: (r: RawRecord) => void,
  signal: AbortSignal,
): Promise<void> {
  const kafka = client(brokers);
  const admin = kafka.admin();
  await admin.connect();
  const groupId = `aloft-consume-${randomUUID()}`;
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 500, allowAutoTopicCreation: false });
  try {
    if (!(await admin.listTopics()).includes(topic)) throw new TopicMissing(`topic ${topic} does not exist on ${brokers.join(',')}`);
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning });
    const stopped = new Promise<void>((resolve) => {
      if (signal.aborted) resolve();
      signal.addEventListener('abort', () => resolve(), { once: true });
    });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message: m }) => {
        onRecord({ partition, kafkaOffset: m.offset, key: m.key?.toString() ?? '', value: new Uint8Array(m.value ?? Buffer.alloc(0)) });
      },
    });
    await stopped;
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await dropGroup(admin, groupId);
    await admin.disconnect();
  }
}
