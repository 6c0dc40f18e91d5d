/**
 * The in-memory backend, for unit tests and for wiring a whole node without a disk. It keeps
 * the same encoded records as the LMDB store (so encoding mistakes show up here too) and offers
 * two test hooks the real stores cannot: make storage fail on demand, and damage a record.
 */
import { decodeRecord, decodeSnapshotRecord, encodeRecord, encodeSnapshotRecord } from './codec.ts';
import { JournalConflict, JournalUnavailable } from './errors.ts';
import type { AppendRequest, JournalStore, StoredAppend, StoredEvent, StoredSnapshot } from './store.ts';
import { EventJournal, type EventJournalOptions } from './event-journal.ts';

/** The in-memory `JournalStore` (see the module comment); `memoryJournal()` wraps a fresh one. */
export class MemoryStore implements JournalStore {
  readonly kind = 'memory';
  private readonly feed: Uint8Array[] = []; // feed[offset - 1]
  private readonly offsetsById = new Map<string, number[]>(); // seq n at index n - 1
  private readonly snapshots = new Map<string, Map<number, Uint8Array>>();
  private readonly checkpoints = new Map<string, number>();
  private readonly listeners = new Set<(head: number) => void>();
  private failure: string | undefined;
  private closed = false;

  /** While set, every write fails with JournalUnavailable(reason), as a full disk would. */
  failWrites(reason: string | undefined): void {
    this.failure = reason;
  }

  /** Overwrites the stored bytes at `offset` (tests of corrupt-record reporting). */
  damage(offset: number, bytes: Uint8Array): void {
    if (offset < 1 || offset > this.feed.length) throw new RangeError(`no record at offset ${offset}`);
    this.feed[offset - 1] = bytes;
  }

  async append(req: AppendRequest): Promise<StoredAppend> {
    this.checkWritable();
    const offsets = this.offsetsById.get(req.persistenceId) ?? [];
    if (offsets.length !== req.expectedSeq) throw new JournalConflict(req.persistenceId, req.expectedSeq, offsets.length);
    const firstOffset = this.feed.length + 1;
    // Encode everything before mutating, so a failure leaves nothing half-written.
    const records = req.events.map((e, i) =>
      encodeRecord({
        type: e.type,
        version: e.version,
        payload: e.payload,
        persistenceId: req.persistenceId,
        seq: req.expectedSeq + i + 1,
        offset: firstOffset + i,
        timestamp: req.timestamp,
      }),
    );
    for (const [i, r] of records.entries()) {
      this.feed.push(r);
      offsets.push(firstOffset + i);
    }
    if (records.length > 0) this.offsetsById.set(req.persistenceId, offsets);
    const head = this.feed.length;
    // Visible and "durable" at once: nothing can observe the feed between push and notify.
    if (records.length > 0) for (const l of this.listeners) l(head);
    return { firstSeq: req.expectedSeq + 1, lastSeq: offsets.length, firstOffset, lastOffset: firstOffset + records.length - 1 };
  }

  async replay(persistenceId: string, fromSeq: number, toSeq: number, limit: number): Promise<StoredEvent[]> {
    this.checkOpen();
    const offsets = this.offsetsById.get(persistenceId) ?? [];
    const last = Math.min(toSeq, offsets.length, fromSeq + limit - 1);
    const out: StoredEvent[] = [];
    for (let seq = Math.max(1, fromSeq); seq <= last; seq++) {
      const offset = offsets[seq - 1] as number;
      out.push(decodeRecord(this.feed[offset - 1] as Uint8Array, { persistenceId, seq, offset }));
    }
    return out;
  }

  async highestSeq(persistenceId: string): Promise<number> {
    this.checkOpen();
    return this.offsetsById.get(persistenceId)?.length ?? 0;
  }

  async read(fromOffset: number, limit: number): Promise<StoredEvent[]> {
    this.checkOpen();
    const out: StoredEvent[] = [];
    const end = Math.min(this.feed.length, fromOffset + limit - 1);
    for (let offset = Math.max(1, fromOffset); offset <= end; offset++) {
      out.push(decodeRecord(this.feed[offset - 1] as Uint8Array, { offset }));
    }
    return out;
  }

  async headOffset(): Promise<number> {
    this.checkOpen();
    return this.feed.length;
  }

  onDurable(listener: (head: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async saveSnapshot(s: StoredSnapshot): Promise<void> {
    this.checkWritable();
    let bySeq = this.snapshots.get(s.persistenceId);
    if (!bySeq) this.snapshots.set(s.persistenceId, (bySeq = new Map()));
    bySeq.set(s.seq, encodeSnapshotRecord(s));
  }

  async loadSnapshot(persistenceId: string, maxSeq: number): Promise<StoredSnapshot | undefined> {
    this.checkOpen();
    const bySeq = this.snapshots.get(persistenceId);
    if (!bySeq) return undefined;
    const seqs = [...bySeq.keys()].filter((s) => s <= maxSeq);
    if (seqs.length === 0) return undefined;
    const seq = Math.max(...seqs);
    return decodeSnapshotRecord(bySeq.get(seq) as Uint8Array, persistenceId, seq);
  }

  async deleteSnapshots(persistenceId: string, beforeSeq: number): Promise<number> {
    this.checkWritable();
    const bySeq = this.snapshots.get(persistenceId);
    if (!bySeq) return 0;
    let n = 0;
    for (const seq of [...bySeq.keys()]) if (seq < beforeSeq && bySeq.delete(seq)) n++;
    return n;
  }

  async loadCheckpoint(name: string): Promise<number> {
    this.checkOpen();
    return this.checkpoints.get(name) ?? 0;
  }

  async saveCheckpoint(name: string, offset: number): Promise<void> {
    this.checkWritable();
    this.checkpoints.set(name, offset);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.listeners.clear();
  }

  private checkOpen(): void {
    if (this.closed) throw new JournalUnavailable('memory store is closed');
  }

  private checkWritable(): void {
    this.checkOpen();
    if (this.failure !== undefined) throw new JournalUnavailable(this.failure);
  }
}

/** A Journal over a fresh MemoryStore. */
export function memoryJournal(options: EventJournalOptions = {}): Promise<EventJournal> {
  return EventJournal.open(new MemoryStore(), options);
}
