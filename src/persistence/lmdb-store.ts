/**
 * The embedded default backend: one LMDB environment, owned by one writer process.
 *
 * Layout (four named databases in one env, so one transaction covers them all):
 *   feed       offset -> record (codec.ts)      the global feed, and the only copy of an event
 *   index      [persistenceId, seq] -> offset   per-aggregate order; replay walks it
 *   snapshots  [persistenceId, seq] -> snapshot record
 *   meta       "checkpoint:<name>" -> offset
 * The event is stored once, in the feed, because reading the feed fast is the hot path of every
 * projection; replay pays one extra point lookup per event.
 *
 * Group commit: appends queue up; one LMDB write transaction takes everything queued at the
 * moment it starts (up to maxBatch), checks each append's expectedSeq against the index inside
 * the transaction (so a conflict is decided under the write lock and fails only that append),
 * assigns offsets from the feed's last key (so offsets are gap-free and in commit order even
 * after a failed transaction), and commits. While transaction N flushes to disk, N+1 is already
 * collecting and committing (lmdb-js overlappingSync), so one fsync covers many appends.
 *
 * Durability (see docs/persistence.md):
 *   'flush' (default) acknowledges after the commit is fsynced: survives process kill and power
 *           loss (as far as the disk honours fsync).
 *   'commit' acknowledges after the commit is in the OS page cache: survives a process kill
 *           (SIGKILL, crash), not a power loss or kernel crash; on reboot LMDB falls back to the
 *           last flushed transaction, which is consistent but may lack recent acknowledged events.
 * Readers only see events up to the durable head, so a projection never sees an event that a
 * covered crash could take back.
 */
import { open, type Database, type RootDatabase } from 'lmdb';
import { decodeRecord, decodeSnapshotRecord, encodeRecord, encodeSnapshotRecord } from './codec.ts';
import { CorruptEvent, JournalConflict, JournalUnavailable } from './errors.ts';
import { EventJournal, type EventJournalOptions } from './event-journal.ts';
import type { AppendRequest, JournalStore, StoredAppend, StoredEvent, StoredSnapshot } from './store.ts';

export type LmdbDurability = 'flush' | 'commit';

export interface LmdbStoreOptions {
  /** Directory of the LMDB environment (created if missing). */
  readonly path: string;
  readonly durability?: LmdbDurability;
  /** Most appends in one transaction (default 4096); bounds write-lock hold time. */
  readonly maxBatch?: number;
}

/** What the feed's decoder yields: a record, or why the bytes are not one (the decoder runs
 * inside lmdb-js's iteration and does not know the key, so it must not throw). */
type FeedValue = StoredEvent | { readonly damaged: string };

/** Decoding inside lmdb-js's read path (a custom encoder) is ~5x faster than `encoding:
 * 'binary'`. lmdb-js may hand the decoder a reused buffer longer than the value (`size` is the
 * value's length), so the payload is copied out. */
const feedEncoder = {
  encode: (record: Uint8Array): Uint8Array => record,
  // getRange passes the size; get() passes its options instead, which is why recordAt() reads
  // the bytes itself and passes the size.
  decode: (bytes: Buffer, size?: unknown): FeedValue => {
    try {
      return decodeRecord(bytes, {}, true, typeof size === 'number' ? size : bytes.length, true);
    } catch (e) {
      return { damaged: (e as CorruptEvent).reason ?? String(e) };
    }
  },
};

interface Pending {
  readonly request: AppendRequest;
  readonly resolve: (r: StoredAppend) => void;
  readonly reject: (e: unknown) => void;
}

type Outcome = { readonly ok: StoredAppend & { readonly persistenceId: string } } | { readonly error: JournalConflict };

const MAX_SEQ = Number.MAX_SAFE_INTEGER;

export class LmdbStore implements JournalStore {
  readonly kind = 'lmdb';
  private readonly root: RootDatabase;
  private readonly feed: Database<FeedValue, number>;
  private readonly index: Database<number, [string, number]>;
  private readonly snapshots: Database<Buffer, [string, number]>;
  private readonly meta: Database<number, string>;
  private readonly durability: LmdbDurability;
  private readonly maxBatch: number;
  private readonly listeners = new Set<(head: number) => void>();
  private queue: Pending[] = [];
  private draining: Promise<void> | undefined;
  private durableHead: number;
  private closed = false;
  /** Last committed seq per aggregate. Valid because this process is the env's only writer;
   * filled on first use from the index and updated only after a commit succeeds. Saves a
   * cursor walk per append, the largest cost in the transaction. */
  private readonly heads = new Map<string, number>();
  /** Counters for tests and benchmarks: appends per transaction is the group-commit factor. */
  readonly stats = { transactions: 0, appends: 0 };
  private readonly scratch = Buffer.allocUnsafe(64 * 1024);

  constructor(options: LmdbStoreOptions) {
    this.durability = options.durability ?? 'flush';
    this.maxBatch = options.maxBatch ?? 4096;
    // overlappingSync: commit under the write lock, fsync after it, so the next transaction can
    // start while this one reaches the disk. That is what makes group commit pipeline.
    this.root = open({ path: options.path, overlappingSync: true, maxDbs: 8 });
    // `encoder` is a documented lmdb-js option that its typings omit.
    this.feed = this.root.openDB<FeedValue, number>({ name: 'feed', encoder: feedEncoder } as unknown as { name: string });
    this.index = this.root.openDB<number, [string, number]>({ name: 'index', encoding: 'ordered-binary' });
    this.snapshots = this.root.openDB<Buffer, [string, number]>({ name: 'snapshots', encoding: 'binary' });
    this.meta = this.root.openDB<number, string>({ name: 'meta', encoding: 'msgpack' });
    this.durableHead = this.lastOffset();
  }

  append(request: AppendRequest): Promise<StoredAppend> {
    if (this.closed) return Promise.reject(new JournalUnavailable('lmdb store is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ request, resolve, reject });
      this.draining ??= this.drain();
    });
  }

  /** Runs transactions until the queue is empty; at most one transaction is being built at once. */
  private async drain(): Promise<void> {
    // Let every append issued in this event-loop turn join the first transaction.
    await new Promise<void>((r) => setImmediate(r));
    try {
      while (this.queue.length > 0) {
        let batch: Pending[] = [];
        let outcomes: Outcome[] = [];
        try {
          await this.root.transaction(() => {
            // Taken when the write lock is ours, not when the transaction was queued: whatever
            // arrived while the previous commit ran rides along.
            batch = this.queue.splice(0, this.maxBatch);
            outcomes = this.applyBatch(batch);
            this.stats.transactions += 1;
            this.stats.appends += batch.length;
          });
          for (const o of outcomes) if ('ok' in o) this.heads.set(o.ok.persistenceId, o.ok.lastSeq);
        } catch (e) {
          // The transaction aborted: nothing of it is visible. Every append in it fails.
          const err = new JournalUnavailable(`lmdb commit failed: ${(e as Error).message}`, e);
          for (const p of batch) p.reject(err);
          continue;
        }
        const acknowledged = this.durability === 'flush' ? this.root.flushed : Promise.resolve(true);
        void acknowledged.then(
          () => this.settle(batch, outcomes),
          (e: unknown) => {
            const err = new JournalUnavailable(`lmdb flush failed: ${(e as Error).message}`, e);
            for (const p of batch) p.reject(err);
          },
        );
      }
    } finally {
      this.draining = undefined;
      // An append may have arrived after the loop saw an empty queue but before `draining` cleared.
      if (this.queue.length > 0 && !this.closed) this.draining = this.drain();
    }
  }

  /** Inside the write transaction: check and write each append; never throws for one append. */
  private applyBatch(batch: readonly Pending[]): Outcome[] {
    let offset = this.lastOffset();
    const heads = new Map<string, number>();
    return batch.map(({ request: r }) => {
      const actual = heads.get(r.persistenceId) ?? this.heads.get(r.persistenceId) ?? this.lastSeq(r.persistenceId, MAX_SEQ);
      if (actual !== r.expectedSeq) return { error: new JournalConflict(r.persistenceId, r.expectedSeq, actual) };
      const firstOffset = offset + 1;
      let seq = r.expectedSeq;
      for (const e of r.events) {
        seq += 1;
        offset += 1;
        // The scratch buffer is safe to reuse: putSync copies the value into the transaction.
        const record = encodeRecord({ ...e, persistenceId: r.persistenceId, seq, offset, timestamp: r.timestamp }, this.scratch);
        this.feed.putSync(offset, record as unknown as FeedValue, { append: true });
        this.index.putSync([r.persistenceId, seq], offset);
      }
      heads.set(r.persistenceId, seq);
      return { ok: { persistenceId: r.persistenceId, firstSeq: r.expectedSeq + 1, lastSeq: seq, firstOffset, lastOffset: offset } };
    });
  }

  private settle(batch: readonly Pending[], outcomes: readonly Outcome[]): void {
    let head = this.durableHead;
    for (const o of outcomes) if ('ok' in o && o.ok.lastOffset > head) head = o.ok.lastOffset;
    if (head > this.durableHead) {
      this.durableHead = head;
      for (const l of this.listeners) l(head);
    }
    batch.forEach((p, i) => {
      const o = outcomes[i];
      if (o && 'ok' in o) p.resolve(o.ok);
      else p.reject(o?.error ?? new JournalUnavailable('append lost its outcome'));
    });
  }

  private lastOffset(): number {
    for (const key of this.feed.getKeys({ reverse: true, limit: 1 })) return key;
    return 0;
  }

  /** Highest seq of the aggregate whose offset is <= maxOffset. */
  private lastSeq(persistenceId: string, maxOffset: number): number {
    for (const { key, value } of this.index.getRange({ start: [persistenceId, MAX_SEQ], end: [persistenceId, 0], reverse: true })) {
      if (value <= maxOffset) return key[1];
    }
    return 0;
  }

  async replay(persistenceId: string, fromSeq: number, toSeq: number, limit: number): Promise<StoredEvent[]> {
    this.checkOpen();
    const out: StoredEvent[] = [];
    const range = this.index.getRange({ start: [persistenceId, fromSeq], end: [persistenceId, Math.min(toSeq, MAX_SEQ - 1) + 1], limit });
    for (const { key, value: offset } of range) {
      if (offset > this.durableHead) break;
      out.push(this.recordAt(offset, persistenceId, key[1]));
    }
    return out;
  }

  async highestSeq(persistenceId: string): Promise<number> {
    this.checkOpen();
    return this.lastSeq(persistenceId, this.durableHead);
  }

  async read(fromOffset: number, limit: number): Promise<StoredEvent[]> {
    this.checkOpen();
    const end = Math.min(this.durableHead, fromOffset + limit - 1);
    const out: StoredEvent[] = [];
    if (end < fromOffset) return out;
    for (const { key, value } of this.feed.getRange({ start: fromOffset, end: end + 1 })) {
      out.push(checked(value, { offset: key }));
    }
    return out;
  }

  async headOffset(): Promise<number> {
    this.checkOpen();
    return this.durableHead;
  }

  onDurable(listener: (head: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async saveSnapshot(s: StoredSnapshot): Promise<void> {
    this.checkOpen();
    await this.write(() => this.snapshots.put([s.persistenceId, s.seq], Buffer.from(encodeSnapshotRecord(s))));
  }

  async loadSnapshot(persistenceId: string, maxSeq: number): Promise<StoredSnapshot | undefined> {
    this.checkOpen();
    const range = this.snapshots.getRange({ start: [persistenceId, Math.min(maxSeq, MAX_SEQ)], end: [persistenceId, 0], reverse: true, limit: 1 });
    for (const { key, value } of range) return decodeSnapshotRecord(value, persistenceId, key[1]);
    return undefined;
  }

  async deleteSnapshots(persistenceId: string, beforeSeq: number): Promise<number> {
    this.checkOpen();
    return this.write(() =>
      this.snapshots.transaction(() => {
        let n = 0;
        for (const key of this.snapshots.getKeys({ start: [persistenceId, 0], end: [persistenceId, beforeSeq] })) {
          if (this.snapshots.removeSync(key)) n++;
        }
        return n;
      }),
    );
  }

  async loadCheckpoint(name: string): Promise<number> {
    this.checkOpen();
    return this.meta.get(`checkpoint:${name}`) ?? 0;
  }

  async saveCheckpoint(name: string, offset: number): Promise<void> {
    this.checkOpen();
    await this.write(() => this.meta.put(`checkpoint:${name}`, offset));
  }

  /** Waits for queued appends, then closes the environment. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    while (this.draining) await this.draining;
    await this.root.flushed;
    this.listeners.clear();
    await this.root.close();
  }

  /** Snapshot/checkpoint writes: their own small transaction, acknowledged like appends. */
  private async write<T>(op: () => Promise<T>): Promise<T> {
    try {
      const r = await op();
      if (this.durability === 'flush') await this.root.flushed;
      return r;
    } catch (e) {
      throw new JournalUnavailable(`lmdb write failed: ${(e as Error).message}`, e);
    }
  }

  private recordAt(offset: number, persistenceId: string, seq: number): StoredEvent {
    // getBinaryFast: no copy, a buffer reused by the next read, longer than the value; lmdb-js
    // leaves the value's length in `lastSize`. decode() copies what it keeps.
    const bytes = this.feed.getBinaryFast(offset);
    const value = bytes && feedEncoder.decode(bytes, (this.feed as unknown as { lastSize: number }).lastSize);
    if (!value) throw new CorruptEvent(persistenceId, seq, offset, 'the index points at a missing feed record');
    return checked(value, { persistenceId, seq, offset });
  }

  private checkOpen(): void {
    if (this.closed) throw new JournalUnavailable('lmdb store is closed');
  }
}

/** The record, if it decoded and its header matches where it was found. */
function checked(value: FeedValue, where: { persistenceId?: string; seq?: number; offset: number }): StoredEvent {
  if ('damaged' in value) throw new CorruptEvent(where.persistenceId, where.seq, where.offset, value.damaged);
  if ((where.persistenceId !== undefined && value.persistenceId !== where.persistenceId) || (where.seq !== undefined && value.seq !== where.seq) || value.offset !== where.offset) {
    throw new CorruptEvent(where.persistenceId ?? value.persistenceId, where.seq ?? value.seq, where.offset, `record header says ${value.persistenceId}#${value.seq} at offset ${value.offset}`);
  }
  return value;
}

/** A Journal over an LMDB environment at `options.path`. */
export function lmdbJournal(options: LmdbStoreOptions & EventJournalOptions): Promise<EventJournal> {
  return EventJournal.open(new LmdbStore(options), options);
}
