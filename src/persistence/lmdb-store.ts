/**
 * The embedded default backend: one LMDB environment, owned by one writer process.
 *
 * Layout (named databases in one env, so one transaction covers them all):
 *   segments   first offset -> segment (lmdb-segment.ts): every event of one transaction
 *   heads      persistenceId -> [seq, offset, segment] of its last event, as of meta.headsAt
 *   snapshots  [persistenceId, seq] -> snapshot record
 *   meta       "headsAt" -> offset; "checkpoint:<name>" -> offset
 *
 * Group commit: appends queue up; one write transaction takes everything queued when it starts
 * (up to maxBatch), checks each append's expectedSeq against the aggregate's head (a conflict
 * fails only that append), and writes the whole batch as ONE segment put. Each event links to
 * its aggregate's previous event, so replay walks that chain back from the head and no
 * per-event index is written. While transaction N fsyncs, N+1 is collected and committed
 * (lmdb-js overlappingSync), so one fsync covers many appends.
 *
 * Heads live in memory (this process is the only writer, enforced by writer-lock.ts): every
 * aggregate touched since meta.headsAt, plus those looked up from the heads database. Every
 * `headsEvery` events the changed heads go to the heads database in the same transaction as a
 * batch, with headsAt; on open, the segments after headsAt are scanned to rebuild the rest. So
 * a crash costs a scan of at most ~headsEvery events on restart, never a wrong head.
 *
 * Durability (docs/persistence.md): 'flush' (default) acknowledges after fsync and survives
 * power loss; 'commit' acknowledges once committed to the page cache and survives a process
 * kill only. Readers see events up to the durable head only.
 */
import { open, type Database, type RootDatabase } from 'lmdb';
import { decodeSnapshotRecord, encodeSnapshotRecord } from './codec.ts';
import { CorruptEvent, JournalConflict, JournalUnavailable } from './errors.ts';
import { EventJournal, type EventJournalOptions } from './event-journal.ts';
import { SegmentReader, SegmentWriter } from './lmdb-segment.ts';
import { acquireWriterLock } from './writer-lock.ts';
import type { AppendRequest, JournalStore, StoredAppend, StoredEvent, StoredSnapshot } from './store.ts';

export type LmdbDurability = 'flush' | 'commit';

export interface LmdbStoreOptions {
  /** Directory of the LMDB environment (created if missing). */
  readonly path: string;
  readonly durability?: LmdbDurability;
  /** Most appends in one transaction (default 4096); bounds write-lock hold time. */
  readonly maxBatch?: number;
  /** Events between writes of the heads database (default 50,000): the restart scan bound. */
  readonly headsEvery?: number;
  /** Tests of the failure path: called inside each append transaction after its writes; a
   * returned error aborts the transaction, as a full disk would at commit. */
  readonly injectFault?: () => Error | undefined;
}

interface Head {
  readonly seq: number;
  readonly offset: number;
  readonly segment: number;
}

interface Pending {
  readonly request: AppendRequest;
  readonly resolve: (r: StoredAppend) => void;
  readonly reject: (e: unknown) => void;
}

type Outcome = { readonly ok: StoredAppend } | { readonly error: JournalConflict };

interface Located {
  readonly persistenceId: string;
  readonly headOffset: number;
  readonly durable: number;
  top: number;
  readonly offsets: number[];
  readonly segments: number[];
}

const NO_HEAD: Head = { seq: 0, offset: 0, segment: 0 };

/** Recently committed events kept in memory for the feed (LmdbStore.recent). */
const RECENT = 16_384;

export class LmdbStore implements JournalStore {
  readonly kind = 'lmdb';
  /** Counters for tests and benchmarks: appends per transaction is the group-commit factor. */
  readonly stats = { transactions: 0, appends: 0 };
  private readonly root: RootDatabase;
  private readonly segments: Database<Buffer, number>;
  private readonly headsDb: Database<[number, number, number], string>;
  private readonly snapshots: Database<Buffer, [string, number]>;
  private readonly meta: Database<number, string>;
  private readonly durability: LmdbDurability;
  private readonly maxBatch: number;
  private readonly headsEvery: number;
  private readonly injectFault: (() => Error | undefined) | undefined;
  private readonly listeners = new Set<(head: number) => void>();
  private commitObserver: ((appends: number, seconds: number) => void) | undefined;
  private readonly heads = new Map<string, Head>();
  private readonly dirty = new Set<string>();
  private readonly writer = new SegmentWriter();
  /**
   * The most recently committed events, by offset modulo its size, with the objects they were
   * encoded from: the feed's readers (views, publisher) follow the head closely, and reading an
   * event back from here costs neither the segment read nor the payload decode.
   */
  private readonly recent: (StoredEvent | undefined)[] = new Array<StoredEvent | undefined>(RECENT);
  private queue: Pending[] = [];
  private draining: Promise<void> | undefined;
  /** Last committed offset, and the last acknowledged (durable) one. */
  private committed = 0;
  private durableHead = 0;
  private headsAt = 0;
  private closed = false;
  private lastWalk: Located | undefined;
  private readonly releaseLock: () => void;

  constructor(options: LmdbStoreOptions) {
    this.durability = options.durability ?? 'flush';
    this.maxBatch = options.maxBatch ?? 4096;
    this.headsEvery = options.headsEvery ?? 50_000;
    this.injectFault = options.injectFault;
    // overlappingSync: commit under the write lock, fsync after it, so the next transaction can
    // start while this one reaches the disk. That is what makes group commit pipeline.
    this.releaseLock = acquireWriterLock(options.path);
    this.root = open({ path: options.path, overlappingSync: true, maxDbs: 8 });
    this.segments = this.root.openDB<Buffer, number>({ name: 'segments', encoding: 'binary' });
    this.headsDb = this.root.openDB<[number, number, number], string>({ name: 'heads', encoding: 'msgpack' });
    this.snapshots = this.root.openDB<Buffer, [string, number]>({ name: 'snapshots', encoding: 'binary' });
    this.meta = this.root.openDB<number, string>({ name: 'meta', encoding: 'msgpack' });
    try {
      this.recover();
    } catch (e) {
      void this.root.close();
      this.releaseLock();
      throw e;
    }
  }

  /** Rebuilds the in-memory heads of everything appended after the last heads write. */
  private recover(): void {
    this.headsAt = this.meta.get('headsAt') ?? 0;
    this.committed = this.headsAt;
    for (const key of this.segments.getKeys({ start: this.headsAt + 1 })) {
      const segment = this.segmentAt(key);
      for (let i = 0; i < segment.count; i++) {
        // A damaged header here stops the open (CorruptEvent naming the offset): without it
        // some aggregate's head is unknown, and appending past it would fork its history.
        const event = segment.header(i);
        this.heads.set(event.persistenceId, { seq: event.seq, offset: event.offset, segment: key });
        this.dirty.add(event.persistenceId);
      }
      this.committed = key + segment.count - 1;
    }
    this.durableHead = this.committed;
  }

  /**
   * Calls `observer` after each acknowledged group commit with the appends it carried and the
   * seconds from its start to its acknowledgement (fsync included with durability 'flush'): the
   * storage part of an append's latency. One observer; nothing is timed while none is set.
   */
  observeCommits(observer: (appends: number, seconds: number) => void): () => void {
    this.commitObserver = observer;
    return () => {
      if (this.commitObserver === observer) this.commitObserver = undefined;
    };
  }

  append(request: AppendRequest): Promise<StoredAppend> {
    if (this.closed) return Promise.reject(new JournalUnavailable('lmdb store is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ request, resolve, reject });
      this.draining ??= this.drain();
    });
  }

  /** Runs transactions until the queue is empty; one transaction is being built at a time. */
  private async drain(): Promise<void> {
    // Let every append issued in this event-loop turn join the first transaction.
    await new Promise<void>((r) => setImmediate(r));
    try {
      while (this.queue.length > 0) {
        let batch: Pending[] = [];
        let outcomes: Outcome[] = [];
        let changed = new Map<string, Head>();
        let end = this.committed;
        let wroteHeads = false;
        let fresh: StoredEvent[] = [];
        const started = this.commitObserver !== undefined ? performance.now() : 0;
        try {
          // A child transaction: if the callback throws, its writes are rolled back. A plain
          // lmdb-js transaction() callback that throws still commits what it wrote before.
          await this.root.childTransaction(() => {
            // Taken when the write lock is ours: whatever arrived meanwhile rides along.
            batch = this.queue.splice(0, this.maxBatch);
            ({ outcomes, changed, end, wroteHeads, fresh } = this.applyBatch(batch));
          });
        } catch (e) {
          // The transaction aborted: nothing of it is visible; `committed` and heads unchanged.
          const err = new JournalUnavailable(`lmdb commit failed: ${(e as Error).message}`, e);
          for (const p of batch) p.reject(err);
          continue;
        }
        this.stats.transactions += 1;
        this.stats.appends += batch.length;
        this.committed = end;
        for (const [id, head] of changed) {
          this.heads.set(id, head);
          this.dirty.add(id);
        }
        if (wroteHeads) {
          this.dirty.clear();
          this.headsAt = end;
        }
        const acknowledged = this.durability === 'flush' ? this.root.flushed : Promise.resolve(true);
        void acknowledged.then(
          () => {
            this.settle(batch, outcomes, end, fresh);
            if (started !== 0) this.commitObserver?.(batch.length, (performance.now() - started) / 1000);
          },
          (e: unknown) => {
            const err = new JournalUnavailable(`lmdb flush failed: ${(e as Error).message}`, e);
            for (const p of batch) p.reject(err);
          },
        );
      }
    } finally {
      this.draining = undefined;
    }
  }

  /** Inside the write transaction: check each append, write the batch as one segment. */
  private applyBatch(batch: readonly Pending[]) {
    const first = this.committed + 1;
    const changed = new Map<string, Head>();
    const fresh: StoredEvent[] = [];
    this.writer.reset();
    const outcomes: Outcome[] = batch.map(({ request: r }) => {
      const head = changed.get(r.persistenceId) ?? this.headOf(r.persistenceId);
      if (head.seq !== r.expectedSeq) return { error: new JournalConflict(r.persistenceId, r.expectedSeq, head.seq) };
      const firstOffset = first + this.writer.count;
      let prev = head;
      for (const e of r.events) {
        // Spelled out rather than `{ ...e, ... }`: the spread cost ~5 µs per event here.
        const event = {
          type: e.type,
          version: e.version,
          payload: e.payload,
          persistenceId: r.persistenceId,
          seq: prev.seq + 1,
          offset: first + this.writer.count,
          timestamp: r.timestamp,
          decoded: e.source,
        };
        this.writer.add(event, prev.offset, prev.segment);
        if (e.source !== undefined) fresh.push(event);
        prev = { seq: event.seq, offset: event.offset, segment: first };
      }
      changed.set(r.persistenceId, prev);
      return { ok: { firstSeq: r.expectedSeq + 1, lastSeq: prev.seq, firstOffset, lastOffset: first + this.writer.count - 1 } };
    });
    const end = first + this.writer.count - 1;
    if (this.writer.count > 0) this.segments.putSync(first, this.writer.finish(), { append: true });
    // Every headsEvery events, persist the heads changed since the last time, with their offset.
    const wroteHeads = end - this.headsAt >= this.headsEvery;
    if (wroteHeads) {
      for (const id of this.dirty) if (!changed.has(id)) this.putHead(id, this.heads.get(id) ?? NO_HEAD);
      for (const [id, head] of changed) this.putHead(id, head);
      this.meta.putSync('headsAt', end);
    }
    const fault = this.injectFault?.();
    if (fault) throw fault;
    return { outcomes, changed, end, wroteHeads, fresh };
  }

  private putHead(id: string, h: Head): void {
    this.headsDb.putSync(id, [h.seq, h.offset, h.segment]);
  }

  private headOf(persistenceId: string): Head {
    const known = this.heads.get(persistenceId);
    if (known) return known;
    const stored = this.headsDb.get(persistenceId);
    const head = stored ? { seq: stored[0], offset: stored[1], segment: stored[2] } : NO_HEAD;
    if (stored) this.heads.set(persistenceId, head);
    return head;
  }

  private settle(batch: readonly Pending[], outcomes: readonly Outcome[], end: number, fresh: readonly StoredEvent[]): void {
    // Durable now: readers may get these from memory (before the listeners wake them).
    for (const e of fresh) this.recent[e.offset % RECENT] = e;
    if (end > this.durableHead) {
      this.durableHead = end;
      for (const l of this.listeners) l(end);
    }
    batch.forEach((p, i) => {
      const o = outcomes[i];
      if (o && 'ok' in o) p.resolve(o.ok);
      else p.reject(o?.error ?? new JournalUnavailable('append lost its outcome'));
    });
  }

  /** The segment stored under `key`, read without a copy (valid until the next read). */
  private segmentAt(key: number, where: { persistenceId?: string; seq?: number } = {}): SegmentReader {
    const bytes = this.segments.getBinaryFast(key);
    if (!bytes) throw new CorruptEvent(where.persistenceId, where.seq, key, 'missing journal segment');
    return SegmentReader.open(bytes, (this.segments as unknown as { lastSize: number }).lastSize, key);
  }

  /**
   * Where the aggregate's durable events from `fromSeq` up lie: offsets[i] and segments[i] hold
   * seq `top - i`. Follows the back links from the head without decoding records.
   */
  private locate(persistenceId: string, fromSeq: number, firstDurableOnly = false): Located {
    let { seq, offset, segment } = this.headOf(persistenceId);
    const located: Located = { persistenceId, headOffset: offset, durable: this.durableHead, top: 0, offsets: [], segments: [] };
    let reader: SegmentReader | undefined;
    while (seq >= Math.max(1, fromSeq)) {
      if (offset <= this.durableHead) {
        located.top ||= seq;
        located.offsets.push(offset);
        located.segments.push(segment);
        if (firstDurableOnly) break;
      }
      if (seq === fromSeq) break;
      if (!reader || reader.key !== segment) reader = this.segmentAt(segment, { persistenceId, seq });
      const link = reader.link(offset - segment, { persistenceId, seq });
      seq -= 1;
      offset = link.prevOffset;
      segment = link.prevSegment;
      if (seq > 0 && offset === 0) throw new CorruptEvent(persistenceId, seq, undefined, 'the chain of events ends early');
    }
    return located;
  }

  async replay(persistenceId: string, fromSeq: number, toSeq: number, limit: number): Promise<StoredEvent[]> {
    this.checkOpen();
    // EventJournal pages through a long replay with increasing fromSeq: reuse the walk.
    const c = this.lastWalk;
    const located =
      c &&
      c.persistenceId === persistenceId &&
      c.headOffset === this.headOf(persistenceId).offset &&
      c.durable === this.durableHead &&
      c.top - c.offsets.length + 1 <= Math.max(1, fromSeq)
        ? c
        : (this.lastWalk = this.locate(persistenceId, fromSeq));
    const out: StoredEvent[] = [];
    let reader: SegmentReader | undefined;
    const last = Math.min(toSeq, located.top, fromSeq + limit - 1);
    for (let seq = Math.max(1, fromSeq); seq <= last; seq++) {
      const i = located.top - seq;
      const offset = located.offsets[i] as number;
      const segment = located.segments[i] as number;
      if (!reader || reader.key !== segment) reader = this.segmentAt(segment, { persistenceId, seq });
      out.push(reader.entry(offset - segment, { persistenceId, seq }).event);
    }
    return out;
  }

  async highestSeq(persistenceId: string): Promise<number> {
    this.checkOpen();
    const head = this.headOf(persistenceId);
    if (head.offset <= this.durableHead) return head.seq;
    // Its last append is committed but not yet durable: report the last durable event.
    return this.locate(persistenceId, 1, true).top;
  }

  async read(fromOffset: number, limit: number): Promise<StoredEvent[]> {
    this.checkOpen();
    const last = Math.min(this.durableHead, fromOffset + limit - 1);
    const out: StoredEvent[] = [];
    if (last < fromOffset) return out;
    while (fromOffset <= last) {
      const e = this.recent[fromOffset % RECENT];
      if (e?.offset !== fromOffset) break;
      out.push(e);
      fromOffset += 1;
    }
    if (last < fromOffset) return out;
    let start = fromOffset;
    for (const key of this.segments.getKeys({ start: fromOffset, reverse: true, limit: 1 })) start = key;
    // getRange hands out each segment as its own copy (one cursor step and one memcpy per
    // segment), so every payload can be a view into it instead of a copy of its own.
    for (const { key, value } of this.segments.getRange({ start, end: last + 1 })) {
      const segment = SegmentReader.open(value, value.length, key, true);
      for (let i = Math.max(0, fromOffset - key); i < segment.count && key + i <= last; i++) out.push(segment.entry(i).event);
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
    const range = this.snapshots.getRange({
      start: [persistenceId, Math.min(maxSeq, Number.MAX_SAFE_INTEGER)],
      end: [persistenceId, 0],
      reverse: true,
      limit: 1,
    });
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
    this.releaseLock();
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

  private checkOpen(): void {
    if (this.closed) throw new JournalUnavailable('lmdb store is closed');
  }
}

/** A Journal over an LMDB environment at `options.path`. */
export function lmdbJournal(options: LmdbStoreOptions & EventJournalOptions): Promise<EventJournal> {
  return EventJournal.open(new LmdbStore(options), options);
}
