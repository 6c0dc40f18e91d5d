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

export interface EncodedEvent {
  readonly type: string;
  readonly version: number;
  /** msgpack bytes of the whole event object (see codec.ts). */
  readonly payload: Uint8Array;
  /** The event the payload was encoded from, in this process. A store may hand it back as
   * `decoded` when recently appended events are read again, instead of decoding the payload. */
  readonly source?: unknown;
}

export interface StoredEvent extends EncodedEvent {
  readonly persistenceId: string;
  readonly seq: number;
  readonly offset: number;
  readonly timestamp: number;
  /** The payload already decoded, when the store could do it cheaper than from `payload`
   * (LMDB decodes in its read buffer). Absent: EventJournal decodes `payload`. */
  readonly decoded?: unknown;
}

export interface AppendRequest {
  readonly persistenceId: string;
  readonly expectedSeq: number;
  readonly events: readonly EncodedEvent[];
  readonly timestamp: number;
}

export interface StoredAppend {
  readonly firstSeq: number;
  readonly lastSeq: number;
  readonly firstOffset: number;
  readonly lastOffset: number;
}

export interface StoredSnapshot {
  readonly persistenceId: string;
  readonly seq: number;
  readonly timestamp: number;
  readonly state: Uint8Array;
}

export interface JournalStore {
  /** Short name for messages and benchmarks, e.g. "lmdb". */
  readonly kind: string;
  append(request: AppendRequest): Promise<StoredAppend>;
  replay(persistenceId: string, fromSeq: number, toSeq: number, limit: number): Promise<StoredEvent[]>;
  highestSeq(persistenceId: string): Promise<number>;
  read(fromOffset: number, limit: number): Promise<StoredEvent[]>;
  headOffset(): Promise<number>;
  /** Subscribes to "head offset is now at least h"; returns the unsubscribe function. */
  onDurable(listener: (headOffset: number) => void): () => void;
  saveSnapshot(snapshot: StoredSnapshot): Promise<void>;
  loadSnapshot(persistenceId: string, maxSeq: number): Promise<StoredSnapshot | undefined>;
  deleteSnapshots(persistenceId: string, beforeSeq: number): Promise<number>;
  loadCheckpoint(name: string): Promise<number>;
  saveCheckpoint(name: string, offset: number): Promise<void>;
  close(): Promise<void>;
}

/** Largest number of events one append may carry. Bounded so that a single append fits one
 * transaction / one Scylla batch comfortably. */
export const MAX_EVENTS_PER_APPEND = 1000;
