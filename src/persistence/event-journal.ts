/**
 * `EventJournal`: the one implementation of `Journal`, over any `JournalStore`.
 *
 * It validates and encodes on the way in (so a bad event fails its own append before any
 * storage work), decodes and upcasts on the way out (replay and feed alike), stamps appends with
 * the injected clock, and runs live subscriptions from the store's durable-head notifications.
 */
import { encodeEvent, decodePayload, encodeValue } from './codec.ts';
import { CorruptEvent, InvalidAppend, JournalUnavailable, asJournalError } from './errors.ts';
import { HeadTracker, subscribeFeed } from './feed-subscription.ts';
import type {
  AppendResult,
  EventEnvelope,
  FeedHandler,
  Journal,
  JournalEvent,
  Snapshot,
  SubscribeOptions,
  Subscription,
} from './journal.ts';
import { MAX_EVENTS_PER_APPEND, type JournalStore, type StoredEvent } from './store.ts';
import { systemClock, type Clock } from './clock.ts';
import { Upcasters } from './upcasters.ts';

/** Options of `EventJournal.open` (and of `memoryJournal`, `lmdbJournal`). */
export interface EventJournalOptions {
  readonly upcasters?: Upcasters;
  readonly clock?: Clock;
  /** Page size for replay (default 1000). */
  readonly replayPage?: number;
}

/** The `Journal`, over any `JournalStore`: open one with `EventJournal.open(store)`. */
export class EventJournal implements Journal {
  private readonly upcasters: Upcasters;
  private readonly clock: Clock;
  private readonly replayPage: number;
  private readonly head = new HeadTracker();
  private readonly subscriptions = new Set<Subscription>();
  private readonly unlisten: () => void;
  private closed = false;

  private constructor(
    readonly store: JournalStore,
    options: EventJournalOptions,
    initialHead: number,
  ) {
    this.upcasters = options.upcasters ?? new Upcasters();
    this.clock = options.clock ?? systemClock;
    this.replayPage = options.replayPage ?? 1000;
    this.head.raise(initialHead);
    this.unlisten = store.onDurable((h) => this.head.raise(h));
  }

  /** A journal over `store`, which it owns from now on (its `close` closes the store). */
  static async open(store: JournalStore, options: EventJournalOptions = {}): Promise<EventJournal> {
    return new EventJournal(store, options, await store.headOffset());
  }

  async append(persistenceId: string, expectedSeq: number, events: readonly JournalEvent[]): Promise<AppendResult> {
    if (this.closed) throw new JournalUnavailable('journal is closed');
    if (typeof persistenceId !== 'string' || persistenceId === '') throw new InvalidAppend('persistenceId must be a non-empty string');
    // Checked here so that nothing inside a store's group transaction can fail for one append.
    if (persistenceId.length > 16_000 && Buffer.byteLength(persistenceId) > 0xffff)
      throw new InvalidAppend('persistenceId is longer than 65535 bytes');
    if (!Number.isInteger(expectedSeq) || expectedSeq < 0)
      throw new InvalidAppend(`expectedSeq must be an integer >= 0, got ${expectedSeq}`);
    if (!Array.isArray(events)) throw new InvalidAppend('events must be an array');
    if (events.length > MAX_EVENTS_PER_APPEND)
      throw new InvalidAppend(`at most ${MAX_EVENTS_PER_APPEND} events per append, got ${events.length}`);
    const encoded = events.map(encodeEvent);
    try {
      const r = await this.store.append({ persistenceId, expectedSeq, events: encoded, timestamp: this.clock.now() });
      // Fields spelled out: object spread measured ~5 µs per call on this hot path.
      return { persistenceId, firstSeq: r.firstSeq, lastSeq: r.lastSeq, firstOffset: r.firstOffset, lastOffset: r.lastOffset };
    } catch (e) {
      throw asJournalError(e, `append to ${persistenceId}`);
    }
  }

  async *replay(persistenceId: string, fromSeq = 1, toSeq = Number.MAX_SAFE_INTEGER): AsyncIterable<EventEnvelope> {
    let next = Math.max(1, fromSeq);
    while (next <= toSeq) {
      const page = await this.guard(() => this.store.replay(persistenceId, next, toSeq, this.replayPage), `replay ${persistenceId}`);
      for (const stored of page) {
        if (stored.seq !== next) throw new CorruptEvent(persistenceId, next, undefined, `gap in stored events: found seq ${stored.seq}`);
        yield this.decode(stored);
        next += 1;
      }
      if (page.length < this.replayPage) return;
    }
  }

  highestSeq(persistenceId: string): Promise<number> {
    return this.guard(() => this.store.highestSeq(persistenceId), `highestSeq ${persistenceId}`);
  }

  async read(fromOffset: number, limit: number): Promise<EventEnvelope[]> {
    const stored = await this.guard(() => this.store.read(Math.max(1, fromOffset), limit), 'read feed');
    return stored.map((s) => this.decode(s));
  }

  headOffset(): Promise<number> {
    return this.guard(() => this.store.headOffset(), 'headOffset');
  }

  subscribe(fromOffset: number, handler: FeedHandler, options: SubscribeOptions = {}): Subscription {
    const source = {
      read: (from: number, limit: number) => this.read(from, limit),
      knownHead: () => this.head.current(),
      waitFor: (offset: number, abort: AbortSignal) => this.head.waitFor(offset, abort),
    };
    const sub = subscribeFeed(source, fromOffset, handler, options.batchSize ?? 256);
    this.subscriptions.add(sub);
    sub.done.finally(() => this.subscriptions.delete(sub)).catch(() => undefined);
    return sub;
  }

  async saveSnapshot(persistenceId: string, seq: number, state: unknown): Promise<void> {
    if (!Number.isInteger(seq) || seq < 1) throw new InvalidAppend(`snapshot seq must be an integer >= 1, got ${seq}`);
    let bytes: Uint8Array;
    try {
      bytes = encodeValue(state);
    } catch (e) {
      throw new InvalidAppend(`snapshot of ${persistenceId} cannot be encoded: ${(e as Error).message}`);
    }
    await this.guard(
      () => this.store.saveSnapshot({ persistenceId, seq, timestamp: this.clock.now(), state: bytes }),
      `saveSnapshot ${persistenceId}`,
    );
  }

  async loadSnapshot(persistenceId: string, maxSeq = Number.MAX_SAFE_INTEGER): Promise<Snapshot | undefined> {
    const s = await this.guard(() => this.store.loadSnapshot(persistenceId, maxSeq), `loadSnapshot ${persistenceId}`);
    if (!s) return undefined;
    let state: unknown;
    try {
      state = decodePayload(s.state);
    } catch (e) {
      throw new CorruptEvent(persistenceId, s.seq, undefined, `undecodable snapshot state: ${(e as Error).message}`);
    }
    return { persistenceId, seq: s.seq, timestamp: s.timestamp, state };
  }

  deleteSnapshots(persistenceId: string, beforeSeq: number): Promise<number> {
    return this.guard(() => this.store.deleteSnapshots(persistenceId, beforeSeq), `deleteSnapshots ${persistenceId}`);
  }

  loadCheckpoint(name: string): Promise<number> {
    return this.guard(() => this.store.loadCheckpoint(name), `loadCheckpoint ${name}`);
  }

  saveCheckpoint(name: string, offset: number): Promise<void> {
    return this.guard(() => this.store.saveCheckpoint(name, offset), `saveCheckpoint ${name}`);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.subscriptions].map((s) => s.close()));
    this.head.releaseAll();
    this.unlisten();
    await this.store.close();
  }

  /** Stored record -> envelope: decode the payload, check it matches its header, upcast. */
  private decode(s: StoredEvent): EventEnvelope {
    let raw: unknown = s.decoded;
    try {
      raw ??= decodePayload(s.payload);
    } catch (e) {
      throw new CorruptEvent(s.persistenceId, s.seq, s.offset, `undecodable payload: ${(e as Error).message}`);
    }
    if (typeof raw !== 'object' || raw === null || (raw as { _tag?: unknown })._tag !== s.type) {
      throw new CorruptEvent(s.persistenceId, s.seq, s.offset, `payload is not a ${s.type} event`);
    }
    if (!this.upcasters.applies(s.type, s.version)) {
      return {
        persistenceId: s.persistenceId,
        seq: s.seq,
        offset: s.offset,
        type: s.type,
        version: s.version,
        timestamp: s.timestamp,
        event: raw as JournalEvent,
      };
    }
    const { event, version } = this.upcasters.upcast(raw as JournalEvent, s.version, s);
    return { persistenceId: s.persistenceId, seq: s.seq, offset: s.offset, type: s.type, version, timestamp: s.timestamp, event };
  }

  private async guard<T>(op: () => Promise<T>, what: string): Promise<T> {
    if (this.closed) throw new JournalUnavailable(`${what}: journal is closed`);
    try {
      return await op();
    } catch (e) {
      throw asJournalError(e, what);
    }
  }
}
