/**
 * The backend SPI: what a storage engine implements so that `EventJournal` can offer the full
 * `Journal` over it. Stores deal in encoded payloads only; encoding, upcasting, validation and
 * the live subscription live once, in event-journal.ts, so every backend behaves the same.
 *
 * A store must:
 * - make `append` atomic per call and check `expectedSeq` inside the same atomic step, throwing
 *   JournalConflict (never overwriting) when the aggregate is elsewhere;
 * - assign global offsets gap-free and in commit order;
 * - only return (replay, read, headOffset) records whose append has been acknowledged;
 * - call `onDurable` listeners with the new head offset after each acknowledged commit, in order;
 * - throw CorruptEvent naming persistenceId/seq/offset (as far as known) for an undecodable record.
 */

/** An event as a store keeps it: its type and version beside the encoded bytes. */
export interface EncodedEvent {
  readonly type: string;
  readonly version: number;
  /** msgpack bytes of the whole event object (see codec.ts). */
  readonly payload: Uint8Array;
  /** The event the payload was encoded from, in this process. A store may hand it back as
   * `decoded` when recently appended events are read again, instead of decoding the payload. */
  readonly source?: unknown;
}

/** An event as a store reads it back, with its place in the aggregate and in the feed. */
export interface StoredEvent extends EncodedEvent {
  readonly persistenceId: string;
  readonly seq: number;
  readonly offset: number;
  readonly timestamp: number;
  /** The payload already decoded, when the store could do it cheaper than from `payload`
   * (LMDB decodes in its read buffer). Absent: EventJournal decodes `payload`. */
  readonly decoded?: unknown;
}

/** One append, as `EventJournal` hands it to the store: encoded and validated. */
export interface AppendRequest {
  readonly persistenceId: string;
  readonly expectedSeq: number;
  readonly events: readonly EncodedEvent[];
  readonly timestamp: number;
}

/** Where an append's events landed: their seqs and feed offsets, first and last. */
export interface StoredAppend {
  readonly firstSeq: number;
  readonly lastSeq: number;
  readonly firstOffset: number;
  readonly lastOffset: number;
}

/** A snapshot as a store keeps it, its state encoded. */
export interface StoredSnapshot {
  readonly persistenceId: string;
  readonly seq: number;
  readonly timestamp: number;
  readonly state: Uint8Array;
}

/**
 * A storage backend under `EventJournal` (the contract is in the module comment above): memory,
 * LMDB and ScyllaDB implement it; `EventJournal.open(store)` turns one into a `Journal`.
 */
export interface JournalStore {
  /** Short name for messages and benchmarks, e.g. "lmdb". */
  readonly kind: string;
  /** Stores the events after `expectedSeq` atomically, or throws JournalConflict / JournalUnavailable. */
  append(request: AppendRequest): Promise<StoredAppend>;
  /** Up to `limit` events of one aggregate with `fromSeq <= seq <= toSeq`, in seq order. */
  replay(persistenceId: string, fromSeq: number, toSeq: number, limit: number): Promise<StoredEvent[]>;
  /** The aggregate's last seq, 0 when it has none. */
  highestSeq(persistenceId: string): Promise<number>;
  /** Up to `limit` events of the feed from `fromOffset`, in offset order. */
  read(fromOffset: number, limit: number): Promise<StoredEvent[]>;
  /** The last acknowledged offset, 0 when empty. */
  headOffset(): Promise<number>;
  /** Subscribes to "head offset is now at least h"; returns the unsubscribe function. */
  onDurable(listener: (headOffset: number) => void): () => void;
  /** Stores a snapshot of the aggregate as of its seq. */
  saveSnapshot(snapshot: StoredSnapshot): Promise<void>;
  /** The newest snapshot with seq <= maxSeq. */
  loadSnapshot(persistenceId: string, maxSeq: number): Promise<StoredSnapshot | undefined>;
  /** Deletes the snapshots below `beforeSeq`; returns how many went. */
  deleteSnapshots(persistenceId: string, beforeSeq: number): Promise<number>;
  /** A named offset, 0 when never saved. */
  loadCheckpoint(name: string): Promise<number>;
  /** Stores a named offset. */
  saveCheckpoint(name: string, offset: number): Promise<void>;
  /** Releases the storage; later calls fail with JournalUnavailable. */
  close(): Promise<void>;
}

/** Largest number of events one append may carry. Bounded so that a single append fits one
 * transaction / one Scylla batch comfortably. */
export const MAX_EVENTS_PER_APPEND = 1000;
