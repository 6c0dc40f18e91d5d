/**
 * The event bus the journal's feed is published to (Kafka in production, memory in tests), and
 * the message format on it. One message per event, keyed by persistence id so a partitioned
 * bus keeps each aggregate's events in order; the value is the envelope in plain msgpack.
 */
import { Packr } from 'msgpackr';
import { CorruptEvent } from './errors.ts';
import type { EventEnvelope, JournalEvent } from './journal.ts';

/** One message on the bus: an event envelope, keyed by its persistence id. */
export interface BusRecord {
  /** The persistence id: the partitioning key. */
  readonly key: string;
  readonly value: Uint8Array;
}

/** Handles a batch of records; the consumer moves on once its promise resolves. */
export type BusHandler = (records: readonly BusRecord[]) => Promise<void> | void;

/** A running `EventBus.consume`. */
export interface BusConsumer {
  /** Stops after the batch in hand. */
  close(): Promise<void>;
}

/** Where `FeedPublisher` publishes the feed, and consumers read it: Kafka, or `MemoryEventBus` in tests. */
export interface EventBus {
  /** Publishes `records` in order; resolves once the bus has them durably (Kafka: acks=all). */
  publish(topic: string, records: readonly BusRecord[]): Promise<void>;
  /** Delivers every record of `topic` from the group's committed position, at least once. */
  consume(topic: string, groupId: string, handler: BusHandler): Promise<BusConsumer>;
  /** Closes the producer and every consumer. */
  close(): Promise<void>;
}

const packr = new Packr({ useRecords: false, mapsAsObjects: true, moreTypes: false, int64AsType: 'number' });

/** An envelope as a bus message (plain msgpack, keyed by persistence id). */
export function toBusRecord(e: EventEnvelope): BusRecord {
  return { key: e.persistenceId, value: packr.pack(e).slice() };
}

/** Decodes a bus message back into an envelope; a message that is not one is a CorruptEvent. */
export function fromBusRecord(r: BusRecord): EventEnvelope {
  let v: unknown;
  try {
    v = packr.unpack(r.value);
  } catch (e) {
    throw new CorruptEvent(r.key, undefined, undefined, `undecodable bus message: ${(e as Error).message}`);
  }
  const e = v as Partial<EventEnvelope>;
  if (
    typeof e !== 'object' ||
    e === null ||
    typeof e.persistenceId !== 'string' ||
    typeof e.seq !== 'number' ||
    typeof e.offset !== 'number' ||
    typeof e.type !== 'string' ||
    typeof e.event !== 'object' ||
    e.event === null
  ) {
    throw new CorruptEvent(r.key, undefined, undefined, 'bus message is not an event envelope');
  }
  return e as EventEnvelope<JournalEvent>;
}

/**
 * An in-memory bus for tests: one ordered log per topic, a committed position per group, and
 * a hook to make publishing fail.
 */
export class MemoryEventBus implements EventBus {
  private readonly topics = new Map<string, BusRecord[]>();
  private readonly wake = new Set<() => void>();
  private failure: ((records: readonly BusRecord[]) => Error | undefined) | undefined;

  /** While set, each publish asks it; a returned error fails that publish (nothing appended). */
  failPublish(decide: ((records: readonly BusRecord[]) => Error | undefined) | undefined): void {
    this.failure = decide;
  }

  /** Everything published to `topic` so far, in order. */
  records(topic: string): readonly BusRecord[] {
    return this.topics.get(topic) ?? [];
  }

  async publish(topic: string, records: readonly BusRecord[]): Promise<void> {
    const err = this.failure?.(records);
    if (err) throw err;
    let log = this.topics.get(topic);
    if (!log) this.topics.set(topic, (log = []));
    log.push(...records);
    for (const w of [...this.wake]) w();
  }

  async consume(topic: string, _groupId: string, handler: BusHandler): Promise<BusConsumer> {
    let position = 0;
    let closed = false;
    let stop: () => void = () => undefined;
    const loop = async () => {
      while (!closed) {
        const log = this.topics.get(topic) ?? [];
        if (position < log.length) {
          const batch = log.slice(position);
          await handler(batch);
          position += batch.length;
          continue;
        }
        await new Promise<void>((resolve) => {
          const w = () => {
            this.wake.delete(w);
            resolve();
          };
          this.wake.add(w);
          stop = w;
        });
      }
    };
    const done = loop();
    return {
      close: async () => {
        closed = true;
        stop();
        await done;
      },
    };
  }

  async close(): Promise<void> {
    for (const w of [...this.wake]) w();
  }
}
