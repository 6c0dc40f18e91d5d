/**
 * The Journal: what an event-sourced actor and a projection call. This file is the contract;
 * `event-journal.ts` implements it once over any `JournalStore` backend (memory, LMDB, ScyllaDB).
 *
 * Numbering, used the same way by every backend:
 * - `seq` is per persistence id, 1-based and gap-free. A new aggregate is at seq 0, so its first
 *   append passes `expectedSeq = 0` and its events get seq 1..n.
 * - `offset` is global, 1-based, gap-free and in commit order. `read(from)` includes `from`; a
 *   projection that handled offset k resumes with `read(k + 1)` / `subscribe(k + 1)`.
 * - An event is visible (replay, read, subscribe) only once its append was acknowledged durable,
 *   so nothing a reader saw can vanish in a crash the backend's durability mode covers.
 */
import type { JournalErrorData } from './errors.ts';

/** An event as the domain writes it: plain tagged data. `version` defaults to 1. */
export interface JournalEvent {
  readonly _tag: string;
  readonly version?: number;
  readonly [field: string]: unknown;
}

/** An event as the journal hands it back: upcast to the current version. */
export interface EventEnvelope<E extends JournalEvent = JournalEvent> {
  readonly persistenceId: string;
  readonly seq: number;
  readonly offset: number;
  /** The event's `_tag`, as stored. */
  readonly type: string;
  /** The version after upcasting (equals `event.version ?? 1`). */
  readonly version: number;
  /** Milliseconds since the epoch, from the journal's injected clock at append time. */
  readonly timestamp: number;
  readonly event: E;
}

/** Where an append's events landed. */
export interface AppendResult {
  readonly persistenceId: string;
  /** seq of the first and last event written; lastSeq is the aggregate's new expectedSeq. */
  readonly firstSeq: number;
  readonly lastSeq: number;
  /** Global offsets of the first and last event; a command reply carries lastOffset so a query
   * can wait for its view to reach it (read your own writes). */
  readonly firstOffset: number;
  readonly lastOffset: number;
}

/** An aggregate's state as of a seq, so that recovery replays only the events after it. */
export interface Snapshot<S = unknown> {
  readonly persistenceId: string;
  /** The state includes every event up to and including this seq. */
  readonly seq: number;
  readonly timestamp: number;
  /** Plain data (msgpack-encodable); the caller validates its shape. */
  readonly state: S;
}

/** Handles one batch of the feed, in offset order; the next batch waits for its promise. */
export type FeedHandler = (batch: readonly EventEnvelope[]) => void | Promise<void>;

/** Options of `Journal.subscribe`. */
export interface SubscribeOptions {
  /** Largest batch handed to the handler at once (default 256). */
  readonly batchSize?: number;
}

/** A running `Journal.subscribe`. */
export interface Subscription {
  /** Stops after the batch in hand; resolves once the loop has ended. */
  close(): Promise<void>;
  /** Settles when the subscription ends: resolves after close() or the journal's close(),
   * rejects with the error that stopped it (the handler threw, a CorruptEvent on the feed). */
  readonly done: Promise<void>;
  /** Offset of the next event the handler will get. */
  readonly position: () => number;
}

/**
 * The event journal: per-aggregate event streams with optimistic concurrency, one global feed
 * over all of them, snapshots and named checkpoints. `EventJournal` implements it over any
 * backend; an event-sourced actor takes one as its `store`, a projection follows its feed.
 */
export interface Journal {
  /**
   * Appends `events` after `expectedSeq`, atomically: all are stored or none is. Rejects with
   * JournalConflict when the aggregate is not at `expectedSeq` (a stale or competing writer),
   * JournalUnavailable when storage failed (nothing became visible), InvalidAppend for bad
   * input. Resolves only once the events are durable per the backend's mode. Concurrent appends
   * to different aggregates share commits (group commit); a conflict fails only its own append.
   * `events` may be empty: then it only checks `expectedSeq`.
   */
  append(persistenceId: string, expectedSeq: number, events: readonly JournalEvent[]): Promise<AppendResult>;
  /** Events of one aggregate with seq >= fromSeq (default 1) and <= toSeq, in seq order,
   * upcast. Stops with CorruptEvent / UnknownEvent rather than skipping. */
  replay(persistenceId: string, fromSeq?: number, toSeq?: number): AsyncIterable<EventEnvelope>;
  /** The aggregate's last seq (0 if it has none). */
  highestSeq(persistenceId: string): Promise<number>;
  /** Up to `limit` events of the global feed with offset >= fromOffset, in offset order. */
  read(fromOffset: number, limit: number): Promise<EventEnvelope[]>;
  /** The last durable offset (0 when empty). */
  headOffset(): Promise<number>;
  /** Catches up from `fromOffset` and then follows the feed live, in offset order, never
   * skipping; the handler's promise is awaited before the next batch (backpressure). */
  subscribe(fromOffset: number, handler: FeedHandler, options?: SubscribeOptions): Subscription;
  /** Stores the aggregate's state as of `seq` (plain data, msgpack-encodable). */
  saveSnapshot(persistenceId: string, seq: number, state: unknown): Promise<void>;
  /** The newest snapshot with seq <= maxSeq (default: newest of all). */
  loadSnapshot(persistenceId: string, maxSeq?: number): Promise<Snapshot | undefined>;
  /** Deletes snapshots with seq < beforeSeq; returns how many went. */
  deleteSnapshots(persistenceId: string, beforeSeq: number): Promise<number>;
  /** Named offsets (publisher and projection checkpoints) kept beside the journal. */
  loadCheckpoint(name: string): Promise<number>;
  /** Stores a named offset (0 is what `loadCheckpoint` answers for a name never saved). */
  saveCheckpoint(name: string, offset: number): Promise<void>;
  /** Waits for in-flight appends, stops subscriptions, releases the store. */
  close(): Promise<void>;
}

/** How errors appear to a caller across a boundary. */
export type { JournalErrorData };
